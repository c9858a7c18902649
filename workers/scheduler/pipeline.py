"""The scheduling pipeline, top to bottom: filter, then weigh. Pure: no database, no messages."""

import dataclasses

from django.conf import settings

from workers.scheduler.filters import FILTERS, BaseHostFilter
from workers.scheduler.host_state import HostState
from workers.scheduler.host_table import HostTable
from workers.scheduler.request_spec import RequestSpec
from workers.scheduler.weighers import WEIGHERS, BaseWeigher

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


def decide(hosts: HostTable | list[HostState], spec: RequestSpec) -> Decision:
    """Rank the hosts that can take ``spec``; counts what each filter removed and why.

    Filters and weighers with a vectorised form (``mask``, ``array``) run over the table's
    columns; the rest look at each remaining host.
    """
    import numpy as np  # here, not at the top: see host_table

    table = hosts if isinstance(hosts, HostTable) else HostTable(list(hosts), attach=False)
    states = table.states
    candidates = np.arange(len(table))
    if spec.ignore_hosts:
        candidates = np.array([i for i in candidates if states[i].host not in spec.ignore_hosts], dtype=int)
    report = []
    # Filters, in the configured order; a filter with nothing to check for this request is skipped.
    for name, host_filter in _enabled_filters():
        if not host_filter.relevant(spec):
            continue
        vector = getattr(host_filter, "mask", None)
        if vector is not None:
            passed = candidates[vector(table, spec)[candidates]]
        else:
            passes = host_filter.host_passes
            passed = np.array([i for i in candidates if passes(states[i], spec)], dtype=int)
        line = f"{name}: {len(candidates)} -> {len(passed)}"
        if len(passed) < len(candidates):
            rejected = [states[i] for i in np.setdiff1d(candidates, passed, assume_unique=True)]
            why = host_filter.describe_rejection(rejected, spec)
            line += f" ({why})" if why else ""
        report.append(line)
        candidates = passed
        if not len(candidates):
            return Decision([], report)
    # Weighers: each normalised to 0..1 over the candidates, times its multiplier; best few kept.
    totals = np.zeros(len(candidates))
    for weigher in _enabled_weighers():
        multiplier = weigher.multiplier()
        if not multiplier or not weigher.relevant(spec) or len(candidates) < 2:
            continue
        vector = getattr(weigher, "array", None)
        if vector is not None:
            raw = vector(table, spec)[candidates]
        else:
            raw = np.array(weigher.weigh_all([states[i] for i in candidates], spec), dtype=float)
        low, high = raw.min(), raw.max()
        if high > low:
            totals += (raw - low) * (multiplier / (high - low))
    limit = 1 + settings.SCHEDULER_ALTERNATES + RANKED_SPARES
    order = np.argsort(-totals, kind="stable")[:limit]  # stable: ties go to the first host (by node name)
    return Decision([states[i] for i in candidates[order]], report)


def alternates(decision: Decision, chosen: HostState, spec: RequestSpec) -> list[dict]:
    """Hosts to retry a failed build on, from the same decision (none for a forced host)."""
    if spec.force_host or spec.force_node:
        return []
    others = [h for h in decision.ranked if h.node != chosen.node][: settings.SCHEDULER_ALTERNATES]
    return [{"host": h.host, "node": h.node} for h in others]
