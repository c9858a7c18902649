"""Claims: taking a node's resources for an instance, atomically, and giving them back.

A claim is a compare-and-swap on the instance (it must still be waiting for this scheduling
attempt), a conditional UPDATE on the node that only succeeds while the node has room, and an
Allocation row. Two schedulers racing for the last slot cannot both win: the database evaluates
the node's condition under its row lock. ``*_used`` changes only here.

The caller owns the transaction: a claim that cannot be had raises ``ClaimFailed``, and whatever
the caller wrote in the same ``transaction.atomic()`` block (the scheduler's action event, say)
is rolled back with it. So a placement is one commit, and a failed one none.
"""

import dataclasses
import math
import uuid
from collections import Counter
from typing import NamedTuple

from django.db.models import ExpressionWrapper, F, FloatField
from django.utils import timezone

from apps.compute.models import Instance, Migration, ServerGroup
from apps.compute.states import TaskState
from apps.hosts.models import Allocation, ComputeNode


class ClaimFailed(Exception):
    """The node had no room, the instance moved on, or a hard group policy forbids the host."""


@dataclasses.dataclass(frozen=True)
class ResourceRequest:
    """What one instance of a flavor needs on a node."""

    vcpus: int
    memory_mb: int
    disk_gb: int

    @classmethod
    def from_flavor(cls, flavor: dict) -> "ResourceRequest":
        swap_gb = math.ceil(int(flavor.get("swap", 0)) / 1024)
        disk = int(flavor["root_gb"]) + int(flavor.get("ephemeral_gb", 0)) + swap_gb
        return cls(vcpus=int(flavor["vcpus"]), memory_mb=int(flavor["memory_mb"]), disk_gb=disk)


class Destination(NamedTuple):
    """The node a claim is for: its row id, its host (whose queue builds it) and its name."""

    node_id: int
    host: str
    node: str
    availability_zone: str | None = None  # the host's zone, recorded on the instance it places


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


def _take(destination: Destination, need: ResourceRequest, instance_uuid: str) -> None:
    """Add ``need`` to the node's usage if it still fits, and record the allocation; else ClaimFailed."""
    fits = ComputeNode.objects.filter(
        pk=destination.node_id,
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
        raise ClaimFailed(f"node {destination.node} has no room")
    Allocation.objects.create(
        instance_id=instance_uuid,
        node_id=destination.node_id,
        vcpus=need.vcpus,
        memory_mb=need.memory_mb,
        disk_gb=need.disk_gb,
    )


def claim_build(
    instance_uuid: str,
    *,
    destination: Destination,
    need: ResourceRequest,
    expected_task_state: str,
    expected_attempt_id: str | None,
    alternates: list[dict],
    check_group: bool = True,
) -> str:
    """Claim ``need`` on ``destination`` for a build and point the instance at it; returns the new
    attempt id. Call inside ``transaction.atomic()``.

    The instance must still be in ``expected_task_state`` under ``expected_attempt_id`` (None for
    its first placement); ``alternates`` are kept for a reschedule. ``check_group=False`` (the
    caller knows the instance is in no affinity or anti-affinity group) skips the group re-check.
    Raises ``ClaimFailed`` when the node had no room or the instance moved on.
    """
    attempt_id = uuid.uuid4()
    placed = Instance.objects.filter(
        uuid=instance_uuid,
        deleted_at__isnull=True,
        task_state=expected_task_state,
        attempt_id=expected_attempt_id,
    ).update(
        host=destination.host,
        node=destination.node,
        **({"availability_zone": destination.availability_zone} if destination.availability_zone else {}),
        task_state=TaskState.SPAWNING,
        attempt_id=attempt_id,
        attempts=F("attempts") + 1,
        alternate_hosts=alternates,
    )
    if not placed:
        raise ClaimFailed(f"instance {instance_uuid} is no longer waiting for this placement")
    if check_group and not _group_allows(instance_uuid, destination.host):
        raise ClaimFailed(f"the group of {instance_uuid} does not allow {destination.host}")
    _take(destination, need, instance_uuid)
    return str(attempt_id)


def claim_migration(migration_id: int, instance_uuid: str, *, destination: Destination, need: ResourceRequest) -> None:
    """Claim the new flavor on the destination of a resize or migration (the source keeps its
    claim). Call inside ``transaction.atomic()``; raises ``ClaimFailed``."""
    moved = Instance.objects.filter(
        uuid=instance_uuid, deleted_at__isnull=True, task_state=TaskState.RESIZE_PREP
    ).update(task_state=TaskState.RESIZE_MIGRATING)
    if not moved:
        raise ClaimFailed(f"instance {instance_uuid} is no longer preparing a resize")
    started = Migration.objects.filter(pk=migration_id, status=Migration.Status.PRE_MIGRATING).update(
        status=Migration.Status.MIGRATING, dest_compute=destination.host, dest_node=destination.node
    )
    if not started or not _group_allows(instance_uuid, destination.host):
        raise ClaimFailed(f"migration {migration_id} cannot go to {destination.host}")
    _take(destination, need, instance_uuid)


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
