"""The conductor's side of resize and cold migration: one compare-and-swap per step.

Each step names the task_state and migration status it expects and the host that must send it
(the source or the destination), so a duplicate or late report changes nothing.
"""

import logging

from django.db import transaction

from apps.compute.actions import add_fault, record_event
from apps.compute.models import Instance, Migration
from apps.compute.states import PowerState, TaskState, VmState
from workers import rpc
from workers.scheduler import claims

LOG = logging.getLogger(__name__)

Status = Migration.Status
MIGRATION_TASK_STATES = (
    TaskState.RESIZE_PREP,
    TaskState.RESIZE_MIGRATING,
    TaskState.RESIZE_FINISH,
    TaskState.RESIZE_CONFIRMING,
    TaskState.RESIZE_REVERTING,
)


def _lock(migration_id: int, host: str, sides: tuple[str, ...], task_state, status):
    """(migration, instance), row-locked, if the step is still expected and ``host`` may send it."""
    migration = Migration.objects.filter(pk=migration_id).first()
    if migration is None:
        LOG.warning("report from %s about unknown migration %s ignored", host, migration_id)
        return None
    instance = Instance.objects.select_for_update().filter(uuid=migration.instance_id).first()
    migration = Migration.objects.select_for_update().get(pk=migration_id)
    senders = {"source": migration.source_compute, "dest": migration.dest_compute}
    if host not in {senders[side] for side in sides}:
        LOG.warning("refused migration report from %s for migration %s", host, migration_id)
        return None
    expected_tasks = task_state if isinstance(task_state, tuple) else (task_state,)
    expected_status = status if isinstance(status, tuple) else (status,)
    if instance is None or instance.deleted or instance.task_state not in expected_tasks:
        LOG.info("stale migration report for %s from %s ignored", migration.instance_id, host)
        return None
    if migration.status not in expected_status:
        return None
    return migration, instance


def _payload(instance: Instance, flavor: dict) -> dict:
    payload = instance.payload()
    payload["flavor"] = flavor
    return payload


def _cast_after_commit(host: str, task: str, **kwargs) -> None:
    transaction.on_commit(lambda: rpc.cast(rpc.compute_queue(host), task, **kwargs))


def resize_migrated(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Source finished moving the disk: the destination finishes the resize."""
    with transaction.atomic():
        locked = _lock(migration_id, host, ("source",), TaskState.RESIZE_MIGRATING, Status.MIGRATING)
        if locked is None:
            return
        migration, instance = locked
        migration.status = Status.POST_MIGRATING
        migration.save(update_fields=["status", "updated_at"])
        Instance.objects.filter(uuid=instance.uuid).update(task_state=TaskState.RESIZE_FINISH, power_state=power_state)
        if event:
            record_event(instance.uuid, request_id, event)
        _cast_after_commit(
            migration.dest_compute,
            "compute.finish_resize",
            instance=_payload(instance, migration.new_flavor),
            migration=migration.payload(),
            request_id=request_id,
        )


def resize_finished(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Destination is running the resized guest: the server moves there and waits for confirm."""
    with transaction.atomic():
        locked = _lock(migration_id, host, ("dest",), TaskState.RESIZE_FINISH, Status.POST_MIGRATING)
        if locked is None:
            return
        migration, instance = locked
        migration.status = Status.FINISHED
        migration.save(update_fields=["status", "updated_at"])
        Instance.objects.filter(uuid=instance.uuid).update(
            host=migration.dest_compute,
            node=migration.dest_node,
            flavor=migration.new_flavor,
            vm_state=VmState.RESIZED,
            task_state=None,
            power_state=power_state,
        )
        if event:
            record_event(instance.uuid, request_id, event, finish=True)


def resize_confirmed(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Source dropped the old guest: free the source claim."""
    with transaction.atomic():
        locked = _lock(migration_id, host, ("source",), TaskState.RESIZE_CONFIRMING, Status.CONFIRMING)
        if locked is None:
            return
        migration, instance = locked
        claims.release(str(instance.uuid), node=migration.source_node)
        migration.status = Status.CONFIRMED
        migration.save(update_fields=["status", "updated_at"])
        running = instance.power_state == PowerState.RUNNING
        Instance.objects.filter(uuid=instance.uuid).update(
            vm_state=VmState.ACTIVE if running else VmState.STOPPED, task_state=None
        )
        if event:
            record_event(instance.uuid, request_id, event, finish=True)


def resize_reverted_dest(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Destination dropped the resized guest: free its claim and bring the source back."""
    with transaction.atomic():
        locked = _lock(migration_id, host, ("dest",), TaskState.RESIZE_REVERTING, Status.REVERTING)
        if locked is None:
            return
        migration, instance = locked
        if not claims.release(str(instance.uuid), node=migration.dest_node):
            return  # delivered before: the source was already told to finish the revert
        if event:
            record_event(instance.uuid, request_id, event)
        _cast_after_commit(
            migration.source_compute,
            "compute.finish_revert_resize",
            instance=_payload(instance, migration.old_flavor),
            migration=migration.payload(),
            request_id=request_id,
        )


def resize_reverted(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Source runs the old guest again: the server is back where it was, with its old flavor."""
    with transaction.atomic():
        locked = _lock(migration_id, host, ("source",), TaskState.RESIZE_REVERTING, Status.REVERTING)
        if locked is None:
            return
        migration, instance = locked
        migration.status = Status.REVERTED
        migration.save(update_fields=["status", "updated_at"])
        Instance.objects.filter(uuid=instance.uuid).update(
            host=migration.source_compute,
            node=migration.source_node,
            flavor=migration.old_flavor,
            vm_state=VmState.ACTIVE if migration.power_on else VmState.STOPPED,
            task_state=None,
            power_state=power_state,
        )
        if event:
            record_event(instance.uuid, request_id, event, finish=True)


def resize_failed(host, instance_uuid, migration_id, step, reason, event=None, request_id=None) -> None:
    """A step failed. Before the guest moved, the server stays as it was; after, it goes to ERROR."""
    open_statuses = (Status.MIGRATING, Status.POST_MIGRATING, Status.CONFIRMING, Status.REVERTING)
    with transaction.atomic():
        locked = _lock(migration_id, host, ("source", "dest"), MIGRATION_TASK_STATES, open_statuses)
        if locked is None:
            return
        migration, instance = locked
        before_move = step == "compute_resize_instance"
        if migration.status in (Status.MIGRATING, Status.POST_MIGRATING):
            claims.release(str(instance.uuid), node=migration.dest_node)
        migration.status = Status.ERROR
        migration.save(update_fields=["status", "updated_at"])
        updates = {"task_state": None}
        if not before_move:
            updates["vm_state"] = VmState.ERROR
        if step == "compute_finish_revert_resize":
            # The destination is already gone: the server belongs to the source again.
            updates.update(host=migration.source_compute, node=migration.source_node, flavor=migration.old_flavor)
        Instance.objects.filter(uuid=instance.uuid).update(**updates)
        add_fault(instance.uuid, reason, details=f"{step} failed on {host}", host=host)
        if event:
            record_event(instance.uuid, request_id, event, finish=True)
