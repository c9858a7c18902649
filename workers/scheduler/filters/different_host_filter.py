"""Scheduler hint ``different_host``: none of the hosts of the named instances."""

from workers.scheduler.filters.base import BaseHostFilter


class DifferentHostFilter(BaseHostFilter):
    def relevant(self, spec):
        return bool(spec.different_hosts)

    def host_passes(self, host_state, spec):
        return host_state.host not in spec.different_hosts

    def describe_rejection(self, rejected, spec):
        return "hold a different_host instance"
