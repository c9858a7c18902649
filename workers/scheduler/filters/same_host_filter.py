"""Scheduler hint ``same_host``: only the hosts of the named instances."""

from workers.scheduler.filters.base import BaseHostFilter


class SameHostFilter(BaseHostFilter):
    def relevant(self, spec):
        return spec.same_hosts is not None

    def host_passes(self, host_state, spec):
        return host_state.host in spec.same_hosts

    def describe_rejection(self, rejected, spec):
        return "not the host of the same_host instances"
