"""The boot pipeline end to end: API, two schedulers, a conductor and two compute workers, each a
real process, over real Redis, into real PostgreSQL."""

from pathlib import Path

import pytest

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

FIVE_TINY = {"FAKE_VCPUS": "5", "FAKE_MEMORY_MB": "65536", "FAKE_LOCAL_GB": "1000", "CPU_ALLOCATION_RATIO": "1.0"}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    with cloud_factory(computes={"node1": dict(FIVE_TINY), "node2": dict(FIVE_TINY)}, schedulers=2) as running:
        yield running


def test_compute_workers_run_without_django_or_a_database(cloud):
    for host in ("node1", "node2"):
        info = cloud.call(host, "compute.get_service_info")
        assert info["host"] == host
        assert info["django_loaded"] is False
        assert info["forbidden_modules"] == []
        assert info["database_configured"] is False
        environ = Path(f"/proc/{info['pid']}/environ").read_bytes().split(b"\0")
        assert not any(var.startswith(b"DATABASE_URL=") for var in environ)


def test_a_server_boots_to_active_and_deletes_cleanly(cloud):
    server_id = cloud.create_server("vm1")

    server = cloud.wait_for_status(server_id, "ACTIVE")
    host = server["OS-EXT-SRV-ATTR:host"]
    assert host in ("node1", "node2")
    assert server["OS-EXT-STS:vm_state"] == "active" and server["OS-EXT-STS:power_state"] == 1
    assert server["OS-SRV-USG:launched_at"]
    assert [(a["node"], a["vcpus"], a["memory_mb"], a["disk_gb"]) for a in cloud.allocations(server_id)] == [
        (host, 1, 512, 1)
    ]
    assert cloud.nodes()[host]["vcpus_used"] == 1
    assert server_id in cloud.call(host, "compute.list_instances")

    assert cloud.delete(f"/v2.1/servers/{server_id}").status_code == 204

    wait_until(lambda: cloud.get(f"/v2.1/servers/{server_id}").status_code == 404, message="the server to go")
    assert server_id not in cloud.call(host, "compute.list_instances")
    assert cloud.allocations(server_id) == []
    assert cloud.nodes()[host]["vcpus_used"] == 0
    row = cloud.query("SELECT vm_state, deleted_at, terminated_at FROM compute_instance WHERE uuid = %s", server_id)[0]
    assert row["vm_state"] == "deleted" and row["deleted_at"] and row["terminated_at"]
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions")
    assert actions.status_code == 404  # deleted servers are gone from the API


def test_twenty_servers_race_for_ten_slots(cloud):
    """Both schedulers take requests at once; claims in the database keep every node within capacity."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(lambda i: cloud.create_server(f"race-{i}"), range(20)))

    finals = [cloud.wait_for_status(server_id, "ACTIVE", "ERROR", timeout=120) for server_id in ids]

    statuses = sorted(s["status"] for s in finals)
    assert statuses.count("ACTIVE") == 10 and statuses.count("ERROR") == 10, statuses
    for server in finals:
        if server["status"] == "ERROR":
            assert server["fault"]["message"].startswith("No valid host was found.")
            assert cloud.allocations(server["id"]) == []
    by_node = {}
    for allocation in cloud.allocations():
        by_node[allocation["node"]] = by_node.get(allocation["node"], 0) + allocation["vcpus"]
    for name, node in cloud.nodes().items():
        assert node["vcpus_used"] == by_node.get(name, 0) <= node["vcpus"], (name, node, by_node)
    assert sum(by_node.values()) == 10
    for server_id in ids:
        cloud.delete(f"/v2.1/servers/{server_id}")
    wait_until(lambda: cloud.allocations() == [], timeout=60, message="every allocation to be freed")
