"""The scheduling pipeline, top to bottom: filter, then weigh. Pure: no database, no messages."""

import dataclasses

from django.conf import settings

from workers.scheduler.filters import FILTERS, BaseHostFilter
from workers.scheduler.host_state import HostState
from workers.scheduler.request_spec import RequestSpec
from workers.scheduler.weighers import WEIGHERS, BaseWeigher, weigh_hosts

#: How many ranked hosts a decision keeps: the choice, its alternates, and spares for lost claims.
RANKED_SPARES = 8


@dataclasses.dataclass
class Decision:
    ranked: list[HostState]  # best first
    report: list[str]  # one line per filter that ran: "RamFilter: 8 -> 0 (needs 4096 MB, most free 2048 MB)"

    def why_not(self) -> str:
        """The filter that left no host, for the fault message."""
        return self.report[-1] if self.report else "no compute hosts are registered"


def _enabled_filters() -> list[tuple[str, BaseHostFilter]]:
    return [(name, FILTERS[name]()) for name in settings.SCHEDULER_ENABLED_FILTERS]


def _enabled_weighers() -> list[BaseWeigher]:
    return [WEIGHERS[name]() for name in settings.SCHEDULER_WEIGHERS]


def decide(hosts: list[HostState], spec: RequestSpec) -> Decision:
    """Rank the hosts that can take ``spec``; counts what each filter removed and why."""
    report = []
    if spec.ignore_hosts:
        hosts = [h for h in hosts if h.host not in spec.ignore_hosts]
    # Filters, in the configured order; a filter with nothing to check for this request is skipped.
    for name, host_filter in _enabled_filters():
        if not host_filter.relevant(spec):
            continue
        passed = host_filter.filter_all(hosts, spec)
        line = f"{name}: {len(hosts)} -> {len(passed)}"
        if len(passed) < len(hosts):
            kept = {id(h) for h in passed}
            why = host_filter.describe_rejection([h for h in hosts if id(h) not in kept], spec)
            line += f" ({why})" if why else ""
        report.append(line)
        hosts = passed
        if not hosts:
            return Decision([], report)
    # Weighers: normalised scores times multipliers; only the best few are ranked.
    limit = 1 + settings.SCHEDULER_ALTERNATES + RANKED_SPARES
    return Decision(weigh_hosts(hosts, _enabled_weighers(), spec, limit=limit), report)


def alternates(decision: Decision, chosen: HostState, spec: RequestSpec) -> list[dict]:
    """Hosts to retry a failed build on, from the same decision (none for a forced host)."""
    if spec.force_host or spec.force_node:
        return []
    others = [h for h in decision.ranked if h.node != chosen.node][: settings.SCHEDULER_ALTERNATES]
    return [{"host": h.host, "node": h.node} for h in others]
