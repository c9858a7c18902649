"""Only hosts whose compute service is enabled, not forced down, and heartbeating."""

from django.conf import settings

from workers.scheduler.filters.base import BaseHostFilter


class ComputeFilter(BaseHostFilter):
    def host_passes(self, host_state, spec):
        return host_state.enabled and host_state.up(spec.now)

    def mask(self, table, spec):
        return table.usable & (table.last_seen >= spec.now - settings.SERVICE_DOWN_TIME)

    def describe_rejection(self, rejected, spec):
        disabled = sum(1 for h in rejected if not h.enabled)
        down = len(rejected) - disabled
        return ", ".join(
            part for part in (f"{disabled} disabled" if disabled else "", f"{down} down" if down else "") if part
        )
