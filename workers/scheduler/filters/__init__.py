"""Host filters: each says whether one host can take one instance, and why not."""

from workers.scheduler.filters.base import BaseHostFilter
from workers.scheduler.filters.compute_filter import ComputeFilter
from workers.scheduler.filters.core_filter import CoreFilter
from workers.scheduler.filters.disk_filter import DiskFilter
from workers.scheduler.filters.ram_filter import RamFilter

FILTERS: dict[str, type[BaseHostFilter]] = {
    cls.__name__: cls for cls in (ComputeFilter, CoreFilter, RamFilter, DiskFilter)
}

__all__ = ["FILTERS", "BaseHostFilter"]
