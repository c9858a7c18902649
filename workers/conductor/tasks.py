"""Conductor tasks (queue ``conductor``). Compute nodes send these by name."""

from celery import shared_task

from workers.conductor import manager


@shared_task(name="conductor.instance_update")
def instance_update(**kwargs) -> bool:
    return manager.instance_update(**kwargs)


@shared_task(name="conductor.build_failed")
def build_failed(**kwargs) -> None:
    manager.build_failed(**kwargs)


@shared_task(name="conductor.instance_deleted")
def instance_deleted(**kwargs) -> None:
    manager.instance_deleted(**kwargs)


@shared_task(name="conductor.action_event")
def action_event(**kwargs) -> None:
    manager.action_event(**kwargs)


@shared_task(name="conductor.service_heartbeat")
def service_heartbeat(host: str, binary: str) -> None:
    manager.service_heartbeat(host, binary)


@shared_task(name="conductor.node_report")
def node_report(host: str, resources: dict) -> None:
    manager.node_report(host, resources)


@shared_task(name="conductor.purge_deleted_instances")
def purge_deleted_instances() -> int:
    return manager.purge_deleted_instances()
