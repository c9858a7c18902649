"""Self-healing: what the conductor does with a host's periodic inventory, and the reconciler
that beat runs to resolve anything stuck.

Every correction is logged, and every change to a server is recorded as an instance action.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.compute.audit import add_fault, record_event, start_action
from apps.compute.models import Instance, Migration
from apps.compute.servers.delete import mark_deleted
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from apps.hosts.models import Allocation, ComputeNode, Service
from apps.identity import tokens
from core import names, rpc
from core.names import COMPUTE_BINARY
from core.power_state import PowerState
from workers.conductor import trust
from workers.conductor.instances import reschedule_or_fail
from workers.conductor.trust import Reason, Refused

LOG = logging.getLogger(__name__)

OPEN_MIGRATIONS = Migration.OPEN
# What a transitional task_state resolves to after a compute restart, from the hypervisor's word.
VM_STATE_FOR_POWER = {
    PowerState.RUNNING: VmState.ACTIVE,
    PowerState.SHUTDOWN: VmState.STOPPED,
    PowerState.CRASHED: VmState.STOPPED,
    PowerState.PAUSED: VmState.PAUSED,
    PowerState.SUSPENDED: VmState.SUSPENDED,
}


def _now_event(name: str, result: str, details: str, host: str | None = None) -> dict:
    now = timezone.now()
    return {"event": name, "host": host, "start_time": now, "finish_time": now, "result": result, "details": details}


def _system_action(instance: Instance, action: str, event: dict) -> None:
    """Record a change the cloud made by itself as an action with its one event."""
    request_id = f"req-{uuid.uuid4()}"
    start_action(instance, action, request_id, "", instance.project_id)
    record_event(instance.uuid, request_id, event, finish=True)


def reconcile_usage(nodes=None) -> int:
    """Make each node's ``*_used`` equal to the sum of its allocations; log every correction.

    One grouped query finds the nodes that disagree; only those are locked and corrected.
    """
    queryset = ComputeNode.objects.all() if nodes is None else nodes
    totals = queryset.annotate(
        v=Coalesce(Sum("allocations__vcpus"), 0),
        m=Coalesce(Sum("allocations__memory_mb"), 0),
        d=Coalesce(Sum("allocations__disk_gb"), 0),
    ).values_list("id", "vcpus_used", "memory_mb_used", "local_gb_used", "v", "m", "d")
    suspects = [row[0] for row in totals if row[1:4] != row[4:7]]
    corrected = 0
    for node_id in suspects:
        with transaction.atomic():
            node = ComputeNode.objects.select_for_update().get(pk=node_id)
            sums = Allocation.objects.filter(node=node).aggregate(v=Sum("vcpus"), m=Sum("memory_mb"), d=Sum("disk_gb"))
            truth = (sums["v"] or 0, sums["m"] or 0, sums["d"] or 0)
            if (node.vcpus_used, node.memory_mb_used, node.local_gb_used) != truth:
                LOG.warning(
                    "node %s usage (%s, %s, %s) disagreed with its allocations %s; corrected",
                    node.hypervisor_hostname, node.vcpus_used, node.memory_mb_used, node.local_gb_used, truth,
                )  # fmt: skip
                ComputeNode.objects.filter(pk=node_id).update(
                    vcpus_used=truth[0], memory_mb_used=truth[1], local_gb_used=truth[2], updated_at=timezone.now()
                )
                corrected += 1
    return corrected


def _in_migration_on(instance_uuid, host: str) -> bool:
    return (
        Migration.objects.filter(instance_id=instance_uuid, status__in=OPEN_MIGRATIONS)
        .filter(Q(source_compute=host) | Q(dest_compute=host))
        .exists()
    )


# The most guests one inventory may list (a host sending more is refused, not believed).
MAX_INVENTORY = 10_000


def _check_inventory(instances) -> dict[str, int | None]:
    if not isinstance(instances, dict) or len(instances) > MAX_INVENTORY:
        raise Refused(Reason.BAD_FIELD, f"instances is not an object of at most {MAX_INVENTORY} entries")
    return {
        trust.uuid_text(key, "instance uuid"): None if power is None else trust.power_state(power)
        for key, power in instances.items()
    }


@trust.host_report("sync_instances", refused={}, atomic=False)
def sync_instances(
    host: str, instances: dict, collected_at: str, startup: bool = False, idle_only: bool = False
) -> dict:
    """A host's inventory (uuid -> power state). Destroys what it should not hold, corrects power
    states the way Nova does, and after a restart resolves every task the restart interrupted.

    ``instances``: at most ``MAX_INVENTORY`` entries, each a UUID and a known power state (or
    None); only the sender's own instances are corrected, and a guest the sender holds that is
    not its own is destroyed on the sender. ``collected_at``: never later than now. ``startup``
    and ``idle_only`` only choose what is done to the sender's own instances:
    ``idle_only``, sent because a guest changed on its own (a hypervisor event), corrects idle
    instances only, leaving orphans and instances under an operation to the periodic sync.
    """
    instances = _check_inventory(instances)
    collected = trust.host_time(collected_at)
    startup, idle_only = bool(startup), bool(idle_only)
    counts = {"checked": 0, "recovered": 0, "power_synced": 0, "orphans": 0}
    owned = {str(u) for u in Instance.objects.filter(host=host, deleted_at__isnull=True).values_list("uuid", flat=True)}
    for instance_uuid in set() if idle_only else set(instances) - owned:
        if _in_migration_on(instance_uuid, host):
            continue
        LOG.warning("host %s holds instance %s, which is not its own; destroying it", host, instance_uuid)
        rpc.cast(names.compute_queue(host), "compute.terminate_instance", instance_uuid=instance_uuid)
        counts["orphans"] += 1
    for instance_uuid in owned:
        counts["checked"] += 1
        with transaction.atomic():
            instance = Instance.objects.select_for_update().filter(uuid=instance_uuid, host=host).first()
            if instance is None or instance.deleted or instance.updated_at > collected:
                continue  # changed since the inventory was taken: the next one will tell
            power = instances.get(instance_uuid)
            if instance.task_state is not None and idle_only:
                continue
            if instance.task_state is not None:
                if startup and _recover(instance, power) or not startup and _finish_from_inventory(instance, power):
                    counts["recovered"] += 1
            elif _sync_power(instance, power):
                counts["power_synced"] += 1
    reconcile_usage(ComputeNode.objects.filter(host=host))
    if any(counts[k] for k in ("recovered", "power_synced", "orphans")):
        LOG.info("synced %s: %s", host, counts)
    return counts


def _recover(instance: Instance, power: int | None) -> bool:
    """Resolve a task the host's restart interrupted. True if something changed."""
    task = instance.task_state
    if task == TaskState.SPAWNING and power is None:
        reschedule_or_fail(instance, f"compute host {instance.host} restarted during the build", None)
        return True
    if task == TaskState.SPAWNING:
        # The guest exists: the build finished but its report was lost.
        stopped = (instance.request_spec or {}).get("leave_stopped") and power == PowerState.SHUTDOWN
        Instance.objects.filter(uuid=instance.uuid).update(
            vm_state=VmState.STOPPED if stopped else VmState.ACTIVE, task_state=None, power_state=power,
            launched_at=timezone.now(),
        )  # fmt: skip
        record_event(instance.uuid, None, _now_event("compute_build_and_run_instance", "Success",
                                                     "build found complete after a restart", instance.host),
                     finish=True)  # fmt: skip
        return True
    if task == TaskState.DELETING:
        rpc.cast(names.compute_queue(instance.host), "compute.terminate_instance", instance_uuid=str(instance.uuid))
        return True
    if task in DEFERRED_DELETE_TASKS:
        _resend_deferred_delete(instance)
        return True
    if task in (TaskState.RESIZE_MIGRATING, TaskState.RESIZE_FINISH, TaskState.RESIZE_REVERTING,
                TaskState.RESIZE_CONFIRMING, TaskState.RESIZE_PREP, TaskState.REBUILDING):  # fmt: skip
        message = f"compute host {instance.host} restarted during {task}"
        Instance.objects.filter(uuid=instance.uuid).update(
            vm_state=VmState.ERROR, task_state=None, power_state=power or 0
        )
        add_fault(instance.uuid, message, host=instance.host)
        return True
    # Power operations and snapshots: believe the hypervisor.
    vm_state = VM_STATE_FOR_POWER.get(power, VmState.ERROR if power is None else instance.vm_state)
    Instance.objects.filter(uuid=instance.uuid).update(vm_state=vm_state, task_state=None, power_state=power or 0)
    _system_action(instance, "recover", _now_event("compute_init_instance", "Success",
                                                   f"{task} interrupted by a restart; hypervisor says {power}",
                                                   instance.host))  # fmt: skip
    return True


# A task whose outcome the hypervisor shows, and the vm_state it ends in.
FINISHED_WHEN = {
    TaskState.SPAWNING: (PowerState.RUNNING, VmState.ACTIVE),
    TaskState.POWERING_OFF: (PowerState.SHUTDOWN, VmState.STOPPED),
    TaskState.POWERING_ON: (PowerState.RUNNING, VmState.ACTIVE),
    TaskState.PAUSING: (PowerState.PAUSED, VmState.PAUSED),
    TaskState.UNPAUSING: (PowerState.RUNNING, VmState.ACTIVE),
    TaskState.SUSPENDING: (PowerState.SUSPENDED, VmState.SUSPENDED),
    TaskState.RESUMING: (PowerState.RUNNING, VmState.ACTIVE),
    TaskState.SOFT_DELETING: (PowerState.SHUTDOWN, VmState.SOFT_DELETED),
    TaskState.RESTORING: (PowerState.RUNNING, VmState.ACTIVE),
}
# A deferred delete's tasks, and what the host is told to do for each.
DEFERRED_DELETE_TASKS = {
    TaskState.SOFT_DELETING: "compute.soft_delete_instance",
    TaskState.RESTORING: "compute.restore_instance",
}


def _resend_deferred_delete(instance: Instance) -> None:
    """Tell the host again to power a soft-deleted (or restored) guest off (or on)."""
    task = DEFERRED_DELETE_TASKS[instance.task_state]
    transaction.on_commit(lambda: rpc.cast(names.compute_queue(instance.host), task, instance=instance.payload(),
                                           request_id=None))  # fmt: skip


def _finish_from_inventory(instance: Instance, power: int | None) -> bool:
    """A task the hypervisor shows done whose report has not come (lost with a broker outage, say):
    the inventory, taken after the task's last change, is as good a report."""
    outcome = FINISHED_WHEN.get(instance.task_state)
    if outcome is None or power != outcome[0]:
        return False
    updates = {"vm_state": outcome[1], "task_state": None, "power_state": power}
    if instance.task_state == TaskState.SPAWNING:
        updates["launched_at"] = timezone.now()
    if instance.task_state == TaskState.RESTORING:
        updates.update(soft_deleted_at=None, terminated_at=None)
    LOG.warning("%s of %s on %s finished without a report; completing it from the inventory",
                instance.task_state, instance.uuid, instance.host)  # fmt: skip
    Instance.objects.filter(uuid=instance.uuid).update(**updates)
    record_event(instance.uuid, None, _now_event("conductor_sync_inventory", "Success",
                                                 f"{instance.task_state} found done on the hypervisor", instance.host),
                 finish=True)  # fmt: skip
    return True


def _sync_power(instance: Instance, power: int | None) -> bool:
    """Nova's power-state sync for an idle instance. True if something changed."""
    observed = PowerState.NOSTATE if power is None else power
    stopped_on_host = observed in (PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.NOSTATE)
    if instance.vm_state == VmState.ACTIVE and stopped_on_host:
        Instance.objects.filter(uuid=instance.uuid).update(vm_state=VmState.STOPPED, power_state=observed)
        _system_action(instance, "stop", _now_event("compute_sync_power_state", "Success",
                                                    f"the guest was found {'missing' if power is None else 'shut down'}"
                                                    " on the hypervisor", instance.host))  # fmt: skip
        return True
    if instance.vm_state == VmState.STOPPED and observed == PowerState.RUNNING:
        # The database is the truth: stop the guest again.
        instance.task_id = uuid.uuid4()
        Instance.objects.filter(uuid=instance.uuid).update(task_state=TaskState.POWERING_OFF, task_id=instance.task_id)
        request_id = f"req-{uuid.uuid4()}"
        start_action(instance, "stop", request_id, "", instance.project_id)
        record_event(instance.uuid, request_id, _now_event("compute_sync_power_state", "Success",
                                                           "running on the hypervisor but stopped in the database",
                                                           instance.host))  # fmt: skip
        transaction.on_commit(lambda: rpc.cast(names.compute_queue(instance.host), "compute.stop_instance",
                                               instance=instance.payload(), request_id=request_id))  # fmt: skip
        return True
    if instance.vm_state == VmState.SOFT_DELETED and observed == PowerState.RUNNING:
        # Soft-deleted while its host was down: power it off now that the host is back.
        instance.task_state, instance.task_id = TaskState.SOFT_DELETING, uuid.uuid4()
        Instance.objects.filter(uuid=instance.uuid).update(task_state=instance.task_state, task_id=instance.task_id)
        _resend_deferred_delete(instance)
        return True
    if instance.power_state != observed:
        Instance.objects.filter(uuid=instance.uuid).update(power_state=observed)
    return False


def _host_up() -> dict[str, bool]:
    return {s.host: s.is_up(settings.SERVICE_DOWN_TIME) for s in Service.objects.filter(binary=COMPUTE_BINARY)}


def reconcile() -> dict:
    """Find everything stuck and resolve it; returns what was done, by kind. Sent by beat; it
    takes nothing from a host."""
    now = timezone.now()
    resend_before = now - timedelta(seconds=settings.RESEND_AFTER)
    build_deadline = now - timedelta(seconds=settings.BUILD_TIMEOUT)
    task_deadline = now - timedelta(seconds=settings.TASK_TIMEOUT)
    up = _host_up()
    done = {"rescheduled": 0, "resent": 0, "timed_out": 0, "deleted": 0, "allocations_freed": 0}
    stuck = Instance.objects.filter(deleted_at__isnull=True, task_state__isnull=False, updated_at__lt=resend_before)
    for instance_uuid in stuck.values_list("uuid", flat=True):
        with transaction.atomic():
            instance = Instance.objects.select_for_update().filter(uuid=instance_uuid).first()
            if (
                instance is None
                or instance.deleted
                or instance.task_state is None
                or instance.updated_at >= resend_before
            ):
                continue
            kind = _resolve(instance, up, build_deadline, task_deadline)
            if kind:
                done[kind] += 1
    done["allocations_freed"] = free_orphaned_allocations()
    reconcile_usage()
    if any(done.values()):
        LOG.info("reconciled: %s", done)
    return done


def _touch(instance: Instance) -> None:
    Instance.objects.filter(uuid=instance.uuid).update(updated_at=timezone.now())


def _resolve(instance: Instance, up: dict, build_deadline, task_deadline) -> str | None:
    task, host = instance.task_state, instance.host
    host_up = bool(host) and up.get(host, False)
    if task == TaskState.SCHEDULING:
        if instance.created_at < build_deadline:
            return _time_out(instance, "Build of instance timed out while waiting for a host")
        _touch(instance)
        transaction.on_commit(lambda: rpc.cast(names.SCHEDULER_QUEUE, "scheduler.select_destinations",
                                               instance_uuids=[str(instance.uuid)]))  # fmt: skip
        return "resent"
    if task == TaskState.SPAWNING:
        if not host_up:
            reschedule_or_fail(instance, f"compute host {host} is down", None)
            return "rescheduled"
        if instance.created_at < build_deadline:
            claims.release(str(instance.uuid))
            Instance.objects.filter(uuid=instance.uuid).update(host=None, node=None)
            return _time_out(instance, f"Build of instance timed out after {settings.BUILD_TIMEOUT} s on {host}")
        _touch(instance)
        payload, attempt_id = instance.payload(), str(instance.attempt_id)
        transaction.on_commit(lambda: rpc.cast(names.compute_queue(host), "compute.build_and_run_instance",
                                               instance=payload, attempt_id=attempt_id))  # fmt: skip
        return "resent"
    if task == TaskState.DELETING:
        if not host_up:
            mark_deleted(instance.uuid)
            return "deleted"
        _touch(instance)
        transaction.on_commit(lambda: rpc.cast(names.compute_queue(host), "compute.terminate_instance",
                                               instance_uuid=str(instance.uuid)))  # fmt: skip
        return "resent"
    if task == TaskState.SOFT_DELETING and not host_up:
        # Nova's local soft delete: the guest is powered off when its host comes back.
        Instance.objects.filter(uuid=instance.uuid).update(vm_state=VmState.SOFT_DELETED, task_state=None)
        return "deleted"
    if task in DEFERRED_DELETE_TASKS and host_up and instance.updated_at >= task_deadline:
        _touch(instance)
        _resend_deferred_delete(instance)
        return "resent"
    if instance.updated_at < task_deadline or not host_up:
        reason = (
            f"{task} did not finish within {settings.TASK_TIMEOUT} s" if host_up else f"compute host {host} is down"
        )
        Instance.objects.filter(uuid=instance.uuid).update(task_state=None)
        add_fault(instance.uuid, f"Task {task} abandoned: {reason}", host=host)
        record_event(instance.uuid, None, _now_event("conductor_reconcile", "Error", reason, host), finish=True)
        return "timed_out"
    return None


def _time_out(instance: Instance, message: str) -> str:
    Instance.objects.filter(uuid=instance.uuid).update(vm_state=VmState.ERROR, task_state=None, attempt_id=None)
    add_fault(instance.uuid, message)
    record_event(instance.uuid, None, _now_event("conductor_reconcile", "Error", message), finish=True)
    return "timed_out"


def free_orphaned_allocations() -> int:
    """Allocations of deleted instances, or on a node the instance is not on (outside a migration)."""
    freed = 0
    candidates = Allocation.objects.select_related("node", "instance").filter(
        Q(instance__deleted_at__isnull=False) | ~Q(instance__node=F("node__hypervisor_hostname"))
    )
    for allocation in candidates:
        if not allocation.instance.deleted and _in_migration_on(allocation.instance_id, allocation.node.host):
            continue
        with transaction.atomic():
            instance = Instance.objects.select_for_update().get(uuid=allocation.instance_id)
            if instance.deleted or instance.node != allocation.node.hypervisor_hostname:
                LOG.warning("freeing orphaned allocation of %s on %s", instance.uuid, allocation.node)
                freed += claims.release(str(instance.uuid), node=allocation.node.hypervisor_hostname)
    return freed


def purge_deleted_instances() -> int:
    """Remove instances deleted more than ``PURGE_DELETED_AFTER_DAYS`` ago, and expired tokens.
    Sent by beat; it takes nothing from a host."""
    cutoff = timezone.now() - timedelta(days=settings.PURGE_DELETED_AFTER_DAYS)
    count, _ = Instance.objects.filter(deleted_at__lt=cutoff).delete()
    tokens.purge_expired()
    return count
