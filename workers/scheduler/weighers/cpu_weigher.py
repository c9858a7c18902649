"""Prefer hosts with the most free vCPUs; a negative multiplier packs hosts instead."""

from workers.scheduler.weighers.base import BaseWeigher


class CPUWeigher(BaseWeigher):
    multiplier_setting = "CPU_WEIGHT_MULTIPLIER"

    def raw_weight(self, host_state, spec):
        return host_state.free_vcpus

    def array(self, table, spec):
        return table.free_vcpus
