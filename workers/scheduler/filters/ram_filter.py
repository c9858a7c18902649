"""Only hosts with enough memory left, counting the node's RAM allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class RamFilter(BaseHostFilter):
    def host_passes(self, host_state, need):
        return host_state.free_ram_mb >= need.memory_mb

    def describe_rejection(self, rejected, need):
        most = max(h.free_ram_mb for h in rejected)
        return f"needs {need.memory_mb} MB, most free {most:g} MB"
