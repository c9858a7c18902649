"""Placing instances: decide, claim in the database, and hand each instance to its host."""

import dataclasses
import logging
import time

from django.db import transaction
from django.utils import timezone

from apps.compute.audit import add_fault, record_event
from apps.compute.models import Instance, Migration
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from core import capabilities as caps
from core import names, rpc
from core.observability import metrics
from workers.scheduler import request_spec
from workers.scheduler.host_state import HostState, host_table
from workers.scheduler.host_state import cache as host_state_cache
from workers.scheduler.host_table import HostTable
from workers.scheduler.pipeline import Decision, alternates, decide

LOG = logging.getLogger(__name__)

NO_VALID_HOST = "No valid host was found."


def _event(name: str, started, result: str, details: str) -> dict:
    return {"event": name, "start_time": started, "finish_time": timezone.now(), "result": result, "details": details}


def no_valid_host_message(decision: Decision) -> str:
    return f"{NO_VALID_HOST} {decision.why_not()}"[:255]


def place(instance: Instance, hosts: HostTable, request_id: str | None, group_cache: dict) -> HostState | None:
    """Find and claim a host for one instance, or record why there is none. Returns the host."""
    started = timezone.now()
    spec = request_spec.build(instance, group_cache=group_cache)
    decision = decide(hosts, spec)
    strict_group = spec.group_policy in ("affinity", "anti-affinity")
    report = "; ".join(decision.report)
    for host in decision.ranked:
        details = f"placed on {host.node}; {report}"
        try:
            with transaction.atomic():  # the claim and its action event: one commit
                attempt_id = claims.claim_build(
                    str(instance.uuid),
                    destination=host.destination,
                    need=spec.need,
                    expected_task_state=TaskState.SCHEDULING,
                    expected_attempt_id=None,
                    alternates=alternates(decision, host, spec),
                    check_group=strict_group,
                )
                record_event(instance.uuid, request_id, _event("schedule_instances", started, "Success", details))
        except claims.ClaimFailed:
            if not Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.SCHEDULING).exists():
                LOG.info("instance %s left scheduling while being placed; skipping", instance.uuid)
                return None
            LOG.info("lost the claim race for %s on %s; trying the next host", instance.uuid, host.node)
            host_state_cache().reread(host)
            continue
        host.consume(spec.need)
        spec.placed(host.host)
        # What the claim wrote, without reading the row back (the build's payload needs none of it).
        instance.host, instance.node, instance.task_state = host.host, host.node, TaskState.SPAWNING
        instance.attempt_id = attempt_id
        try:
            rpc.cast(
                names.compute_queue(host.host),
                "compute.build_and_run_instance",
                instance=instance.payload(),
                attempt_id=attempt_id,
                request_id=request_id,
            )
        except Exception as exc:
            # The claim holds and the instance waits in spawning: the reconciler resends the build
            # (RESEND_AFTER), and a build that never starts times out into ERROR with a fault.
            LOG.warning("could not send the build of %s to %s (%s); the reconciler will resend it",
                        instance.uuid, host.host, exc)  # fmt: skip
        return host
    if decision.ranked:
        message, details = f"{NO_VALID_HOST} Every host that passed the filters was claimed by others.", ""
    else:
        message, details = no_valid_host_message(decision), "; ".join(decision.report)
    fail_scheduling(instance.uuid, request_id, message, details, started)
    return None


def fail_scheduling(instance_uuid, request_id, message: str, details: str, started) -> bool:
    """Put an instance still waiting for a host into ERROR with a fault. False if it moved on."""
    with transaction.atomic():
        moved = Instance.objects.filter(
            uuid=instance_uuid, task_state=TaskState.SCHEDULING, deleted_at__isnull=True
        ).update(vm_state=VmState.ERROR, task_state=None, attempt_id=None)
        if not moved:
            return False
        add_fault(instance_uuid, message, details=details)
        record_event(
            instance_uuid,
            request_id,
            _event("schedule_instances", started, "Error", f"{message} {details}"),
            finish=True,
        )
    metrics.inc("scheduler_no_valid_host_total")
    LOG.info("no valid host for %s: %s", instance_uuid, details or message)
    return True


def _enough_room(instances: list[Instance], hosts: list[HostState], min_count: int) -> tuple[bool, Decision | None]:
    """Whether at least ``min_count`` of the instances fit, trying placements on copies of the hosts."""
    trial = [dataclasses.replace(h, _table=None, _index=-1) for h in hosts]
    group_cache: dict = {}
    placed = 0
    last = None
    for instance in instances:
        spec = request_spec.build(instance, group_cache=group_cache)
        last = decide(trial, spec)
        if not last.ranked:
            break
        last.ranked[0].consume(spec.need)
        spec.placed(last.ranked[0].host)
        placed += 1
        if placed >= min_count:
            return True, None
    return placed >= min_count, last


def select_destinations(instance_uuids: list[str], request_id: str | None = None) -> None:
    """Place every instance of one request; each placement updates the host view for the next.

    With ``min_count`` (kept in the request spec), either at least that many are placed or none.
    """
    instances = list(
        Instance.objects.select_related("image")
        .prefetch_related("server_groups")
        .filter(uuid__in=instance_uuids, task_state=TaskState.SCHEDULING, deleted_at__isnull=True)
        .order_by("created_at", "name")
    )
    if not instances:
        return
    started_at = time.perf_counter()
    hosts = host_table()
    min_count = max(int(i.request_spec.get("min_count", 1)) for i in instances)
    if min_count > 1:
        enough, decision = _enough_room(instances, hosts.states, min_count)
        if not enough:
            message = no_valid_host_message(decision) if decision else NO_VALID_HOST
            details = f"fewer than min_count={min_count} servers fit; " + "; ".join(decision.report if decision else [])
            for instance in instances:
                fail_scheduling(instance.uuid, request_id, message, details, timezone.now())
            return
    group_cache: dict = {}
    for instance in instances:
        try:
            place(instance, hosts, request_id, group_cache)
        except Exception as exc:
            # One instance's failure must not strand the rest of the request.
            LOG.exception("scheduling %s failed", instance.uuid)
            fail_scheduling(instance.uuid, request_id, f"Scheduling failed: {exc}", "", timezone.now())
    elapsed = time.perf_counter() - started_at
    metrics.observe("scheduler_decision_seconds", elapsed / len(instances))
    LOG.info("placed %d instance(s) in %.1f ms", len(instances), elapsed * 1000)


def select_migration_destination(migration_id: int, request_id: str | None = None) -> None:
    """Pick and claim a destination other than the source for a resize or cold migration."""
    started = timezone.now()
    migration = Migration.objects.select_related("instance", "instance__image").filter(pk=migration_id).first()
    if migration is None or migration.status != Migration.Status.PRE_MIGRATING:
        return
    instance = migration.instance
    spec = request_spec.build(instance, flavor=migration.new_flavor)
    spec.ignore_hosts = frozenset({migration.source_compute})
    spec.capabilities = frozenset({caps.MIGRATION})  # the API checked the source's; this is the destination's
    # Only the host the migration asked for (2.56, ``move.resize``), if any; a build's forced host is not one.
    spec.force_host, spec.force_node = (instance.request_spec or {}).get("requested_destination"), None
    decision = decide(host_table(), spec)
    for host in decision.ranked:
        try:
            with transaction.atomic():
                claims.claim_migration(migration.id, str(instance.uuid), destination=host.destination, need=spec.need)
        except claims.ClaimFailed:
            if not Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESIZE_PREP).exists():
                return
            continue
        host.consume(spec.need)
        migration.refresh_from_db()
        with transaction.atomic():
            details = f"destination {host.node}; " + "; ".join(decision.report)
            record_event(instance.uuid, request_id, _event("schedule_instances", started, "Success", details))
        try:
            rpc.cast(
                names.compute_queue(migration.source_compute),
                "compute.resize_instance",
                instance=instance.payload(),
                migration=migration.payload(),
                request_id=request_id,
            )
        except Exception:
            with transaction.atomic():  # give the destination back; the server stays where it is
                if Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESIZE_MIGRATING).update(
                    task_state=None
                ):
                    claims.release(str(instance.uuid), node=host.node)
                    Migration.objects.filter(pk=migration.id).update(status=Migration.Status.ERROR)
            raise
        return
    message = no_valid_host_message(decision) if not decision.ranked else f"{NO_VALID_HOST} All hosts were taken."
    details = "; ".join(decision.report)
    with transaction.atomic():
        moved = Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESIZE_PREP).update(task_state=None)
        Migration.objects.filter(pk=migration.id).update(status=Migration.Status.ERROR)
        if moved:
            add_fault(instance.uuid, message, details=details, code=400)
            record_event(
                instance.uuid,
                request_id,
                _event("schedule_instances", started, "Error", f"{message} {details}"),
                finish=True,
            )
