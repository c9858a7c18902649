"""Prefer hosts with the most free disk; a negative multiplier packs hosts instead."""

from workers.scheduler.weighers.base import BaseWeigher


class DiskWeigher(BaseWeigher):
    multiplier_setting = "DISK_WEIGHT_MULTIPLIER"

    def raw_weight(self, host_state, spec):
        return host_state.free_disk_gb

    def array(self, table, spec):
        return table.free_disk_gb
