"""One test per filter, on host states and specs built in memory."""

import time
from collections import Counter

import pytest

from apps.hosts.claims import ResourceRequest
from workers.scheduler.filters import FILTERS
from workers.scheduler.host_state import HostState
from workers.scheduler.host_table import HostTable
from workers.scheduler.request_spec import RequestSpec

NOW = time.time()


def host(name="h1", **fields) -> HostState:
    defaults = dict(
        node_id=1, host=name, node=name, last_seen=NOW, vcpus=4, memory_mb=4096, local_gb=100,
        cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0, disk_allocation_ratio=1.0, hypervisor_type="fake",
        cpu_arch="x86_64",
    )  # fmt: skip
    defaults.update(fields)
    return HostState(**defaults)


def spec(**fields) -> RequestSpec:
    fields.setdefault("need", ResourceRequest(vcpus=1, memory_mb=512, disk_gb=1))
    return RequestSpec(instance_uuid="i", now=NOW, **fields)


def passes(name, host_state, request) -> bool:
    """host_passes, checked against the vectorised mask where the filter has one."""
    chosen = FILTERS[name]()
    one = chosen.host_passes(host_state, request)
    if hasattr(chosen, "mask"):
        assert bool(chosen.mask(HostTable([host_state], attach=False), request)[0]) is one
    return one


def test_compute_filter(settings):
    settings.SERVICE_DOWN_TIME = 60
    assert passes("ComputeFilter", host(), spec())
    assert not passes("ComputeFilter", host(enabled=False), spec())
    assert not passes("ComputeFilter", host(forced_down=True), spec())
    assert not passes("ComputeFilter", host(last_seen=NOW - 61), spec())
    rejected = [host(enabled=False), host(last_seen=0)]
    assert FILTERS["ComputeFilter"]().describe_rejection(rejected, spec()) == "1 disabled, 1 down"


@pytest.mark.parametrize(
    ("name", "fields", "ok"),
    [
        ("CoreFilter", {"vcpus": 1, "vcpus_used": 0}, True),
        ("CoreFilter", {"vcpus": 1, "vcpus_used": 1}, False),
        ("CoreFilter", {"vcpus": 1, "vcpus_used": 1, "cpu_allocation_ratio": 2.0}, True),
        ("RamFilter", {"memory_mb": 1024, "memory_mb_used": 512}, True),
        ("RamFilter", {"memory_mb": 1024, "memory_mb_used": 513}, False),
        ("RamFilter", {"memory_mb": 1024, "memory_mb_used": 1024, "ram_allocation_ratio": 1.5}, True),
        ("DiskFilter", {"local_gb": 1, "local_gb_used": 0}, True),
        ("DiskFilter", {"local_gb": 1, "local_gb_used": 1}, False),
    ],
)
def test_resource_filters(name, fields, ok):
    assert passes(name, host(**fields), spec()) is ok


def test_resource_rejections_say_what_was_needed():
    rejected = [host(memory_mb=2048, memory_mb_used=0), host(memory_mb=1024)]
    request = spec(need=ResourceRequest(vcpus=1, memory_mb=4096, disk_gb=1))
    assert FILTERS["RamFilter"]().describe_rejection(rejected, request) == "needs 4096 MB, most free 2048 MB"


def test_availability_zone_filter():
    assert not FILTERS["AvailabilityZoneFilter"]().relevant(spec())
    assert passes("AvailabilityZoneFilter", host(availability_zone="east"), spec(availability_zone="east"))
    assert not passes("AvailabilityZoneFilter", host(), spec(availability_zone="east"))


def test_aggregate_instance_extra_specs_filter():
    ssd = host(aggregates=({"disk": "ssd", "gpu": "a,b"},))
    plain = host(aggregates=({"disk": "hdd"},))
    assert not FILTERS["AggregateInstanceExtraSpecsFilter"]().relevant(spec(extra_specs={"hw:cpu_policy": "x"}))
    wanted = spec(extra_specs={"aggregate_instance_extra_specs:disk": "ssd"})
    assert passes("AggregateInstanceExtraSpecsFilter", ssd, wanted)
    assert not passes("AggregateInstanceExtraSpecsFilter", plain, wanted)
    assert not passes("AggregateInstanceExtraSpecsFilter", host(), wanted)
    assert passes("AggregateInstanceExtraSpecsFilter", ssd, spec(extra_specs={"gpu": "b"}))


def test_image_properties_filter():
    assert not FILTERS["ImagePropertiesFilter"]().relevant(spec(image_properties={"os_distro": "x"}))
    assert passes("ImagePropertiesFilter", host(), spec(image_properties={"architecture": "x86_64"}))
    assert not passes("ImagePropertiesFilter", host(), spec(image_properties={"architecture": "aarch64"}))
    assert not passes("ImagePropertiesFilter", host(), spec(image_properties={"hypervisor_type": "qemu"}))
    assert passes(
        "ImagePropertiesFilter", host(hypervisor_type="QEMU"), spec(image_properties={"hypervisor_type": "qemu"})
    )


def test_affinity_filter():
    group = dict(group_uuid="g", group_policy="affinity")
    assert not FILTERS["ServerGroupAffinityFilter"]().relevant(spec(**group))  # first member goes anywhere
    request = spec(group_hosts=Counter({"h1": 1}), **group)
    assert passes("ServerGroupAffinityFilter", host("h1"), request)
    assert not passes("ServerGroupAffinityFilter", host("h2"), request)


def test_anti_affinity_filter_with_max_server_per_host():
    request = spec(group_uuid="g", group_policy="anti-affinity", group_hosts=Counter({"h1": 1}))
    assert not passes("ServerGroupAntiAffinityFilter", host("h1"), request)
    assert passes("ServerGroupAntiAffinityFilter", host("h2"), request)
    request.max_server_per_host = 2
    assert passes("ServerGroupAntiAffinityFilter", host("h1"), request)


def test_same_and_different_host_filters():
    assert passes("SameHostFilter", host("h1"), spec(same_hosts={"h1"}))
    assert not passes("SameHostFilter", host("h2"), spec(same_hosts={"h1"}))
    assert not passes("SameHostFilter", host("h2"), spec(same_hosts=set()))  # the named servers have no host
    assert not passes("DifferentHostFilter", host("h1"), spec(different_hosts={"h1"}))
    assert passes("DifferentHostFilter", host("h2"), spec(different_hosts={"h1"}))


def test_force_hosts_filter():
    assert not FILTERS["ForceHostsFilter"]().relevant(spec())
    assert passes("ForceHostsFilter", host("h1"), spec(force_host="h1"))
    assert not passes("ForceHostsFilter", host("h2"), spec(force_host="h1"))
    assert passes("ForceHostsFilter", host("h1"), spec(force_node="h1"))


def test_driver_capabilities_filter():
    migrating = spec(capabilities=frozenset({"supports_migration"}))
    assert not FILTERS["DriverCapabilitiesFilter"]().relevant(spec())  # a build needs no capability
    assert passes("DriverCapabilitiesFilter", host(capabilities={"supports_migration": True}), migrating)
    assert not passes("DriverCapabilitiesFilter", host(capabilities={"supports_migration": False}), migrating)
    assert passes("DriverCapabilitiesFilter", host(capabilities={}), migrating)  # not reported yet
    rejected = [host(capabilities={"supports_migration": False})]
    assert FILTERS["DriverCapabilitiesFilter"]().describe_rejection(rejected, migrating) == (
        "driver lacks supports_migration"
    )
