"""Host weighers: each scores hosts; the shared base normalises to 0..1 and applies a multiplier."""

from workers.scheduler.weighers.base import BaseWeigher
from workers.scheduler.weighers.build_failure_weigher import BuildFailureWeigher
from workers.scheduler.weighers.cpu_weigher import CPUWeigher
from workers.scheduler.weighers.disk_weigher import DiskWeigher
from workers.scheduler.weighers.io_ops_weigher import IoOpsWeigher
from workers.scheduler.weighers.ram_weigher import RAMWeigher
from workers.scheduler.weighers.soft_affinity_weigher import ServerGroupSoftAffinityWeigher
from workers.scheduler.weighers.soft_anti_affinity_weigher import ServerGroupSoftAntiAffinityWeigher

WEIGHERS: dict[str, type[BaseWeigher]] = {
    cls.__name__: cls
    for cls in (
        RAMWeigher,
        CPUWeigher,
        DiskWeigher,
        IoOpsWeigher,
        BuildFailureWeigher,
        ServerGroupSoftAffinityWeigher,
        ServerGroupSoftAntiAffinityWeigher,
    )
}

__all__ = ["WEIGHERS", "BaseWeigher"]
