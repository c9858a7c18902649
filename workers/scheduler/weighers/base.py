"""Weigher base: raw scores normalised to 0..1 across the candidate hosts, times a multiplier."""

from django.conf import settings

from workers.scheduler.host_state import HostState


class BaseWeigher:
    #: Setting that holds this weigher's multiplier; a negative multiplier stacks instead of spreads.
    multiplier_setting = ""
    default_multiplier = 1.0

    def multiplier(self) -> float:
        return float(getattr(settings, self.multiplier_setting, self.default_multiplier))

    def raw_weight(self, host_state: HostState) -> float:
        raise NotImplementedError


def _normalise(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high == low:
        return [0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def weigh_hosts(hosts: list[HostState], weighers: list[BaseWeigher]) -> list[HostState]:
    """The hosts, best first."""
    if len(hosts) < 2:
        return list(hosts)
    totals = [0.0] * len(hosts)
    for weigher in weighers:
        multiplier = weigher.multiplier()
        for i, weight in enumerate(_normalise([weigher.raw_weight(h) for h in hosts])):
            totals[i] += multiplier * weight
    order = sorted(range(len(hosts)), key=lambda i: (-totals[i], hosts[i].node))
    return [hosts[i] for i in order]
