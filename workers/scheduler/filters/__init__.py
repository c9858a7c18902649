"""Host filters: each says whether one host can take one instance, and why not.

Settings list the enabled filters by name, in order (cheap and selective first).
"""

from workers.scheduler.filters.aggregate_instance_extra_specs_filter import AggregateInstanceExtraSpecsFilter
from workers.scheduler.filters.availability_zone_filter import AvailabilityZoneFilter
from workers.scheduler.filters.base import BaseHostFilter
from workers.scheduler.filters.compute_filter import ComputeFilter
from workers.scheduler.filters.core_filter import CoreFilter
from workers.scheduler.filters.different_host_filter import DifferentHostFilter
from workers.scheduler.filters.disk_filter import DiskFilter
from workers.scheduler.filters.driver_capabilities_filter import DriverCapabilitiesFilter
from workers.scheduler.filters.force_hosts_filter import ForceHostsFilter
from workers.scheduler.filters.image_properties_filter import ImagePropertiesFilter
from workers.scheduler.filters.ram_filter import RamFilter
from workers.scheduler.filters.same_host_filter import SameHostFilter
from workers.scheduler.filters.server_group_affinity_filter import ServerGroupAffinityFilter
from workers.scheduler.filters.server_group_anti_affinity_filter import ServerGroupAntiAffinityFilter

FILTERS: dict[str, type[BaseHostFilter]] = {
    cls.__name__: cls
    for cls in (
        ForceHostsFilter,
        ComputeFilter,
        DriverCapabilitiesFilter,
        AvailabilityZoneFilter,
        CoreFilter,
        RamFilter,
        DiskFilter,
        AggregateInstanceExtraSpecsFilter,
        ImagePropertiesFilter,
        SameHostFilter,
        DifferentHostFilter,
        ServerGroupAffinityFilter,
        ServerGroupAntiAffinityFilter,
    )
}

__all__ = ["FILTERS", "BaseHostFilter"]
