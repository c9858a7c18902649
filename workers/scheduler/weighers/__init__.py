"""Host weighers: each scores hosts; the shared base normalises to 0..1 and applies a multiplier."""

from workers.scheduler.weighers.base import BaseWeigher, weigh_hosts
from workers.scheduler.weighers.ram_weigher import RAMWeigher

WEIGHERS: dict[str, type[BaseWeigher]] = {cls.__name__: cls for cls in (RAMWeigher,)}

__all__ = ["WEIGHERS", "BaseWeigher", "weigh_hosts"]
