"""The scheduling pipeline: filter, weigh, claim, and hand the instance to its host."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.compute.actions import add_fault, record_event
from apps.compute.models import Instance, Migration
from apps.compute.states import TaskState, VmState
from workers import rpc
from workers.scheduler import claims
from workers.scheduler.filters import FILTERS
from workers.scheduler.host_state import HostState, ResourceRequest, load_host_states
from workers.scheduler.weighers import WEIGHERS, weigh_hosts

LOG = logging.getLogger(__name__)

NO_VALID_HOST = "No valid host was found."


def run_filters(hosts: list[HostState], need: ResourceRequest) -> tuple[list[HostState], list[str]]:
    """The hosts that pass every enabled filter, and one line per filter saying what it removed."""
    report = []
    for name in settings.SCHEDULER_ENABLED_FILTERS:
        host_filter = FILTERS[name]()
        passed, rejected = [], []
        for host in hosts:
            (passed if host_filter.host_passes(host, need) else rejected).append(host)
        line = f"{name}: {len(hosts)} -> {len(passed)}"
        if rejected:
            why = host_filter.describe_rejection(rejected, need)
            line += f" ({why})" if why else ""
        report.append(line)
        hosts = passed
        if not hosts:
            break
    return hosts, report


def _alternates(ranked: list[HostState], chosen: HostState) -> list[dict]:
    others = [h for h in ranked if h.node != chosen.node][: settings.SCHEDULER_ALTERNATES]
    return [{"host": h.host, "node": h.node} for h in others]


def place(instance: Instance, hosts: list[HostState], request_id: str | None) -> HostState | None:
    """Find and claim a host for one instance, or record why there is none. Returns the host."""
    started = timezone.now()
    need = ResourceRequest.from_flavor(instance.flavor)
    candidates, report = run_filters(hosts, need)
    ranked = weigh_hosts(candidates, [WEIGHERS[name]() for name in settings.SCHEDULER_WEIGHERS])
    for host in ranked:
        attempt_id = claims.claim(str(instance.uuid), TaskState.SCHEDULING, None, host, need, _alternates(ranked, host))
        if attempt_id is None:
            if not Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.SCHEDULING).exists():
                LOG.info("instance %s left scheduling while being placed; skipping", instance.uuid)
                return None
            LOG.info("lost the claim race for %s on %s; trying the next host", instance.uuid, host.node)
            continue
        host.consume(need)
        with transaction.atomic():
            record_event(
                instance.uuid,
                request_id,
                {
                    "event": "schedule_instances",
                    "start_time": started,
                    "finish_time": timezone.now(),
                    "result": "Success",
                    "details": f"placed on {host.node}; " + "; ".join(report),
                },
            )
        instance.refresh_from_db()
        try:
            rpc.cast(
                rpc.compute_queue(host.host),
                "compute.build_and_run_instance",
                instance=instance.payload(),
                attempt_id=attempt_id,
                request_id=request_id,
            )
        except Exception as exc:
            _undo_claim(instance.uuid, attempt_id, request_id, f"Could not reach compute host {host.host}: {exc}")
            raise
        return host
    details = "; ".join(report) if ranked == [] else "every host that passed the filters was claimed by others"
    fail_scheduling(
        instance.uuid, request_id, f"{NO_VALID_HOST} There are not enough hosts available.", details, started
    )
    return None


def _undo_claim(instance_uuid, attempt_id: str, request_id, message: str) -> None:
    """The build could not be sent: give the claim back and put the instance in ERROR."""
    with transaction.atomic():
        if Instance.objects.filter(uuid=instance_uuid, attempt_id=attempt_id, task_state=TaskState.SPAWNING).update(
            vm_state=VmState.ERROR, task_state=None, host=None, node=None, attempt_id=None
        ):
            claims.release(str(instance_uuid))
            add_fault(instance_uuid, message)
            now = timezone.now()
            record_event(
                instance_uuid,
                request_id,
                {
                    "event": "schedule_instances",
                    "start_time": now,
                    "finish_time": now,
                    "result": "Error",
                    "details": message,
                },
                finish=True,
            )


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
            {
                "event": "schedule_instances",
                "start_time": started,
                "finish_time": timezone.now(),
                "result": "Error",
                "details": f"{message} {details}",
            },
            finish=True,
        )
    LOG.info("no valid host for %s: %s", instance_uuid, details)
    return True


def select_destinations(instance_uuids: list[str], request_id: str | None = None) -> None:
    """Place every instance of one request; each placement updates the host view for the next."""
    instances = list(
        Instance.objects.select_related("image").filter(
            uuid__in=instance_uuids, task_state=TaskState.SCHEDULING, deleted_at__isnull=True
        )
    )
    if not instances:
        return
    hosts = load_host_states()
    for instance in sorted(instances, key=lambda i: i.created_at):
        try:
            place(instance, hosts, request_id)
        except Exception as exc:
            # One instance's failure must not strand the rest of the request.
            LOG.exception("scheduling %s failed", instance.uuid)
            fail_scheduling(instance.uuid, request_id, f"Scheduling failed: {exc}", "", timezone.now())


def select_migration_destination(migration_id: int, request_id: str | None = None) -> None:
    """Pick and claim a destination other than the source for a resize or cold migration."""
    started = timezone.now()
    migration = Migration.objects.select_related("instance", "instance__image").filter(pk=migration_id).first()
    if migration is None or migration.status != Migration.Status.PRE_MIGRATING:
        return
    instance = migration.instance
    need = ResourceRequest.from_flavor(migration.new_flavor)
    hosts = [h for h in load_host_states() if h.host != migration.source_compute]
    candidates, report = run_filters(hosts, need)
    ranked = weigh_hosts(candidates, [WEIGHERS[name]() for name in settings.SCHEDULER_WEIGHERS])
    for host in ranked:
        if not claims.claim_for_migration(migration.id, str(instance.uuid), host, need):
            if not Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESIZE_PREP).exists():
                return
            continue
        migration.refresh_from_db()
        with transaction.atomic():
            record_event(
                instance.uuid,
                request_id,
                {"event": "schedule_instances", "start_time": started, "finish_time": timezone.now(),
                 "result": "Success", "details": f"destination {host.node}; " + "; ".join(report)},
            )  # fmt: skip
        rpc.cast(
            rpc.compute_queue(migration.source_compute),
            "compute.resize_instance",
            instance=instance.payload(),
            migration=migration.payload(),
            request_id=request_id,
        )
        return
    message = f"{NO_VALID_HOST} There are not enough hosts available."
    details = "; ".join(report) if not ranked else "every host that passed the filters was claimed by others"
    with transaction.atomic():
        moved = Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESIZE_PREP).update(task_state=None)
        Migration.objects.filter(pk=migration.id).update(status=Migration.Status.ERROR)
        if moved:
            add_fault(instance.uuid, message, details=details, code=400)
            record_event(
                instance.uuid,
                request_id,
                {"event": "schedule_instances", "start_time": started, "finish_time": timezone.now(),
                 "result": "Error", "details": f"{message} {details}"},
                finish=True,
            )  # fmt: skip
