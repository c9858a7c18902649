"""Only hosts whose driver can do what the operation needs of a destination (``core.capabilities``):
a resize or cold migration needs ``supports_migration`` on the destination as on the source.

A node that has not reported its capabilities yet passes, as the API gives the source node the
benefit of the doubt; the destination host refuses what its driver cannot do.
"""

from workers.scheduler.filters.base import BaseHostFilter


def _lacking(host_state, spec) -> list[str]:
    return [name for name in sorted(spec.capabilities) if host_state.capabilities.get(name) is False]


class DriverCapabilitiesFilter(BaseHostFilter):
    def relevant(self, spec):
        return bool(spec.capabilities)

    def host_passes(self, host_state, spec):
        return not _lacking(host_state, spec)

    def describe_rejection(self, rejected, spec):
        lacking = sorted({name for host_state in rejected for name in _lacking(host_state, spec)})
        return "driver lacks " + ", ".join(lacking)
