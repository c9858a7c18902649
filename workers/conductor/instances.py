"""What the conductor does with a host's report on an instance operation: a build finished or
failed (and the reschedule to an alternate host), any other operation finished or failed, the
instance destroyed.

Each task's docstring says, field by field, what it verifies of the host's report and what it
ignores; a refused report is rolled back, logged and counted (``workers.conductor.trust``). State
changes are compare-and-swap on the expected task_state and the operation in flight (the build
attempt, the task id), so a report delivered twice, late or out of order changes nothing.
"""

import logging
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.compute.audit import add_fault, record_event
from apps.compute.models import Instance
from apps.compute.servers.delete import mark_deleted
from apps.compute.servers.lookup import migration_hosts
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from apps.hosts.claims import ResourceRequest
from apps.hosts.models import ComputeNode
from core import names, rpc
from core.observability import metrics
from core.power_state import PowerState
from workers.conductor import trust
from workers.conductor.trust import Reason, Refused
from workers.scheduler.host_state import load_host_states
from workers.scheduler.manager import NO_VALID_HOST

LOG = logging.getLogger(__name__)


class Operation(NamedTuple):
    """What a host may report on finishing one operation: the action event it records and the
    vm_states it may set on success and on failure (None: no failure report through
    ``instance_update``; an empty set: a failure leaves the vm_state as it was)."""

    event: str
    success: frozenset
    failure: frozenset | None = frozenset()


# Keyed by the task_state the operation runs under. A build's failure goes through build_failed.
OPERATIONS = {
    # STOPPED only for a build asked to leave the server stopped (``leave_stopped``: an evacuation).
    TaskState.SPAWNING: Operation("compute_build_and_run_instance", frozenset({VmState.ACTIVE, VmState.STOPPED}), None),
    TaskState.POWERING_OFF: Operation("compute_stop_instance", frozenset({VmState.STOPPED})),
    TaskState.POWERING_ON: Operation("compute_start_instance", frozenset({VmState.ACTIVE})),
    TaskState.REBOOTING: Operation("compute_reboot_instance", frozenset({VmState.ACTIVE})),
    TaskState.REBOOTING_HARD: Operation("compute_reboot_instance", frozenset({VmState.ACTIVE})),
    TaskState.PAUSING: Operation("compute_pause_instance", frozenset({VmState.PAUSED})),
    TaskState.UNPAUSING: Operation("compute_unpause_instance", frozenset({VmState.ACTIVE})),
    TaskState.SUSPENDING: Operation("compute_suspend_instance", frozenset({VmState.SUSPENDED})),
    TaskState.RESUMING: Operation("compute_resume_instance", frozenset({VmState.ACTIVE})),
    TaskState.REBUILDING: Operation(
        "compute_rebuild_instance", frozenset({VmState.ACTIVE, VmState.STOPPED}), frozenset({VmState.ERROR})
    ),
    TaskState.DELETING: Operation("compute_terminate_instance", frozenset(), frozenset({VmState.ERROR})),
    TaskState.SOFT_DELETING: Operation("compute_soft_delete_instance", frozenset({VmState.SOFT_DELETED})),
    TaskState.RESTORING: Operation("compute_restore_instance", frozenset({VmState.ACTIVE})),
}
# The fields of instance_update's ``updates`` a host may send; launched_at is accepted and ignored.
UPDATE_FIELDS = frozenset({"vm_state", "task_state", "power_state", "launched_at"})


def _destroy_leftover(host: str, instance_uuid: str, request_id: str | None) -> None:
    transaction.on_commit(
        lambda: rpc.cast(
            names.compute_queue(host), "compute.terminate_instance", instance_uuid=instance_uuid, request_id=request_id
        )
    )


def _orphaned_build(instance: Instance | None, host: str, attempt_id: str | None) -> bool:
    """A finished build the cloud no longer wants on ``host``: deleted, being deleted, placed
    elsewhere, or from an attempt that was given up (timed out, rescheduled)."""
    if instance is None or instance.deleted or instance.task_state == TaskState.DELETING:
        return True
    return instance.host != host or str(instance.attempt_id) != str(attempt_id)


def _check_updates(updates, expected_task_state, failed: bool) -> dict:
    """The instance's columns a host's ``updates`` may change for the operation; ``Refused`` for
    anything outside them."""
    operation = OPERATIONS.get(expected_task_state) if isinstance(expected_task_state, str) else None
    if operation is None:
        raise Refused(Reason.BAD_FIELD, f"a host does not finish {str(expected_task_state)[:40]!r}")
    if not isinstance(updates, dict) or set(updates) - UPDATE_FIELDS:
        raise Refused(Reason.BAD_FIELD, f"updates may set only {sorted(UPDATE_FIELDS)}")
    if updates.get("task_state") is not None:
        raise Refused(Reason.BAD_FIELD, "a host may only clear the task_state")
    vm_state = updates.get("vm_state")
    allowed = operation.failure if failed else operation.success
    if allowed is None:
        raise Refused(Reason.BAD_FIELD, f"a failed {expected_task_state} is reported otherwise")
    if vm_state not in allowed and (vm_state is not None or not failed):
        raise Refused(Reason.BAD_FIELD, f"{expected_task_state} may not end in vm_state {str(vm_state)[:40]!r}")
    changes = {"task_state": None}
    if vm_state is not None:
        changes["vm_state"] = vm_state
    if "power_state" in updates:
        changes["power_state"] = trust.power_state(updates["power_state"])
    if expected_task_state == TaskState.SPAWNING:
        changes["launched_at"] = timezone.now()
    if expected_task_state == TaskState.RESTORING and not failed:
        changes["soft_deleted_at"] = None
        changes["terminated_at"] = None
    return changes


@trust.host_report("instance_update", refused=False)
def instance_update(
    host: str,
    instance_uuid: str,
    updates: dict,
    expected_task_state: str,
    attempt_id: str | None = None,
    event: dict | None = None,
    fault: str | None = None,
    request_id: str | None = None,
    task_id: str | None = None,
) -> bool:
    """A host finished an operation (or failed one, with a ``fault``). True if applied.

    What the host sends, and what the conductor makes of it:
    - ``host``: must be the instance's host.
    - ``instance_uuid``: must name an instance that is not deleted.
    - ``expected_task_state``: must be an operation a host finishes (``OPERATIONS``) and the
      instance's task_state now.
    - ``attempt_id`` (builds) and ``task_id`` (every other operation but a delete): must be the
      operation in flight, so a duplicate or late report cannot complete a later operation.
    - ``updates``: ``vm_state`` only from the operation's outcomes, ``power_state`` only a known
      power state, ``task_state`` only cleared; ``launched_at`` is ignored (the conductor's clock
      sets it); any other key refuses the report. Nothing else of the instance can change (not its
      host, node, flavor or owner).
    - ``fault``: bounded text; its presence makes the report a failure.
    - ``event``: only its times, details and traceback are kept, bounded (``trust.event``).
    - ``request_id``: kept only if it is the request id of one of this instance's actions, which
      then records the event (and the destroy a host is told to do carries it); otherwise ignored,
      and the instance's latest action records the event (``trust.request_id``).
    A build report for an instance that is no longer wanted on the host (deleted, placed elsewhere,
    an abandoned attempt) changes nothing and has the host destroy its guest.
    """
    failed = fault is not None
    changes = _check_updates(updates, expected_task_state, failed)
    instance_uuid = trust.uuid_text(instance_uuid, "instance_uuid")
    instance = Instance.objects.select_for_update().filter(uuid=instance_uuid).first()
    if expected_task_state == TaskState.SPAWNING and _orphaned_build(instance, host, attempt_id):
        LOG.info("%s built %s, which is no longer wanted there; destroying it", host, instance_uuid)
        _destroy_leftover(host, instance_uuid, trust.request_id(instance_uuid, request_id))
        return False
    instance = trust.check_on_host(instance, instance_uuid, host)
    trust.check_in_flight(instance, expected_task_state, attempt_id, task_id)
    if (expected_task_state == TaskState.SPAWNING and changes.get("vm_state") == VmState.STOPPED
            and not (instance.request_spec or {}).get("leave_stopped")):  # fmt: skip
        raise Refused(Reason.BAD_FIELD, "this build was not asked to leave the server stopped")
    Instance.objects.filter(uuid=instance_uuid).update(**changes, updated_at=timezone.now())
    if changes.get("vm_state") in (VmState.ACTIVE, VmState.STOPPED) and expected_task_state == TaskState.SPAWNING:
        ComputeNode.objects.filter(hypervisor_hostname=instance.node, failed_builds__gt=0).update(
            failed_builds=0, updated_at=timezone.now()
        )
    if failed:
        add_fault(instance_uuid, trust.text(fault), host=host)
    recorded = trust.event(host, event, OPERATIONS[expected_task_state].event, failed)
    record_event(instance_uuid, trust.request_id_text(request_id), recorded, finish=True)
    LOG.info("%s reported %s of %s done: %s", host, expected_task_state, instance_uuid, changes)
    if event:
        lag = (timezone.now() - recorded["finish_time"]).total_seconds()
        metrics.observe("conductor_update_lag_seconds", max(0.0, lag))
    return True


@trust.host_report("build_failed")
def build_failed(
    host: str,
    instance_uuid: str,
    attempt_id: str,
    fault: str,
    event: dict | None = None,
    request_id: str | None = None,
) -> None:
    """Free the failed host's claim and retry on an alternate host, or put the instance in ERROR.

    - ``host``, ``instance_uuid``: the instance must exist, not deleted, on ``host``.
    - ``attempt_id``: must be the build attempt in flight (the instance still ``spawning``).
    - ``fault``: why it failed, bounded text (the fault's details, the reschedule's event).
    - ``event``: as in ``instance_update``, recorded under ``compute_build_and_run_instance``.
    - ``request_id``: as in ``instance_update``; a verified one also rides on the build cast to
      the alternate host.
    Which alternate is tried next comes from the scheduler's decision, never from the report.
    """
    instance = trust.instance_on_host(host, instance_uuid)
    trust.check_in_flight(instance, TaskState.SPAWNING, attempt_id=attempt_id)
    request_id = trust.request_id(instance.uuid, request_id)
    record_event(instance.uuid, request_id, trust.event(host, event, "compute_build_and_run_instance", True))
    ComputeNode.objects.filter(hypervisor_hostname=instance.node).update(
        failed_builds=F("failed_builds") + 1, updated_at=timezone.now()
    )
    reschedule_or_fail(instance, trust.text(fault), request_id)


def reschedule_or_fail(instance: Instance, reason: str, request_id: str | None) -> str | None:
    """A build on ``instance.host`` will not finish: free that claim, then try the next alternate
    host or end in ERROR with a fault. Call inside a transaction holding the instance's row lock.
    Returns the new host, if any."""
    host, instance_uuid = instance.host, str(instance.uuid)
    claims.release(instance_uuid, node=instance.node)
    new_host = _reschedule(instance, reason, request_id)
    if new_host is None:
        message = (
            f"{NO_VALID_HOST} Exhausted all hosts available for retrying build failures for instance {instance_uuid}."
        )
        Instance.objects.filter(uuid=instance_uuid).update(
            vm_state=VmState.ERROR,
            task_state=None,
            attempt_id=None,
            host=None,
            node=None,
            power_state=PowerState.NOSTATE,
        )
        add_fault(instance_uuid, message, details=f"last failure on {host}: {reason}", host=host)
        now = timezone.now()
        record_event(
            instance_uuid,
            request_id,
            {"event": "conductor_reschedule", "start_time": now, "finish_time": now, "result": "Error",
             "details": f"{message} Last failure on {host}: {reason}"},
            finish=True,
        )  # fmt: skip
    return new_host


def _reschedule(instance: Instance, reason: str, request_id: str | None) -> str | None:
    """Claim the next alternate host from the original decision and cast the build there."""
    if instance.attempts >= settings.SCHEDULER_MAX_ATTEMPTS:
        return None
    need = ResourceRequest.from_flavor(instance.flavor)
    alternates = list(instance.alternate_hosts)
    states = {h.node: h for h in load_host_states(nodes=[a["node"] for a in alternates])}
    while alternates:
        choice = alternates.pop(0)
        host_state = states.get(choice["node"])
        if host_state is None or not (host_state.enabled and host_state.up()):
            continue
        now = timezone.now()
        try:
            with transaction.atomic():
                attempt_id = claims.claim_build(
                    str(instance.uuid),
                    destination=host_state.destination,
                    need=need,
                    expected_task_state=TaskState.SPAWNING,
                    expected_attempt_id=str(instance.attempt_id),
                    alternates=alternates,
                )
                record_event(
                    instance.uuid,
                    request_id,
                    {
                        "event": "conductor_reschedule",
                        "start_time": now,
                        "finish_time": now,
                        "result": "Success",
                        "details": f"build failed on {instance.host} ({reason}); rescheduled to {host_state.node}",
                    },
                )
        except claims.ClaimFailed:
            continue
        instance.refresh_from_db()
        _cast_build(host_state.host, instance.payload(), attempt_id, request_id)
        return host_state.host
    return None


def _cast_build(host: str, payload: dict, attempt_id: str, request_id: str | None) -> None:
    def cast():
        rpc.cast(
            names.compute_queue(host),
            "compute.build_and_run_instance",
            instance=payload,
            attempt_id=attempt_id,
            request_id=request_id,
        )

    transaction.on_commit(cast)


@trust.host_report("instance_deleted")
def instance_deleted(host: str, instance_uuid: str, event: dict | None = None, request_id: str | None = None) -> None:
    """The host destroyed the instance: mark it deleted and free everything it held.

    - ``instance_uuid``: must be an instance that is not deleted and is being deleted (``deleting``).
    - ``host``: its host or, during a resize, either of its two hosts (each was told to destroy it).
    - ``event``: as in ``instance_update``, recorded under ``compute_terminate_instance``.
    - ``request_id``: as in ``instance_update``.
    """
    instance_uuid = trust.uuid_text(instance_uuid, "instance_uuid")
    instance = Instance.objects.select_for_update().filter(uuid=instance_uuid).first()
    if instance is None or instance.deleted:
        raise Refused(Reason.UNKNOWN_INSTANCE, f"no instance {instance_uuid}")
    if host != instance.host and host not in migration_hosts(instance):
        raise Refused(Reason.WRONG_HOST, f"instance {instance_uuid} is on {instance.host}")
    if instance.task_state != TaskState.DELETING:
        raise Refused(Reason.NOT_IN_FLIGHT, f"instance {instance_uuid} is not being deleted")
    request_id = trust.request_id_text(request_id)
    mark_deleted(instance_uuid)
    record_event(instance_uuid, request_id, trust.event(host, event, "compute_terminate_instance", False), finish=True)
