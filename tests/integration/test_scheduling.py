"""Placement through real workers: groups, zones, aggregates and forced hosts."""

import pytest

pytestmark = pytest.mark.integration

SIZE = {"FAKE_VCPUS": "32", "FAKE_MEMORY_MB": "16384", "CPU_ALLOCATION_RATIO": "1.0", "RAM_ALLOCATION_RATIO": "1.0"}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    with cloud_factory(computes={"node1": dict(SIZE), "node2": dict(SIZE)}, schedulers=1) as running:
        yield running


def boot(cloud, name, expect="ACTIVE", flavor="1", **extra):
    hints = extra.pop("hints", None)
    body = {
        "server": {"name": name, "flavorRef": flavor, "imageRef": cloud.demo_image_id(), "networks": "none", **extra}
    }
    if hints:
        body["os:scheduler_hints"] = hints
    response = cloud.post("/v2.1/servers", json=body)
    assert response.status_code == 202, response.text
    server = cloud.wait_for_status(response.json()["server"]["id"], "ACTIVE", "ERROR")
    assert server["status"] == expect, server.get("fault")
    return server


def group(cloud, policy):
    body = {"server_group": {"name": policy, "policy": policy}}
    return cloud.post("/v2.1/os-server-groups", json=body).json()["server_group"]["id"]


def test_affinity_keeps_a_group_together(cloud):
    group_id = group(cloud, "affinity")
    hosts = {boot(cloud, f"aff-{i}", hints={"group": group_id})["OS-EXT-SRV-ATTR:host"] for i in range(3)}
    assert len(hosts) == 1


def test_anti_affinity_third_member_on_two_hosts_fails_naming_the_filter(cloud):
    group_id = group(cloud, "anti-affinity")
    hosts = {boot(cloud, f"anti-{i}", hints={"group": group_id})["OS-EXT-SRV-ATTR:host"] for i in range(2)}
    assert hosts == {"node1", "node2"}

    third = boot(cloud, "anti-2", expect="ERROR", hints={"group": group_id})

    assert third["fault"]["message"].startswith("No valid host was found.")
    assert "ServerGroupAntiAffinityFilter: 2 -> 0" in third["fault"]["message"]


def test_zones_aggregates_and_forced_hosts(cloud):
    zone = cloud.post("/v2.1/os-aggregates", json={"aggregate": {"name": "east", "availability_zone": "east"}})
    zone_id = zone.json()["aggregate"]["id"]
    cloud.post(f"/v2.1/os-aggregates/{zone_id}/action", json={"add_host": {"host": "node2"}})
    for i in range(2):
        assert boot(cloud, f"east-{i}", availability_zone="east")["OS-EXT-SRV-ATTR:host"] == "node2"
        assert boot(cloud, f"nova-{i}", availability_zone="nova")["OS-EXT-SRV-ATTR:host"] == "node1"

    ssd = cloud.post("/v2.1/os-aggregates", json={"aggregate": {"name": "ssd"}}).json()["aggregate"]["id"]
    cloud.post(f"/v2.1/os-aggregates/{ssd}/action", json={"add_host": {"host": "node1"}})
    cloud.post(f"/v2.1/os-aggregates/{ssd}/action", json={"set_metadata": {"metadata": {"disk": "ssd"}}})
    flavor = {"flavor": {"name": "ssd.tiny", "ram": 512, "vcpus": 1, "disk": 1, "id": "ssd"}}
    assert cloud.post("/v2.1/flavors", json=flavor).status_code == 200
    specs = {"extra_specs": {"aggregate_instance_extra_specs:disk": "ssd"}}
    assert cloud.post("/v2.1/flavors/ssd/os-extra_specs", json=specs).status_code == 200
    for i in range(2):
        assert boot(cloud, f"ssd-{i}", flavor="ssd")["OS-EXT-SRV-ATTR:host"] == "node1"

    for host in ("node1", "node2", "node2"):
        assert (
            boot(cloud, f"forced-{host}", availability_zone=f"nova:{host}" if host == "node1" else f"east:{host}")[
                "OS-EXT-SRV-ATTR:host"
            ]
            == host
        )
    lost = boot(cloud, "forced-wrong-zone", expect="ERROR", availability_zone="east:node1")
    assert "AvailabilityZoneFilter" in lost["fault"]["message"]
