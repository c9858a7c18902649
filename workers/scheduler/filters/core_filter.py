"""Only hosts with enough vCPUs left, counting the node's CPU allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class CoreFilter(BaseHostFilter):
    def host_passes(self, host_state, need):
        return host_state.free_vcpus >= need.vcpus

    def describe_rejection(self, rejected, need):
        most = max(h.free_vcpus for h in rejected)
        return f"needs {need.vcpus} vCPUs, most free {most:g}"
