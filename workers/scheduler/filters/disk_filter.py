"""Only hosts with enough local disk left, counting the node's disk allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class DiskFilter(BaseHostFilter):
    def host_passes(self, host_state, need):
        return host_state.free_disk_gb >= need.disk_gb

    def describe_rejection(self, rejected, need):
        most = max(h.free_disk_gb for h in rejected)
        return f"needs {need.disk_gb} GB, most free {most:g} GB"
