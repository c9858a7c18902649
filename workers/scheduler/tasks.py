"""Scheduler tasks (queue ``scheduler``)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from workers.scheduler import manager

# A database hiccup (restart, failover, lock timeout) retries the task; its work is idempotent.
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 8}


@shared_task(**RETRY, name="scheduler.select_destinations")
def select_destinations(instance_uuids: list[str], request_id: str | None = None) -> None:
    manager.select_destinations(instance_uuids, request_id)


@shared_task(**RETRY, name="scheduler.select_migration_destination")
def select_migration_destination(migration_id: int, request_id: str | None = None) -> None:
    manager.select_migration_destination(migration_id, request_id)
