"""Affinity: once a group has members, only their host(s)."""

from workers.scheduler.filters.base import BaseHostFilter


class ServerGroupAffinityFilter(BaseHostFilter):
    def relevant(self, spec):
        return spec.group_policy == "affinity" and bool(spec.group_hosts)

    def host_passes(self, host_state, spec):
        return spec.group_hosts.get(host_state.host, 0) > 0

    def describe_rejection(self, rejected, spec):
        return f"group {spec.group_uuid} has its members on {', '.join(sorted(spec.group_hosts))}"
