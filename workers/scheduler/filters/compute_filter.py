"""Only hosts whose compute service is enabled and heartbeating."""

from workers.scheduler.filters.base import BaseHostFilter


class ComputeFilter(BaseHostFilter):
    def host_passes(self, host_state, need):
        return host_state.enabled and host_state.up

    def describe_rejection(self, rejected, need):
        disabled = sum(1 for h in rejected if not h.enabled)
        down = sum(1 for h in rejected if h.enabled and not h.up)
        return ", ".join(
            part for part in (f"{disabled} disabled" if disabled else "", f"{down} down" if down else "") if part
        )
