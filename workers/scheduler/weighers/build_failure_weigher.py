"""Hosts that recently failed builds sink far (a host that fails everything would attract every build)."""

from workers.scheduler.weighers.base import BaseWeigher


class BuildFailureWeigher(BaseWeigher):
    multiplier_setting = "BUILD_FAILURE_WEIGHT_MULTIPLIER"
    default_multiplier = -1000000.0

    def raw_weight(self, host_state, spec):
        return host_state.failed_builds

    def array(self, table, spec):
        return table.failed_builds
