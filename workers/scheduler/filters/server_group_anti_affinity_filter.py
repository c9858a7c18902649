"""Anti-affinity: no host already holding ``max_server_per_host`` (1 by default) of the group."""

from workers.scheduler.filters.base import BaseHostFilter


class ServerGroupAntiAffinityFilter(BaseHostFilter):
    def relevant(self, spec):
        return spec.group_policy == "anti-affinity" and bool(spec.group_hosts)

    def host_passes(self, host_state, spec):
        return spec.group_hosts.get(host_state.host, 0) < (spec.max_server_per_host or 1)

    def describe_rejection(self, rejected, spec):
        return f"already hold {spec.max_server_per_host or 1} member(s) of group {spec.group_uuid}"
