"""Only hosts with enough vCPUs left, counting the node's CPU allocation ratio."""

from workers.scheduler.filters.base import BaseHostFilter


class CoreFilter(BaseHostFilter):
    def host_passes(self, host_state, spec):
        return host_state.free_vcpus >= spec.need.vcpus

    def mask(self, table, spec):
        return table.free_vcpus >= spec.need.vcpus

    def describe_rejection(self, rejected, spec):
        return f"needs {spec.need.vcpus} vCPUs, most free {max(h.free_vcpus for h in rejected):g}"
