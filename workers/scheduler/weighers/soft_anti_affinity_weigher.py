"""Soft anti-affinity: prefer hosts holding the fewest members of the server's group."""

from workers.scheduler.weighers.base import BaseWeigher


class ServerGroupSoftAntiAffinityWeigher(BaseWeigher):
    multiplier_setting = "SOFT_ANTI_AFFINITY_WEIGHT_MULTIPLIER"

    def relevant(self, spec):
        return spec.group_policy == "soft-anti-affinity" and bool(spec.group_hosts)

    def raw_weight(self, host_state, spec):
        return -spec.group_hosts.get(host_state.host, 0)
