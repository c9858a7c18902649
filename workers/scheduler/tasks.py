"""Scheduler tasks (queue ``scheduler``)."""

from celery import shared_task

from workers.scheduler import manager


@shared_task(name="scheduler.select_destinations")
def select_destinations(instance_uuids: list[str], request_id: str | None = None) -> None:
    manager.select_destinations(instance_uuids, request_id)


@shared_task(name="scheduler.select_migration_destination")
def select_migration_destination(migration_id: int, request_id: str | None = None) -> None:
    manager.select_migration_destination(migration_id, request_id)
