"""Only hosts with enough memory left, counting the node's RAM allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class RamFilter(BaseHostFilter):
    def host_passes(self, host_state, spec):
        return host_state.free_ram_mb >= spec.need.memory_mb

    def filter_all(self, hosts, spec):
        need = spec.need.memory_mb
        return [h for h in hosts if h.free_ram_mb >= need]

    def describe_rejection(self, rejected, spec):
        return f"needs {spec.need.memory_mb} MB, most free {max(h.free_ram_mb for h in rejected):g} MB"
