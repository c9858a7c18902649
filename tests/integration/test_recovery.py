"""Crash tests: kill a compute worker mid-build, freeze one until it is down, and watch the cloud heal."""

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

HEALING = {
    "REPORT_INTERVAL": "1",
    "SERVICE_DOWN_TIME": "4",
    "SYNC_POWER_STATE_INTERVAL": "2",
    "RECONCILE_INTERVAL": "1",
    "RESEND_AFTER": "3",
    "BUILD_TIMEOUT": "60",
    "TASK_TIMEOUT": "30",
    "SCHEDULER_WEIGHERS": "RAMWeigher",
}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    # node1 has by far the most RAM, so the RAM weigher sends every new server there; node2 is the alternate.
    computes = {
        "node1": {"FAKE_MEMORY_MB": "262144", "FAKE_VCPUS": "64", "FAKE_SPAWN_DELAY": "3"},
        "node2": {"FAKE_MEMORY_MB": "32768", "FAKE_VCPUS": "64"},
    }
    with cloud_factory(computes=computes, schedulers=1, beat=True, env=HEALING) as running:
        yield running


def services(cloud) -> dict[str, str]:
    return {s["host"]: s["state"] for s in cloud.get("/v2.1/os-services").json()["services"]}


def test_killing_a_compute_mid_build_reschedules_or_fails_everything_and_frees_its_claims(cloud):
    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda i: cloud.create_server(f"crash-{i}"), range(20)))
    wait_until(
        lambda: (
            cloud.query("SELECT count(*) AS n FROM compute_instance WHERE host = 'node1' AND task_state = 'spawning'")[
                0
            ]["n"]
            == 20
        ),
        message="all 20 builds to be on node1",
    )
    killed_at = time.monotonic()
    cloud.cloud.signal_child("compute-node1", signal.SIGKILL)

    finals = [cloud.wait_for_status(server_id, "ACTIVE", "ERROR", timeout=90) for server_id in ids]
    converged = time.monotonic() - killed_at

    assert all(
        s["status"] == "ACTIVE" and s["OS-EXT-SRV-ATTR:host"] == "node2" or s["status"] == "ERROR" for s in finals
    )
    assert sum(1 for s in finals if s["status"] == "ACTIVE") >= 1
    assert cloud.nodes()["node1"]["vcpus_used"] == 0
    assert not [a for a in cloud.allocations() if a["node"] == "node1"]
    print(f"\nkilled node1 with 20 builds: converged in {converged:.1f} s; "
          f"{sum(1 for s in finals if s['status'] == 'ACTIVE')} ACTIVE on node2")  # fmt: skip

    cloud.cloud.restart_child("compute-node1")
    wait_until(lambda: services(cloud).get("node1") == "up", timeout=30, message="node1 to report itself up")
    # Builds still queued for node1 run after the restart; the conductor has it destroy each one.
    wait_until(lambda: cloud.call("node1", "compute.list_instances") == [], timeout=60, message="node1 to own nothing")
    assert cloud.query("SELECT count(*) AS n FROM compute_instance WHERE host = 'node1'")[0]["n"] == 0
    for server_id in ids:
        cloud.delete(f"/v2.1/servers/{server_id}")
    wait_until(lambda: cloud.allocations() == [], message="every allocation to be freed")


def test_a_frozen_node_goes_down_gets_no_servers_and_evacuate_moves_its_servers(cloud):
    on_node1 = []
    for i in range(2):
        body = {"server": {"name": f"evac-{i}", "flavorRef": "1", "imageRef": cloud.demo_image_id(), "networks": "none",
                           "availability_zone": "nova:node1"}}  # fmt: skip
        on_node1.append(cloud.post("/v2.1/servers", json=body).json()["server"]["id"])
    for server_id in on_node1:
        assert cloud.wait_for_status(server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == "node1"

    cloud.cloud.signal_child("compute-node1", signal.SIGSTOP)
    try:
        frozen_at = time.monotonic()
        wait_until(lambda: services(cloud).get("node1") == "down", timeout=30, message="node1 to show down")
        print(f"\nnode1 shown down {time.monotonic() - frozen_at:.1f} s after it stopped heartbeating")
        hypervisors = cloud.get("/v2.1/os-hypervisors").json()["hypervisors"]
        assert {h["hypervisor_hostname"]: h["state"] for h in hypervisors}["node1"] == "down"

        assert cloud.wait_for_status(cloud.create_server("after-down"), "ACTIVE")["OS-EXT-SRV-ATTR:host"] == "node2"
        # A stop sent to the frozen host can never finish: the reconciler abandons it with a fault.
        assert cloud.post(f"/v2.1/servers/{on_node1[0]}/action", json={"os-stop": None}).status_code == 202
        assert cloud.wait_for_status(on_node1[0], "ACTIVE")["OS-EXT-STS:task_state"] is None
        faults = cloud.query("SELECT message FROM compute_instancefault WHERE instance_id = %s", on_node1[0])
        assert any("abandoned: compute host node1 is down" in f["message"] for f in faults)

        for server_id in on_node1:
            response = cloud.post(f"/v2.1/servers/{server_id}/action", json={"evacuate": {}})
            assert response.status_code == 200, response.text
        for server_id in on_node1:
            moved = cloud.wait_for_status(server_id, "ACTIVE", "ERROR")
            assert (moved["status"], moved["OS-EXT-SRV-ATTR:host"]) == ("ACTIVE", "node2")
            assert [a["node"] for a in cloud.allocations(server_id)] == ["node2"]
    finally:
        cloud.cloud.signal_child("compute-node1", signal.SIGCONT)

    # Back up, node1 finds the evacuated guests are no longer its own and destroys them.
    wait_until(lambda: services(cloud).get("node1") == "up", timeout=30, message="node1 to come back up")
    wait_until(lambda: cloud.call("node1", "compute.list_instances") == [], timeout=60, message="node1 to clean up")
