"""Soft affinity: prefer hosts that already hold members of the server's group."""

from workers.scheduler.weighers.base import BaseWeigher


class ServerGroupSoftAffinityWeigher(BaseWeigher):
    multiplier_setting = "SOFT_AFFINITY_WEIGHT_MULTIPLIER"

    def relevant(self, spec):
        return spec.group_policy == "soft-affinity" and bool(spec.group_hosts)

    def raw_weight(self, host_state, spec):
        return spec.group_hosts.get(host_state.host, 0)
