"""Claims: taking a node's resources for an instance, atomically, and giving them back.

A claim is one transaction: a compare-and-swap on the instance (it must still be waiting for
this scheduling attempt), a conditional UPDATE on the node that only succeeds while the node has
room, and an Allocation row. Two schedulers racing for the last slot cannot both win: the
database evaluates the node's condition under its row lock. ``*_used`` changes only here.
"""

import uuid
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.db.models import ExpressionWrapper, F, FloatField
from django.utils import timezone

from apps.compute.models import Instance, Migration, ServerGroup
from apps.hosts.models import Allocation, ComputeNode
from workers.scheduler.host_state import HostState, ResourceRequest


class _LostRace(Exception):
    pass


def _room_left(total: str, ratio: str, need: int) -> ExpressionWrapper:
    """``total * ratio - need``: the most ``*_used`` may be before the claim for it to fit."""
    return ExpressionWrapper(F(total) * F(ratio) - need, output_field=FloatField())


def _group_allows(instance_uuid: str, host: str) -> bool:
    """Re-check a hard affinity or anti-affinity group under its row lock, so two schedulers placing
    members at once cannot both break the policy (the second waits and sees the first's host)."""
    group = (
        ServerGroup.objects.select_for_update(of=("self",))
        .filter(members__uuid=instance_uuid, policy__in=["affinity", "anti-affinity"])
        .first()
    )
    if group is None:
        return True
    hosts = Counter(
        Instance.objects.filter(server_groups=group, deleted_at__isnull=True, host__isnull=False)
        .exclude(uuid=instance_uuid)
        .values_list("host", flat=True)
    )
    if group.policy == "affinity":
        return not hosts or host in hosts
    return hosts[host] < group.rules.get("max_server_per_host", 1)


def _take(host_state: HostState, need: ResourceRequest, instance_uuid: str) -> None:
    """Add ``need`` to the node's usage if it still fits, and record the allocation; else _LostRace."""
    fits = ComputeNode.objects.filter(
        pk=host_state.node_id,
        vcpus_used__lte=_room_left("vcpus", "cpu_allocation_ratio", need.vcpus),
        memory_mb_used__lte=_room_left("memory_mb", "ram_allocation_ratio", need.memory_mb),
        local_gb_used__lte=_room_left("local_gb", "disk_allocation_ratio", need.disk_gb),
    ).update(
        vcpus_used=F("vcpus_used") + need.vcpus,
        memory_mb_used=F("memory_mb_used") + need.memory_mb,
        local_gb_used=F("local_gb_used") + need.disk_gb,
        updated_at=timezone.now(),
    )
    if not fits:
        raise _LostRace
    Allocation.objects.create(
        instance_id=instance_uuid,
        node_id=host_state.node_id,
        vcpus=need.vcpus,
        memory_mb=need.memory_mb,
        disk_gb=need.disk_gb,
    )


def claim(
    instance_uuid: str,
    expected_task_state: str,
    expected_attempt_id: str | None,
    host_state: HostState,
    need: ResourceRequest,
    alternates: list[dict],
    in_strict_group: bool = True,
    then: Callable[[], None] | None = None,
) -> str | None:
    """Claim ``need`` on ``host_state``'s node for a build and point the instance at it.

    Returns the new attempt id, or None when the node had no room or the instance moved on
    (deleted, or already placed by another attempt). Nothing is written in that case.
    ``in_strict_group=False`` (the caller knows the instance is in no affinity or anti-affinity
    group) skips the group re-check; ``then`` writes more in the same transaction once the claim
    holds (the scheduler's action event: one commit per placement, not two).
    """
    attempt_id = uuid.uuid4()
    try:
        with transaction.atomic():
            placed = Instance.objects.filter(
                uuid=instance_uuid,
                deleted_at__isnull=True,
                task_state=expected_task_state,
                attempt_id=expected_attempt_id,
            ).update(
                host=host_state.host,
                node=host_state.node,
                task_state="spawning",
                attempt_id=attempt_id,
                attempts=F("attempts") + 1,
                alternate_hosts=alternates,
            )
            if not placed or (in_strict_group and not _group_allows(instance_uuid, host_state.host)):
                raise _LostRace
            _take(host_state, need, instance_uuid)
            if then is not None:
                then()
    except _LostRace:
        return None
    return str(attempt_id)


def claim_for_migration(migration_id: int, instance_uuid: str, host_state: HostState, need: ResourceRequest) -> bool:
    """Claim the new flavor on the destination of a resize or migration; the source keeps its claim."""
    try:
        with transaction.atomic():
            moved = Instance.objects.filter(
                uuid=instance_uuid, deleted_at__isnull=True, task_state="resize_prep"
            ).update(task_state="resize_migrating")
            if not moved:
                raise _LostRace
            started = Migration.objects.filter(pk=migration_id, status=Migration.Status.PRE_MIGRATING).update(
                status=Migration.Status.MIGRATING, dest_compute=host_state.host, dest_node=host_state.node
            )
            if not started or not _group_allows(instance_uuid, host_state.host):
                raise _LostRace
            _take(host_state, need, instance_uuid)
    except _LostRace:
        return False
    return True


def release(instance_uuid: str, node: str | None = None) -> int:
    """Free what the instance holds (on ``node`` only, if given). Safe to call twice.

    Call inside the transaction that changes the instance's state, after locking the instance.
    Returns how many allocations were freed.
    """
    allocations = Allocation.objects.filter(instance_id=instance_uuid)
    if node is not None:
        allocations = allocations.filter(node__hypervisor_hostname=node)
    freed = 0
    for allocation in allocations.select_for_update().order_by("node_id"):
        ComputeNode.objects.filter(pk=allocation.node_id).update(
            vcpus_used=F("vcpus_used") - allocation.vcpus,
            memory_mb_used=F("memory_mb_used") - allocation.memory_mb,
            local_gb_used=F("local_gb_used") - allocation.disk_gb,
            updated_at=timezone.now(),
        )
        allocation.delete()
        freed += 1
    return freed
