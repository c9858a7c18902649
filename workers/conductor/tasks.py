"""Conductor tasks (queue ``conductor``). Compute nodes send these by name; beat sends the
reconciler and the purge. What each task believes of a host is in its function's docstring."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from workers.conductor import healing, manager, migrations

# A database hiccup (restart, failover, lock timeout) retries the task; its work is idempotent.
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 8}


@shared_task(**RETRY, name="conductor.instance_update")
def instance_update(**kwargs) -> bool:
    return manager.instance_update(**kwargs)


@shared_task(**RETRY, name="conductor.build_failed")
def build_failed(**kwargs) -> None:
    manager.build_failed(**kwargs)


@shared_task(**RETRY, name="conductor.instance_deleted")
def instance_deleted(**kwargs) -> None:
    manager.instance_deleted(**kwargs)


@shared_task(**RETRY, name="conductor.service_heartbeat")
def service_heartbeat(host: str, binary: str) -> None:
    manager.service_heartbeat(host, binary)


@shared_task(**RETRY, name="conductor.node_report")
def node_report(host: str, resources: dict) -> None:
    manager.node_report(host, resources)


@shared_task(**RETRY, name="conductor.purge_deleted_instances")
def purge_deleted_instances() -> int:
    return manager.purge_deleted_instances()


@shared_task(**RETRY, name="conductor.snapshot_done")
def snapshot_done(**kwargs) -> None:
    manager.snapshot_done(**kwargs)


@shared_task(**RETRY, name="conductor.resize_migrated")
def resize_migrated(**kwargs) -> None:
    migrations.resize_migrated(**kwargs)


@shared_task(**RETRY, name="conductor.resize_finished")
def resize_finished(**kwargs) -> None:
    migrations.resize_finished(**kwargs)


@shared_task(**RETRY, name="conductor.resize_confirmed")
def resize_confirmed(**kwargs) -> None:
    migrations.resize_confirmed(**kwargs)


@shared_task(**RETRY, name="conductor.resize_reverted_dest")
def resize_reverted_dest(**kwargs) -> None:
    migrations.resize_reverted_dest(**kwargs)


@shared_task(**RETRY, name="conductor.resize_reverted")
def resize_reverted(**kwargs) -> None:
    migrations.resize_reverted(**kwargs)


@shared_task(**RETRY, name="conductor.resize_failed")
def resize_failed(**kwargs) -> None:
    migrations.resize_failed(**kwargs)


@shared_task(**RETRY, name="conductor.sync_instances")
def sync_instances(**kwargs) -> dict:
    return healing.sync_instances(**kwargs)


@shared_task(**RETRY, name="conductor.reconcile")
def reconcile() -> dict:
    return healing.reconcile()
