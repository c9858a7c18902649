"""Prefer hosts with the most free RAM (spread); a negative multiplier packs hosts instead."""

from workers.scheduler.weighers.base import BaseWeigher


class RAMWeigher(BaseWeigher):
    multiplier_setting = "RAM_WEIGHT_MULTIPLIER"

    def raw_weight(self, host_state, spec):
        return host_state.free_ram_mb

    def array(self, table, spec):
        return table.free_ram_mb
