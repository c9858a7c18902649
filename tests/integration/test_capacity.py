"""Two schedulers, 200 concurrent boots, room for 120: the database never lets a node overfill."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

NODE = {"FAKE_VCPUS": "40", "FAKE_MEMORY_MB": "65536", "FAKE_LOCAL_GB": "1000", "CPU_ALLOCATION_RATIO": "1.0"}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    computes = {f"node{i}": dict(NODE) for i in (1, 2, 3)}
    with cloud_factory(computes=computes, schedulers=2) as running:
        yield running


def test_200_boots_against_room_for_120(cloud):
    with ThreadPoolExecutor(max_workers=25) as pool:
        ids = list(pool.map(lambda i: cloud.create_server(f"cap-{i}"), range(200)))

    def settled():
        rows = cloud.query(
            "SELECT vm_state, count(*) AS n FROM compute_instance WHERE task_state IS NULL GROUP BY vm_state"
        )
        counts = {row["vm_state"]: row["n"] for row in rows}
        return counts if sum(counts.values()) == 200 else None

    counts = wait_until(settled, timeout=240, interval=0.5, message="all 200 servers to settle")

    assert counts == {"active": 120, "error": 80}
    allocations = cloud.query(
        "SELECT n.hypervisor_hostname AS node, n.vcpus, n.cpu_allocation_ratio AS ratio, n.vcpus_used, "
        "COALESCE(SUM(a.vcpus), 0) AS allocated FROM hosts_computenode n "
        "LEFT JOIN hosts_allocation a ON a.node_id = n.id GROUP BY n.id"
    )
    for node in allocations:
        assert node["vcpus_used"] == node["allocated"] <= node["vcpus"] * node["ratio"], node
    assert sum(node["allocated"] for node in allocations) == 120
    errors = cloud.query(
        "SELECT count(*) AS n FROM compute_instancefault f JOIN compute_instance i ON i.uuid = f.instance_id "
        "WHERE i.vm_state = 'error' AND f.message LIKE 'No valid host was found.%%'"
    )
    assert errors[0]["n"] == 80
    stray = cloud.query(
        "SELECT count(*) AS n FROM hosts_allocation a JOIN compute_instance i ON i.uuid = a.instance_id "
        "WHERE i.vm_state <> 'active'"
    )
    assert stray[0]["n"] == 0
    for log in ("scheduler-1.log", "scheduler-2.log"):
        assert "scheduler.select_destinations" in (cloud.log_dir / log).read_text(), f"{log} took no requests"
    assert len(ids) == 200
