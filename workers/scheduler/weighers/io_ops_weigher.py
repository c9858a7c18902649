"""Hosts busy with operations in flight (builds, resizes...) sink; the default multiplier is negative."""

from workers.scheduler.weighers.base import BaseWeigher


class IoOpsWeigher(BaseWeigher):
    multiplier_setting = "IO_OPS_WEIGHT_MULTIPLIER"
    default_multiplier = -1.0

    def raw_weight(self, host_state, spec):
        return host_state.io_ops

    def array(self, table, spec):
        return table.io_ops
