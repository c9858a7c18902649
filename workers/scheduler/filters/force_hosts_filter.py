"""An admin's ``availability_zone: "az:host"`` (or ``"az:host:node"``, ``"az::node"``): only that host."""

from workers.scheduler.filters.base import BaseHostFilter


class ForceHostsFilter(BaseHostFilter):
    def relevant(self, spec):
        return bool(spec.force_host or spec.force_node)

    def host_passes(self, host_state, spec):
        if spec.force_host and host_state.host != spec.force_host:
            return False
        return not spec.force_node or host_state.node == spec.force_node

    def describe_rejection(self, rejected, spec):
        return f"not the forced host {spec.force_host or ''}{':' + spec.force_node if spec.force_node else ''}"
