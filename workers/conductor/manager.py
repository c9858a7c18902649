"""What the conductor does with each report from a compute node.

Every message names the host that sent it; a message about an instance that is not on that host
is refused. State changes are compare-and-swap on the expected task_state (and the scheduling
attempt), so a report delivered twice, late or out of order changes nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.compute.actions import add_fault, record_event
from apps.compute.models import Instance
from apps.compute.operations import mark_deleted, migration_hosts
from apps.compute.states import PowerState, TaskState, VmState
from apps.hosts.models import ComputeNode, Service
from apps.identity import tokens
from apps.images.models import Image
from apps.images.store import get_store
from workers import rpc
from workers.observability import metrics
from workers.scheduler import claims
from workers.scheduler.host_state import ResourceRequest, load_host_states
from workers.scheduler.manager import NO_VALID_HOST

LOG = logging.getLogger(__name__)

# Fields a compute node may set through instance_update.
UPDATABLE_FIELDS = {"vm_state", "task_state", "power_state", "launched_at", "terminated_at"}
# The vm_states a host may report on finishing each task (a failure report sets no vm_state).
OUTCOMES = {
    TaskState.SPAWNING: {VmState.ACTIVE},
    TaskState.POWERING_OFF: {VmState.STOPPED},
    TaskState.POWERING_ON: {VmState.ACTIVE},
    TaskState.REBOOTING: {VmState.ACTIVE},
    TaskState.REBOOTING_HARD: {VmState.ACTIVE},
    TaskState.PAUSING: {VmState.PAUSED},
    TaskState.UNPAUSING: {VmState.ACTIVE},
    TaskState.SUSPENDING: {VmState.SUSPENDED},
    TaskState.RESUMING: {VmState.ACTIVE},
    TaskState.REBUILDING: {VmState.ACTIVE, VmState.STOPPED},
    TaskState.DELETING: {VmState.ERROR},
}
COMPUTE_BINARY = "cloudcore-compute"


def _locked_instance(instance_uuid: str, host: str) -> Instance | None:
    """The instance, row-locked, if it exists and is on ``host``; None (and a log line) otherwise."""
    return _on_host(Instance.objects.select_for_update().filter(uuid=instance_uuid).first(), instance_uuid, host)


def _on_host(instance: Instance | None, instance_uuid: str, host: str) -> Instance | None:
    """``instance`` if it exists and is on ``host``; None (and a log line) otherwise."""
    if instance is None:
        LOG.warning("report from %s about unknown instance %s ignored", host, instance_uuid)
        return None
    if instance.host != host:
        LOG.warning("refused report from %s about instance %s, which is on %s", host, instance_uuid, instance.host)
        return None
    return instance


def _destroy_leftover(host: str, instance_uuid: str, request_id: str | None) -> None:
    transaction.on_commit(
        lambda: rpc.cast(
            rpc.compute_queue(host), "compute.terminate_instance", instance_uuid=instance_uuid, request_id=request_id
        )
    )


def _orphaned_build(instance: Instance | None, host: str, attempt_id: str | None) -> bool:
    """A finished build the cloud no longer wants on ``host``: deleted, being deleted, placed
    elsewhere, or from an attempt that was given up (timed out, rescheduled)."""
    if instance is None or instance.deleted or instance.task_state == TaskState.DELETING:
        return True
    return instance.host != host or (attempt_id is not None and str(instance.attempt_id) != attempt_id)


def instance_update(
    host: str,
    instance_uuid: str,
    updates: dict,
    expected_task_state: str | None,
    attempt_id: str | None = None,
    event: dict | None = None,
    fault: str | None = None,
    request_id: str | None = None,
    task_id: str | None = None,
) -> bool:
    """Apply ``updates`` if the instance is still in ``expected_task_state`` (and, when the report
    names one, still running the same operation ``task_id``). True if applied."""
    unknown = set(updates) - UPDATABLE_FIELDS
    if unknown or ("vm_state" in updates and updates["vm_state"] not in OUTCOMES.get(expected_task_state, ())):
        LOG.warning("instance_update from %s tried to set %s; refused", host, updates)
        return False
    built = expected_task_state == TaskState.SPAWNING and updates.get("vm_state") == VmState.ACTIVE
    with transaction.atomic():
        instance = Instance.objects.select_for_update().filter(uuid=instance_uuid).first()
        if built and _orphaned_build(instance, host, attempt_id):
            LOG.info("%s built %s, which is no longer wanted there; destroying it", host, instance_uuid)
            _destroy_leftover(host, instance_uuid, request_id)
            return False
        instance = _on_host(instance, instance_uuid, host)
        if instance is None or instance.deleted:
            return False
        stale_attempt = attempt_id is not None and str(instance.attempt_id) != attempt_id
        stale_task = task_id is not None and str(instance.task_id) != task_id
        if instance.task_state != expected_task_state or stale_attempt or stale_task:
            LOG.info(
                "stale update for %s from %s ignored (task_state %s, expected %s)",
                instance_uuid,
                host,
                instance.task_state,
                expected_task_state,
            )
            return False
        for field, value in updates.items():
            if field in ("launched_at", "terminated_at") and isinstance(value, str):
                value = parse_datetime(value)
            setattr(instance, field, value)
        instance.save(update_fields=[*updates, "updated_at"])
        if built:
            ComputeNode.objects.filter(hypervisor_hostname=instance.node, failed_builds__gt=0).update(
                failed_builds=0, updated_at=timezone.now()
            )
        if fault:
            add_fault(instance_uuid, fault, host=host)
        if event:
            record_event(instance_uuid, request_id, event, finish=updates.get("task_state", "") is None)
    LOG.info("%s reported %s for %s: %s", host, (event or {}).get("event", "an update"), instance_uuid, updates)
    finished = parse_datetime((event or {}).get("finish_time") or "")
    if finished is not None:
        metrics.observe("conductor_update_lag_seconds", max(0.0, (timezone.now() - finished).total_seconds()))
    return True


def build_failed(
    host: str,
    instance_uuid: str,
    attempt_id: str,
    reason: str,
    event: dict | None = None,
    request_id: str | None = None,
) -> None:
    """Free the failed host's claim and retry on an alternate host, or put the instance in ERROR."""
    with transaction.atomic():
        instance = _locked_instance(instance_uuid, host)
        if instance is None or instance.deleted:
            return
        if instance.task_state != TaskState.SPAWNING or str(instance.attempt_id) != attempt_id:
            LOG.info("late build failure for %s from %s ignored", instance_uuid, host)
            return
        if event:
            record_event(instance_uuid, request_id, event)
        ComputeNode.objects.filter(hypervisor_hostname=instance.node).update(
            failed_builds=F("failed_builds") + 1, updated_at=timezone.now()
        )
        reschedule_or_fail(instance, reason, request_id)


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
        attempt_id = claims.claim(
            str(instance.uuid), TaskState.SPAWNING, str(instance.attempt_id), host_state, need, alternates
        )
        if attempt_id is None:
            continue
        now = timezone.now()
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
        instance.refresh_from_db()
        _cast_build(host_state.host, instance.payload(), attempt_id, request_id)
        return host_state.host
    return None


def _cast_build(host: str, payload: dict, attempt_id: str, request_id: str | None) -> None:
    def cast():
        rpc.cast(
            rpc.compute_queue(host),
            "compute.build_and_run_instance",
            instance=payload,
            attempt_id=attempt_id,
            request_id=request_id,
        )

    transaction.on_commit(cast)


def instance_deleted(host: str, instance_uuid: str, event: dict | None = None, request_id: str | None = None) -> None:
    """The host destroyed the instance: mark it deleted and free everything it held.

    During a resize either of its two hosts may report this (each was told to destroy it).
    """
    with transaction.atomic():
        instance = Instance.objects.select_for_update().filter(uuid=instance_uuid).first()
        if instance is None or instance.deleted:
            return
        if instance.task_state != TaskState.DELETING:
            LOG.info("report from %s that %s is gone ignored: it is not being deleted", host, instance_uuid)
            return
        if host != instance.host and host not in migration_hosts(instance):
            LOG.warning("refused report from %s about instance %s, which is on %s", host, instance_uuid, instance.host)
            return
        mark_deleted(instance_uuid)
        if event:
            record_event(instance_uuid, request_id, event, finish=True)


def action_event(host: str, instance_uuid: str, event: dict, request_id: str | None = None) -> None:
    with transaction.atomic():
        if _locked_instance(instance_uuid, host) is not None:
            record_event(instance_uuid, request_id, event)


def service_heartbeat(host: str, binary: str) -> Service:
    """Record that ``binary`` on ``host`` is alive; its first heartbeat registers it."""
    now = timezone.now()
    # updated_at is left alone: it marks changes an operator made (schedulers watch it), not liveness.
    updated = Service.objects.filter(host=host, binary=binary).update(
        last_seen_up=now, report_count=F("report_count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                Service.objects.create(
                    host=host, binary=binary, topic=rpc.compute_queue(host), last_seen_up=now, report_count=1
                )
                LOG.info("registered service %s on %s", binary, host)
        except IntegrityError:
            pass
    return Service.objects.get(host=host, binary=binary)


def node_report(host: str, resources: dict) -> None:
    """Update a node's totals from its hypervisor (never ``*_used``: claims own those)."""
    try:
        service = Service.objects.get(host=host, binary=COMPUTE_BINARY)
    except Service.DoesNotExist:
        service = service_heartbeat(host, COMPUTE_BINARY)
    fields = {
        "service": service,
        "host": host,
        "vcpus": int(resources["vcpus"]),
        "memory_mb": int(resources["memory_mb"]),
        "local_gb": int(resources["local_gb"]),
        "hypervisor_type": str(resources.get("hypervisor_type", "")),
        "hypervisor_version": int(resources.get("hypervisor_version", 0)),
        "running_vms": int(resources.get("running_vms", 0)),
        "cpu_arch": str(resources.get("cpu_arch", ""))[:32],
    }
    for ratio in ("cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio"):
        if ratio in resources:
            fields[ratio] = float(resources[ratio])
    node_name = str(resources.get("hypervisor_hostname") or host)
    owner = ComputeNode.objects.filter(hypervisor_hostname=node_name).values_list("host", flat=True).first()
    if owner is not None and owner != host:
        LOG.warning("refused node report from %s for node %s, which belongs to %s", host, node_name, owner)
        return
    current = ComputeNode.objects.filter(hypervisor_hostname=node_name).values(*fields.keys() - {"service"}).first()
    if current is not None and all(current[k] == v for k, v in fields.items() if k != "service"):
        return  # nothing changed: leave updated_at alone, so schedulers have nothing to re-read
    try:
        with transaction.atomic():
            ComputeNode.objects.update_or_create(hypervisor_hostname=node_name, defaults=fields)
    except IntegrityError:
        ComputeNode.objects.filter(hypervisor_hostname=node_name).update(**fields, updated_at=timezone.now())


def purge_deleted_instances() -> int:
    """Remove instances deleted more than ``PURGE_DELETED_AFTER_DAYS`` ago, and expired tokens."""
    cutoff = timezone.now() - timedelta(days=settings.PURGE_DELETED_AFTER_DAYS)
    count, _ = Instance.objects.filter(deleted_at__lt=cutoff).delete()
    tokens.purge_expired()
    return count


def snapshot_done(
    host: str,
    instance_uuid: str,
    image_id: str,
    image_file: dict | None,
    event: dict | None = None,
    error: str | None = None,
    request_id: str | None = None,
) -> None:
    """The host wrote (or failed to write) a snapshot: activate the image and free the instance."""
    with transaction.atomic():
        instance = _locked_instance(instance_uuid, host)
        if instance is None:
            return
        image = Image.objects.select_for_update().filter(id=image_id, status__in=["queued", "saving"]).first()
        if image is None and image_file:
            # The image was deleted while the host wrote it: drop the data nobody will read.
            path = image_file["path"]
            transaction.on_commit(lambda: get_store().delete(path))
        if image is not None:
            if error:
                image.delete()
            else:
                image.status = Image.Status.ACTIVE
                image.file_path = image_file["path"]
                for field in ("size", "checksum", "os_hash_algo", "os_hash_value"):
                    setattr(image, field, image_file[field])
                if image_file.get("disk_format") in ("raw", "qcow2"):
                    image.disk_format = image_file["disk_format"]
                image.save()
        moved = Instance.objects.filter(uuid=instance_uuid, task_state=TaskState.IMAGE_SNAPSHOT).update(task_state=None)
        if moved:
            if error:
                add_fault(instance_uuid, f"Snapshot failed: {error}", host=host)
            if event:
                record_event(instance_uuid, request_id, event, finish=True)
