"""The conductor's side of resize and cold migration: one compare-and-swap per step.

Each step names the task_state and migration status it expects and the host that must send it
(the source or the destination), so a duplicate or late report changes nothing. Each task's
docstring says, field by field, what it verifies of the host's report and what it ignores.
"""

import logging

from django.db import transaction

from apps.compute.audit import add_fault, record_event
from apps.compute.models import Instance, Migration
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from apps.hosts.models import Allocation
from apps.hosts.zones import zone_of
from core import names, rpc
from core.power_state import PowerState
from workers.conductor import trust
from workers.conductor.trust import Reason, Refused

LOG = logging.getLogger(__name__)

Status = Migration.Status
MIGRATION_TASK_STATES = (
    TaskState.RESIZE_PREP,
    TaskState.RESIZE_MIGRATING,
    TaskState.RESIZE_FINISH,
    TaskState.RESIZE_CONFIRMING,
    TaskState.RESIZE_REVERTING,
)


def _lock(migration_id, host: str, sides: tuple[str, ...], task_state, status, instance_uuid=None):
    """(migration, instance), row-locked, if the step is still expected and ``host`` may send it;
    ``Refused`` otherwise."""
    if type(migration_id) is not int:
        raise Refused(Reason.BAD_FIELD, f"migration_id is not a number: {str(migration_id)[:40]!r}")
    migration = Migration.objects.filter(pk=migration_id).first()
    if migration is None:
        raise Refused(Reason.NOT_IN_FLIGHT, f"no migration {migration_id}")
    if instance_uuid is not None and trust.uuid_text(instance_uuid, "instance_uuid") != str(migration.instance_id):
        raise Refused(Reason.BAD_FIELD, f"migration {migration_id} is not of instance {instance_uuid}")
    instance = Instance.objects.select_for_update().filter(uuid=migration.instance_id).first()
    migration = Migration.objects.select_for_update().get(pk=migration_id)
    senders = {"source": migration.source_compute, "dest": migration.dest_compute}
    if host not in {senders[side] for side in sides}:
        raise Refused(Reason.WRONG_HOST, f"migration {migration_id} is not {host}'s to report")
    expected_tasks = task_state if isinstance(task_state, tuple) else (task_state,)
    expected_status = status if isinstance(status, tuple) else (status,)
    if instance is None or instance.deleted:
        raise Refused(Reason.UNKNOWN_INSTANCE, f"no instance {migration.instance_id}")
    if instance.task_state not in expected_tasks or migration.status not in expected_status:
        raise Refused(Reason.NOT_IN_FLIGHT, f"migration {migration_id} is {migration.status}, {instance.task_state}")
    return migration, instance


def _next_step(host: str, task: str, instance: Instance, migration: Migration, flavor: dict, request_id) -> None:
    """Once this step commits, cast the migration's next ``task`` to ``host``, the instance with ``flavor``."""
    payload = {**instance.payload(), "flavor": flavor}
    kwargs = {"instance": payload, "migration": migration.payload(), "request_id": request_id}
    transaction.on_commit(lambda: rpc.cast(names.compute_queue(host), task, **kwargs))


@trust.host_report("resize_migrated")
def resize_migrated(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Source finished moving the disk: the destination finishes the resize.

    - ``migration_id``: a migration in ``migrating`` whose instance (not deleted) is in
      ``resize_migrating``; ``instance_uuid``, when sent, must be that instance.
    - ``host``: must be the migration's source.
    - ``power_state``: must be a known power state; it becomes the instance's.
    - ``event``: only its times are kept, bounded, under ``compute_resize_instance`` (``trust.event``).
    - ``request_id``: kept only if it is one of the instance's actions' (``trust.request_id``): that
      action records the event, and the destination's ``finish_resize`` carries it; else ignored.
    Where the destination is, and the flavor it builds, come from the migration, never the report.
    """
    migration, instance = _lock(
        migration_id, host, ("source",), TaskState.RESIZE_MIGRATING, Status.MIGRATING, instance_uuid
    )
    power = trust.power_state(power_state)
    request_id = trust.request_id(instance.uuid, request_id)
    migration.status = Status.POST_MIGRATING
    migration.save(update_fields=["status", "updated_at"])
    Instance.objects.filter(uuid=instance.uuid).update(task_state=TaskState.RESIZE_FINISH, power_state=power)
    record_event(instance.uuid, request_id, trust.event(host, event, "compute_resize_instance", False))
    _next_step(migration.dest_compute, "compute.finish_resize", instance, migration, migration.new_flavor, request_id)


@trust.host_report("resize_finished")
def resize_finished(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Destination is running the resized guest: the server moves there and waits for confirm.

    - ``migration_id``: a migration in ``post-migrating`` whose instance (not deleted) is in
      ``resize_finish``; ``instance_uuid``, when sent, must be that instance.
    - ``host``: must be the migration's destination.
    - ``power_state``: must be a known power state; it becomes the instance's.
    - ``event``: only its times are kept, bounded, under ``compute_finish_resize`` (``trust.event``).
    - ``request_id``: kept only if it is one of the instance's actions' (that action records the
      event); else the latest records it (``trust.request_id_text``).
    The new host, node and flavor come from the migration, never the report.
    """
    migration, instance = _lock(
        migration_id, host, ("dest",), TaskState.RESIZE_FINISH, Status.POST_MIGRATING, instance_uuid
    )
    power = trust.power_state(power_state)
    request_id = trust.request_id_text(request_id)
    migration.status = Status.FINISHED
    migration.save(update_fields=["status", "updated_at"])
    Instance.objects.filter(uuid=instance.uuid).update(
        host=migration.dest_compute,
        node=migration.dest_node,
        availability_zone=zone_of(migration.dest_compute),
        flavor=migration.new_flavor,
        vm_state=VmState.RESIZED,
        task_state=None,
        power_state=power,
    )
    record_event(instance.uuid, request_id, trust.event(host, event, "compute_finish_resize", False), finish=True)


@trust.host_report("resize_confirmed")
def resize_confirmed(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Source dropped the old guest: free the source claim.

    - ``migration_id``: a migration in ``confirming`` whose instance (not deleted) is in
      ``resize_confirming``; ``instance_uuid``, when sent, must be that instance.
    - ``host``: must be the migration's source.
    - ``power_state``: ignored (the guest that runs is the destination's; the server keeps the
      power state it has, which decides between ACTIVE and SHUTOFF).
    - ``event``: only its times are kept, bounded, under ``compute_confirm_resize`` (``trust.event``).
    - ``request_id``: kept only if it is one of the instance's actions' (that action records the
      event); else the latest records it (``trust.request_id_text``).
    """
    migration, instance = _lock(
        migration_id, host, ("source",), TaskState.RESIZE_CONFIRMING, Status.CONFIRMING, instance_uuid
    )
    request_id = trust.request_id_text(request_id)
    claims.release(str(instance.uuid), node=migration.source_node)
    migration.status = Status.CONFIRMED
    migration.save(update_fields=["status", "updated_at"])
    running = instance.power_state == PowerState.RUNNING
    Instance.objects.filter(uuid=instance.uuid).update(
        vm_state=VmState.ACTIVE if running else VmState.STOPPED, task_state=None
    )
    record_event(instance.uuid, request_id, trust.event(host, event, "compute_confirm_resize", False), finish=True)


@trust.host_report("resize_reverted_dest")
def resize_reverted_dest(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Destination dropped the resized guest: free its claim and bring the source back.

    - ``migration_id``: a migration in ``reverting`` whose instance (not deleted) is in
      ``resize_reverting``, the destination's claim not yet freed; ``instance_uuid``, when sent, must be that instance.
    - ``host``: must be the migration's destination.
    - ``power_state``: ignored (the source reports the power state of the guest it brings back).
    - ``event``: only its times are kept, bounded, under ``compute_revert_resize`` (``trust.event``).
    - ``request_id``: kept only if it is one of the instance's actions' (``trust.request_id``): that
      action records the event, and the source's ``finish_revert_resize`` carries it; else ignored.
    """
    migration, instance = _lock(
        migration_id, host, ("dest",), TaskState.RESIZE_REVERTING, Status.REVERTING, instance_uuid
    )
    request_id = trust.request_id(instance.uuid, request_id)
    if not claims.release(str(instance.uuid), node=migration.dest_node):
        raise Refused(Reason.NOT_IN_FLIGHT, f"the destination of migration {migration_id} already reverted")
    record_event(instance.uuid, request_id, trust.event(host, event, "compute_revert_resize", False))
    _next_step(migration.source_compute, "compute.finish_revert_resize", instance, migration, migration.old_flavor,
               request_id)  # fmt: skip


@trust.host_report("resize_reverted")
def resize_reverted(host, instance_uuid, migration_id, power_state=None, event=None, request_id=None) -> None:
    """Source runs the old guest again: the server is back where it was, with its old flavor.

    - ``migration_id``: a migration in ``reverting`` whose instance (not deleted) is in
      ``resize_reverting``, the destination's claim already freed; ``instance_uuid``, when sent, must be that instance.
    - ``host``: must be the migration's source.
    - ``power_state``: must be a known power state; it becomes the instance's.
    - ``event``: only its times are kept, bounded, under ``compute_finish_revert_resize``
      (``trust.event``).
    - ``request_id``: kept only if it is one of the instance's actions' (that action records the
      event); else the latest records it (``trust.request_id_text``).
    The host, node, flavor and vm_state the server returns to come from the migration.
    """
    migration, instance = _lock(
        migration_id, host, ("source",), TaskState.RESIZE_REVERTING, Status.REVERTING, instance_uuid
    )
    if Allocation.objects.filter(instance_id=instance.uuid, node__hypervisor_hostname=migration.dest_node).exists():
        raise Refused(Reason.NOT_IN_FLIGHT, f"the destination of migration {migration_id} has not reverted yet")
    power = trust.power_state(power_state)
    request_id = trust.request_id_text(request_id)
    migration.status = Status.REVERTED
    migration.save(update_fields=["status", "updated_at"])
    Instance.objects.filter(uuid=instance.uuid).update(
        host=migration.source_compute,
        availability_zone=zone_of(migration.source_compute),
        node=migration.source_node,
        flavor=migration.old_flavor,
        vm_state=VmState.ACTIVE if migration.power_on else VmState.STOPPED,
        task_state=None,
        power_state=power,
    )
    recorded = trust.event(host, event, "compute_finish_revert_resize", False)
    record_event(instance.uuid, request_id, recorded, finish=True)


def _failed_step(migration: Migration, instance: Instance, host: str) -> str:
    """The step that failed, from the migration's status and which side reports it (never from
    the report); ``Refused`` if that side has no step running now."""
    side = "source" if host == migration.source_compute else "dest"
    step = FAILED_STEPS.get((migration.status, side))
    if (
        step == "compute_revert_resize"
        and not Allocation.objects.filter(
            instance_id=instance.uuid, node__hypervisor_hostname=migration.dest_node
        ).exists()
    ):
        step = None  # the destination already reverted: the source is the one at work
    if step is None:
        raise Refused(Reason.NOT_IN_FLIGHT, f"{host} runs no step of migration {migration.id} now")
    return step


# (migration status, side) -> the step that side runs in that status.
FAILED_STEPS = {
    (Status.MIGRATING, "source"): "compute_resize_instance",
    (Status.POST_MIGRATING, "dest"): "compute_finish_resize",
    (Status.CONFIRMING, "source"): "compute_confirm_resize",
    (Status.REVERTING, "dest"): "compute_revert_resize",
    (Status.REVERTING, "source"): "compute_finish_revert_resize",
}


@trust.host_report("resize_failed")
def resize_failed(host, instance_uuid, migration_id, fault, event=None, request_id=None) -> None:
    """A step failed. Before the guest moved, the server stays as it was; after, it goes to ERROR.

    - ``migration_id``: an open migration whose instance (not deleted) is in one of the resize
      task_states; ``instance_uuid``, when sent, must be that instance.
    - ``host``: the migration's source or destination, and that side must run a step now: which
      step failed is the conductor's to know (``_failed_step``: the migration's status and the
      sender's side), never the report's.
    - ``fault``: why it failed, bounded text (the instance fault's message).
    - ``event``: only its times, details and traceback are kept, bounded, under the failed step's
      name (``trust.event``).
    - ``request_id``: kept only if it is one of the instance's actions' (that action records the
      event); else the latest records it (``trust.request_id_text``).
    """
    open_statuses = (Status.MIGRATING, Status.POST_MIGRATING, Status.CONFIRMING, Status.REVERTING)
    migration, instance = _lock(
        migration_id, host, ("source", "dest"), MIGRATION_TASK_STATES, open_statuses, instance_uuid
    )
    step = _failed_step(migration, instance, host)
    request_id = trust.request_id_text(request_id)
    if migration.status == Status.REVERTING and step == "compute_finish_revert_resize":
        pass  # the destination's claim is already gone
    elif migration.status in (Status.MIGRATING, Status.POST_MIGRATING):
        claims.release(str(instance.uuid), node=migration.dest_node)
    migration.status = Status.ERROR
    migration.save(update_fields=["status", "updated_at"])
    updates = {"task_state": None}
    if step != "compute_resize_instance":
        updates["vm_state"] = VmState.ERROR
    if step == "compute_finish_revert_resize":
        # The destination is already gone: the server belongs to the source again.
        updates.update(
            host=migration.source_compute,
            node=migration.source_node,
            flavor=migration.old_flavor,
            availability_zone=zone_of(migration.source_compute),
        )
    Instance.objects.filter(uuid=instance.uuid).update(**updates)
    add_fault(instance.uuid, trust.text(fault), details=f"{step} failed on {host}", host=host)
    record_event(instance.uuid, request_id, trust.event(host, event, step, True), finish=True)
