"""Weigher base: raw scores normalised to 0..1 across the candidate hosts, times a multiplier."""

import heapq

from django.conf import settings

from workers.scheduler.host_state import HostState
from workers.scheduler.request_spec import RequestSpec


class BaseWeigher:
    #: Setting holding this weigher's multiplier. Positive spreads toward high raw weights;
    #: negative prefers low ones (stacking, for the resource weighers).
    multiplier_setting = ""
    default_multiplier = 1.0

    def multiplier(self) -> float:
        return float(getattr(settings, self.multiplier_setting, self.default_multiplier))

    def relevant(self, spec: RequestSpec) -> bool:
        return True

    def raw_weight(self, host_state: HostState, spec: RequestSpec) -> float:
        raise NotImplementedError

    def weigh_all(self, hosts: list[HostState], spec: RequestSpec) -> list[float]:
        raw = self.raw_weight
        return [raw(h, spec) for h in hosts]


def weigh_hosts(
    hosts: list[HostState], weighers: list[BaseWeigher], spec: RequestSpec, limit: int | None = None
) -> list[HostState]:
    """The hosts, best first (only the best ``limit`` when given). Ties go to the node name."""
    if len(hosts) < 2:
        return list(hosts)
    totals = [0.0] * len(hosts)
    for weigher in weighers:
        multiplier = weigher.multiplier()
        if not multiplier or not weigher.relevant(spec):
            continue
        raw = weigher.weigh_all(hosts, spec)
        low, high = min(raw), max(raw)
        if high == low:
            continue
        scale = multiplier / (high - low)
        totals = [total + (value - low) * scale for total, value in zip(totals, raw, strict=True)]
    order = range(len(hosts))
    key = lambda i: (totals[i], _reverse_name(hosts[i].node))  # noqa: E731
    best = heapq.nlargest(limit, order, key=key) if limit else sorted(order, key=key, reverse=True)
    return [hosts[i] for i in best]


class _reverse_name(str):
    """Sorts names backwards, so that among equal weights the first name in order wins."""

    def __lt__(self, other):
        return str.__gt__(self, other)

    def __gt__(self, other):
        return str.__lt__(self, other)
