"""Conductor tasks (queue ``conductor``): compute nodes send these by name, beat sends the
reconciler and the purge. Each task names the fields its message carries; what the conductor
believes of each is in the docstring of the function it calls. A message with other fields is
refused (``workers.conductor.trust``)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from workers.conductor import healing, instances, nodes, reclaim, resize, snapshots
from workers.conductor.trust import HostReportTask

# A database hiccup (restart, failover, lock timeout) retries the task; its work is idempotent.
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": True, "max_retries": 8}
# What a host sends: a message with fields other than the task's is refused and counted.
REPORT = {**RETRY, "base": HostReportTask}


@shared_task(**REPORT, name="conductor.instance_update")
def instance_update(host, instance_uuid, updates, expected_task_state, attempt_id=None, task_id=None, fault=None,
                    event=None, request_id=None) -> bool:  # fmt: skip
    return instances.instance_update(
        host, instance_uuid, updates, expected_task_state, attempt_id=attempt_id, task_id=task_id, fault=fault,
        event=event, request_id=request_id,
    )  # fmt: skip


@shared_task(**REPORT, name="conductor.build_failed")
def build_failed(host, instance_uuid, attempt_id, fault, event=None, request_id=None) -> None:
    instances.build_failed(host, instance_uuid, attempt_id, fault, event=event, request_id=request_id)


@shared_task(**REPORT, name="conductor.instance_deleted")
def instance_deleted(host, instance_uuid, event=None, request_id=None) -> None:
    instances.instance_deleted(host, instance_uuid, event=event, request_id=request_id)


@shared_task(**REPORT, name="conductor.snapshot_done")
def snapshot_done(host, instance_uuid, image_id, task_id, image_file=None, fault=None, event=None,
                  request_id=None) -> None:  # fmt: skip
    snapshots.snapshot_done(host, instance_uuid, image_id, task_id, image_file=image_file, fault=fault, event=event,
                            request_id=request_id)  # fmt: skip


@shared_task(**REPORT, name="conductor.service_heartbeat")
def service_heartbeat(host, binary=None) -> None:
    nodes.service_heartbeat(host)


@shared_task(**REPORT, name="conductor.node_report")
def node_report(host, resources) -> None:
    nodes.node_report(host, resources)


@shared_task(**REPORT, name="conductor.sync_instances")
def sync_instances(host, instances, collected_at, startup=False, idle_only=False) -> dict:
    return healing.sync_instances(host, instances, collected_at, startup=startup, idle_only=idle_only)


@shared_task(**REPORT, name="conductor.resize_migrated")
def resize_migrated(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    resize.resize_migrated(host, instance_uuid, migration_id, power_state=power_state, event=event,
                           request_id=request_id)  # fmt: skip


@shared_task(**REPORT, name="conductor.resize_finished")
def resize_finished(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    resize.resize_finished(host, instance_uuid, migration_id, power_state=power_state, event=event,
                           request_id=request_id)  # fmt: skip


@shared_task(**REPORT, name="conductor.resize_confirmed")
def resize_confirmed(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    resize.resize_confirmed(host, instance_uuid, migration_id, power_state=power_state, event=event,
                            request_id=request_id)  # fmt: skip


@shared_task(**REPORT, name="conductor.resize_reverted_dest")
def resize_reverted_dest(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    resize.resize_reverted_dest(host, instance_uuid, migration_id, power_state=power_state, event=event,
                                request_id=request_id)  # fmt: skip


@shared_task(**REPORT, name="conductor.resize_reverted")
def resize_reverted(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    resize.resize_reverted(host, instance_uuid, migration_id, power_state=power_state, event=event,
                           request_id=request_id)  # fmt: skip


@shared_task(**REPORT, name="conductor.resize_failed")
def resize_failed(host, instance_uuid, migration_id, fault, event=None, request_id=None) -> None:
    resize.resize_failed(host, instance_uuid, migration_id, fault, event=event, request_id=request_id)


@shared_task(**RETRY, name="conductor.purge_deleted_instances")
def purge_deleted_instances() -> int:
    return healing.purge_deleted_instances()


@shared_task(**RETRY, name="conductor.reconcile")
def reconcile() -> dict:
    return healing.reconcile()


@shared_task(**RETRY, name="conductor.reclaim_queued_deletes")
def reclaim_queued_deletes() -> int:
    return reclaim.reclaim_queued_deletes()
