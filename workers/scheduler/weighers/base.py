"""Weigher base: a raw score per host; the pipeline normalises it to 0..1 and applies the multiplier."""

from django.conf import settings

from workers.scheduler.host_state import HostState
from workers.scheduler.request_spec import RequestSpec


class BaseWeigher:
    #: Setting holding this weigher's multiplier. Positive spreads toward high raw weights;
    #: negative prefers low ones (stacking, for the resource weighers).
    multiplier_setting = ""
    default_multiplier = 1.0

    def multiplier(self) -> float:
        return float(getattr(settings, self.multiplier_setting, self.default_multiplier))

    def relevant(self, spec: RequestSpec) -> bool:
        return True

    def raw_weight(self, host_state: HostState, spec: RequestSpec) -> float:
        raise NotImplementedError

    def weigh_all(self, hosts: list[HostState], spec: RequestSpec) -> list[float]:
        raw = self.raw_weight
        return [raw(h, spec) for h in hosts]

    # A weigher may also define ``array(table, spec)``: every row's raw weight as a numpy array.
    # The pipeline prefers it, normalises to 0..1 over the candidates and applies the multiplier.
