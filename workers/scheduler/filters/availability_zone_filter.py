"""Only hosts in the availability zone the request names (a host's zone comes from its aggregates)."""

from workers.scheduler.filters.base import BaseHostFilter


class AvailabilityZoneFilter(BaseHostFilter):
    def relevant(self, spec):
        return spec.availability_zone is not None

    def host_passes(self, host_state, spec):
        return host_state.availability_zone == spec.availability_zone

    def describe_rejection(self, rejected, spec):
        return f"not in zone {spec.availability_zone}"
