"""Only hosts with enough memory left, counting the node's RAM allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class RamFilter(BaseHostFilter):
    def host_passes(self, host_state, spec):
        return host_state.free_ram_mb >= spec.need.memory_mb

    def mask(self, table, spec):
        return table.free_ram_mb >= spec.need.memory_mb

    def describe_rejection(self, rejected, spec):
        return f"needs {spec.need.memory_mb} MB, most free {max(h.free_ram_mb for h in rejected):g} MB"
