"""The scheduler's in-memory view of each compute node, read fresh for every request."""

import dataclasses
import math

from django.conf import settings
from django.utils import timezone

from apps.hosts.models import ComputeNode


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


@dataclasses.dataclass
class HostState:
    node_id: int
    host: str
    node: str
    enabled: bool
    up: bool
    vcpus: int
    vcpus_used: int
    memory_mb: int
    memory_mb_used: int
    local_gb: int
    local_gb_used: int
    cpu_allocation_ratio: float
    ram_allocation_ratio: float
    disk_allocation_ratio: float

    @property
    def free_vcpus(self) -> float:
        return self.vcpus * self.cpu_allocation_ratio - self.vcpus_used

    @property
    def free_ram_mb(self) -> float:
        return self.memory_mb * self.ram_allocation_ratio - self.memory_mb_used

    @property
    def free_disk_gb(self) -> float:
        return self.local_gb * self.disk_allocation_ratio - self.local_gb_used

    def consume(self, need: ResourceRequest) -> None:
        """Count a placement made in this request, so the next instance sees it."""
        self.vcpus_used += need.vcpus
        self.memory_mb_used += need.memory_mb
        self.local_gb_used += need.disk_gb


def load_host_states() -> list[HostState]:
    """Every compute node with its service's liveness, in one query."""
    now = timezone.now()
    down_time = settings.SERVICE_DOWN_TIME
    return [
        HostState(
            node_id=node.id,
            host=node.host,
            node=node.hypervisor_hostname,
            enabled=not node.service.disabled,
            up=node.service.is_up(down_time, now),
            vcpus=node.vcpus,
            vcpus_used=node.vcpus_used,
            memory_mb=node.memory_mb,
            memory_mb_used=node.memory_mb_used,
            local_gb=node.local_gb,
            local_gb_used=node.local_gb_used,
            cpu_allocation_ratio=node.cpu_allocation_ratio,
            ram_allocation_ratio=node.ram_allocation_ratio,
            disk_allocation_ratio=node.disk_allocation_ratio,
        )
        for node in ComputeNode.objects.select_related("service").filter(service__binary="cloudcore-compute")
    ]
