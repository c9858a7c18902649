"""Only hosts with enough local disk left, counting the node's disk allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class DiskFilter(BaseHostFilter):
    def host_passes(self, host_state, spec):
        return host_state.free_disk_gb >= spec.need.disk_gb

    def mask(self, table, spec):
        return table.free_disk_gb >= spec.need.disk_gb

    def describe_rejection(self, rejected, spec):
        return f"needs {spec.need.disk_gb} GB, most free {max(h.free_disk_gb for h in rejected):g} GB"
