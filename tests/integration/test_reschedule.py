"""Build failures: a failed host hands the build to an alternate; failing everywhere ends in ERROR."""

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    # node1 has more free RAM, so the RAM weigher always tries it first; it fails every build.
    # node2 fails only builds of servers named doomed-*.
    computes = {
        "node1": {"FAKE_MEMORY_MB": "16384", "FAKE_FAIL_SPAWN": ".*"},
        "node2": {"FAKE_MEMORY_MB": "8192", "FAKE_FAIL_SPAWN": "^doomed-"},
    }
    with cloud_factory(computes=computes, schedulers=1) as running:
        yield running


def events_of_create(cloud, server_id):
    """The create action's events with their hosts (the API shows an event's host only from 2.62)."""
    rows = cloud.query(
        "SELECT e.event, e.result, e.host FROM compute_instanceactionevent e JOIN compute_instanceaction a "
        "ON a.id = e.action_id WHERE a.instance_id = %s AND a.action = 'create' ORDER BY e.id",
        server_id,
    )
    return [(r["event"], r["result"], r["host"]) for r in rows]


def test_a_failed_build_is_rescheduled_to_the_other_host(cloud):
    server_id = cloud.create_server("resched-1")

    server = cloud.wait_for_status(server_id, "ACTIVE", "ERROR")

    assert server["status"] == "ACTIVE"
    assert server["OS-EXT-SRV-ATTR:host"] == "node2"
    assert [a["node"] for a in cloud.allocations(server_id)] == ["node2"]
    assert cloud.nodes()["node1"]["vcpus_used"] == 0
    assert server_id not in cloud.call("node1", "compute.list_instances")
    events = events_of_create(cloud, server_id)
    assert events == [
        ("schedule_instances", "Success", None),
        ("compute_build_and_run_instance", "Error", "node1"),
        ("conductor_reschedule", "Success", None),
        ("compute_build_and_run_instance", "Success", "node2"),
    ]


def test_failing_everywhere_ends_in_error_with_a_fault_and_no_allocation(cloud):
    server_id = cloud.create_server("doomed-1")

    server = cloud.wait_for_status(server_id, "ERROR", "ACTIVE")

    assert server["status"] == "ERROR"
    assert server["fault"]["message"].startswith("No valid host was found.")
    assert server["fault"]["details"].startswith("last failure on node")
    assert server["OS-EXT-SRV-ATTR:host"] is None
    assert cloud.allocations(server_id) == []
    assert {n: row["vcpus_used"] for n, row in cloud.nodes().items() if n == "node1"} == {"node1": 0}
    results = [(event, result) for event, result, _ in events_of_create(cloud, server_id)]
    assert results[-1] == ("conductor_reschedule", "Error")
    assert results.count(("compute_build_and_run_instance", "Error")) == 2

    assert cloud.delete(f"/v2.1/servers/{server_id}").status_code == 204
    assert cloud.get(f"/v2.1/servers/{server_id}").status_code == 404
