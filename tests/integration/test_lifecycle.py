"""Every everyday server action through real workers: allowed from the right states, 409 from the
wrong ones, and the states the compute side leaves behind."""

import threading

import pytest

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

RATIOS = {"CPU_ALLOCATION_RATIO": "1.0", "RAM_ALLOCATION_RATIO": "1.0", "FAKE_FAIL": "^(reboot|power_off):flaky"}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    # node1: few vCPUs but the most RAM; only node2 fits m1.large (the server fixture boots on node1).
    computes = {
        "node1": {**RATIOS, "FAKE_VCPUS": "2", "FAKE_MEMORY_MB": "16384"},
        "node2": {**RATIOS, "FAKE_VCPUS": "8", "FAKE_MEMORY_MB": "8192"},
    }
    with cloud_factory(computes=computes, schedulers=1) as running:
        yield running


def act(cloud, server_id, body, expect=202):
    response = cloud.post(f"/v2.1/servers/{server_id}/action", json=body)
    assert response.status_code == expect, (body, response.status_code, response.text)
    return response


def refused(cloud, server_id, body):
    body_409 = act(cloud, server_id, body, expect=409).json()
    assert body_409["conflictingRequest"]["code"] == 409
    return body_409["conflictingRequest"]["message"]


@pytest.fixture
def server(cloud):
    # On node1, whatever ran before: the resize tests need to know where their server starts.
    server_id = cloud.boot("life", availability_zone="nova:node1")["id"]
    yield server_id
    cloud.remove(server_id)


def test_stop_start_reboot_and_the_trail_they_leave(cloud, server):
    assert "while it is in vm_state active" in refused(cloud, server, {"os-start": None})

    act(cloud, server, {"os-stop": None})
    stopped = cloud.settle(server, "SHUTOFF")
    assert (stopped["OS-EXT-STS:vm_state"], stopped["OS-EXT-STS:power_state"]) == ("stopped", 4)
    refused(cloud, server, {"os-stop": None})
    refused(cloud, server, {"reboot": {"type": "SOFT"}})
    refused(cloud, server, {"pause": None})

    act(cloud, server, {"os-start": None})
    started = cloud.settle(server, "ACTIVE")
    assert started["OS-EXT-STS:power_state"] == 1

    act(cloud, server, {"reboot": {"type": "SOFT"}})
    cloud.settle(server, "ACTIVE")

    actions = cloud.get(f"/v2.1/servers/{server}/os-instance-actions").json()["instanceActions"]
    assert [a["action"] for a in actions] == ["reboot", "start", "stop", "create"]
    for action in actions:
        detail = cloud.get(f"/v2.1/servers/{server}/os-instance-actions/{action['request_id']}").json()
        events = detail["instanceAction"]["events"]
        assert events and all(e["finish_time"] and e["result"] == "Success" for e in events), detail


def test_hard_reboot_works_from_stopped_and_paused(cloud, server):
    act(cloud, server, {"os-stop": None})
    cloud.settle(server, "SHUTOFF")
    act(cloud, server, {"reboot": {"type": "HARD"}})
    assert cloud.settle(server, "ACTIVE")["OS-EXT-STS:power_state"] == 1

    act(cloud, server, {"pause": None})
    cloud.settle(server, "PAUSED")
    act(cloud, server, {"reboot": {"type": "HARD"}})
    cloud.settle(server, "ACTIVE")


def test_pause_unpause_suspend_resume(cloud, server):
    refused(cloud, server, {"unpause": None})
    refused(cloud, server, {"resume": None})

    act(cloud, server, {"pause": None})
    paused = cloud.settle(server, "PAUSED")
    assert (paused["OS-EXT-STS:vm_state"], paused["OS-EXT-STS:power_state"]) == ("paused", 3)
    refused(cloud, server, {"suspend": None})
    act(cloud, server, {"unpause": None})
    cloud.settle(server, "ACTIVE")

    act(cloud, server, {"suspend": None})
    suspended = cloud.settle(server, "SUSPENDED")
    assert (suspended["OS-EXT-STS:vm_state"], suspended["OS-EXT-STS:power_state"]) == ("suspended", 7)
    refused(cloud, server, {"pause": None})
    act(cloud, server, {"resume": None})
    cloud.settle(server, "ACTIVE")


def test_two_concurrent_stops_one_wins(cloud, server):
    barrier = threading.Barrier(2)
    codes = []

    def stop():
        barrier.wait()
        codes.append(cloud.post(f"/v2.1/servers/{server}/action", json={"os-stop": None}).status_code)

    threads = [threading.Thread(target=stop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(codes) == [202, 409]
    cloud.settle(server, "SHUTOFF")
    actions = cloud.get(f"/v2.1/servers/{server}/os-instance-actions").json()["instanceActions"]
    assert [a["action"] for a in actions].count("stop") == 1


def test_rebuild_keeps_a_stopped_server_stopped(cloud, server):
    image = cloud.demo_image_id()
    body = act(cloud, server, {"rebuild": {"imageRef": image, "name": "rebuilt"}}).json()["server"]
    assert body["name"] == "rebuilt" and body["status"] == "REBUILD"
    cloud.settle(server, "ACTIVE")

    act(cloud, server, {"os-stop": None})
    cloud.settle(server, "SHUTOFF")
    act(cloud, server, {"rebuild": {"imageRef": image}})
    cloud.settle(server, "SHUTOFF")


def test_create_image_makes_an_active_snapshot(cloud, server):
    response = act(cloud, server, {"createImage": {"name": "snap", "metadata": {"purpose": "test"}}})
    image_id = response.headers["Location"].rsplit("/", 1)[-1]  # the body carries image_id from 2.45

    image = wait_until(
        lambda: (i := cloud.get(f"/v2.1/images/{image_id}").json()["image"])["status"] == "ACTIVE" and i,
        message="the snapshot to become ACTIVE",
    )
    assert image["name"] == "snap" and image["OS-EXT-IMG-SIZE:size"] > 0
    assert image["metadata"]["purpose"] == "test" and image["metadata"]["instance_uuid"] == server
    cloud.settle(server, "ACTIVE")


def test_console_output(cloud, server):
    act(cloud, server, {"reboot": {"type": "SOFT"}})
    cloud.settle(server, "ACTIVE")
    output = act(cloud, server, {"os-getConsoleOutput": {}}, expect=200).json()["output"]
    assert "booted life" in output and "rebooted (soft)" in output
    last = act(cloud, server, {"os-getConsoleOutput": {"length": 1}}, expect=200).json()["output"]
    assert last == "rebooted (soft)\n"


def test_a_failed_operation_clears_the_task_and_says_why(cloud):
    server_id = cloud.boot("flaky-1")["id"]

    act(cloud, server_id, {"reboot": {"type": "SOFT"}})

    server = wait_until(
        lambda: (s := cloud.server(server_id)) and s["OS-EXT-STS:task_state"] is None and s,
        message="the reboot to finish",
    )
    assert server["status"] == "ACTIVE"
    faults = cloud.query("SELECT message FROM compute_instancefault WHERE instance_id = %s", server_id)
    assert any("told to fail reboot" in f["message"] for f in faults)
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json()["instanceActions"]
    reboot = next(a for a in actions if a["action"] == "reboot")
    detail = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions/{reboot['request_id']}").json()
    assert [(e["event"], e["result"]) for e in detail["instanceAction"]["events"]] == [
        ("compute_reboot_instance", "Error")
    ]
    assert detail["instanceAction"]["message"] == "Error"
    cloud.delete(f"/v2.1/servers/{server_id}")


def node_usage(cloud):
    return {name: (row["vcpus_used"], row["memory_mb_used"]) for name, row in cloud.nodes().items()}


def test_diagnostics_are_answered_by_the_servers_host(cloud):
    [network] = cloud.get("/network/v2.0/networks?name=public").json()["networks"]
    server_id = cloud.boot("diag", networks=[{"uuid": network["id"]}])["id"]
    [port] = cloud.get(f"/network/v2.0/ports?device_id={server_id}").json()["ports"]
    path, v2_48 = f"/v2.1/servers/{server_id}/diagnostics", {"OpenStack-API-Version": "compute 2.48"}

    free_form = cloud.get(path)
    assert free_form.status_code == 200, free_form.text
    assert free_form.json()["memory"] == 512 * 1024 and "cpu0_time" in free_form.json()  # m1.tiny, in KiB
    standard = cloud.get(path, headers=v2_48).json()
    assert (standard["state"], standard["num_cpus"], standard["memory_details"]["maximum"]) == ("running", 1, 512)
    assert [nic["mac_address"] for nic in standard["nic_details"]] == [port["mac_address"]]

    act(cloud, server_id, {"os-stop": None})
    cloud.settle(server_id, "SHUTOFF")
    stopped = cloud.get(path, headers=v2_48)
    assert stopped.status_code == 409, stopped.text
    assert stopped.json()["conflictingRequest"]["message"].endswith("while it is in power state shutdown")
    cloud.remove(server_id)


def test_resize_moves_to_the_only_host_that_fits_and_revert_brings_it_back(cloud, server):
    assert cloud.server(server)["OS-EXT-SRV-ATTR:host"] == "node1"
    before = node_usage(cloud)

    act(cloud, server, {"resize": {"flavorRef": "4"}})  # m1.large: 4 vCPUs, 8192 MB
    resized = cloud.settle(server, "VERIFY_RESIZE")

    assert resized["OS-EXT-SRV-ATTR:host"] == "node2" and resized["flavor"]["id"] == "4"
    assert sorted((a["node"], a["vcpus"]) for a in cloud.allocations(server)) == [("node1", 1), ("node2", 4)]
    usage = node_usage(cloud)
    assert usage["node1"] == before["node1"] and usage["node2"] == (before["node2"][0] + 4, before["node2"][1] + 8192)
    [migration] = cloud.get(f"/v2.1/os-migrations?instance_uuid={server}").json()["migrations"]
    assert (migration["status"], migration["source_compute"], migration["dest_compute"]) == (
        "finished",
        "node1",
        "node2",
    )
    assert server in cloud.call("node2", "compute.list_instances")

    act(cloud, server, {"revertResize": None})
    reverted = cloud.settle(server, "ACTIVE")

    assert reverted["OS-EXT-SRV-ATTR:host"] == "node1" and reverted["flavor"]["id"] == "1"
    assert [(a["node"], a["vcpus"]) for a in cloud.allocations(server)] == [("node1", 1)]
    assert node_usage(cloud) == before
    assert server not in cloud.call("node2", "compute.list_instances")
    assert server in cloud.call("node1", "compute.list_instances")
    status = cloud.get("/v2.1/os-migrations").json()["migrations"][0]["status"]
    assert status == "reverted"


def test_resize_confirm_frees_the_source(cloud, server):
    before = node_usage(cloud)
    refused(cloud, server, {"confirmResize": None})

    act(cloud, server, {"resize": {"flavorRef": "4"}})
    cloud.settle(server, "VERIFY_RESIZE")
    act(cloud, server, {"confirmResize": None}, expect=204)
    confirmed = cloud.settle(server, "ACTIVE")

    assert confirmed["OS-EXT-SRV-ATTR:host"] == "node2"
    assert [(a["node"], a["vcpus"]) for a in cloud.allocations(server)] == [("node2", 4)]
    usage = node_usage(cloud)
    assert usage["node1"] == (before["node1"][0] - 1, before["node1"][1] - 512)
    assert server not in cloud.call("node1", "compute.list_instances")


def test_cold_migrate_a_stopped_server(cloud, server):
    act(cloud, server, {"os-stop": None})
    cloud.settle(server, "SHUTOFF")

    act(cloud, server, {"migrate": None})
    migrated = cloud.settle(server, "VERIFY_RESIZE")
    assert migrated["OS-EXT-SRV-ATTR:host"] == "node2" and migrated["OS-EXT-STS:power_state"] == 4

    act(cloud, server, {"confirmResize": None}, expect=204)
    cloud.settle(server, "SHUTOFF")
    assert [a["node"] for a in cloud.allocations(server)] == ["node2"]


def test_resize_with_nowhere_to_go_keeps_the_server_as_it_was(cloud, server):
    act(cloud, server, {"resize": {"flavorRef": "5"}})  # m1.xlarge fits nowhere

    server_body = wait_until(
        lambda: (s := cloud.server(server)) and s["OS-EXT-STS:task_state"] is None and s,
        message="the resize to give up",
    )
    assert server_body["status"] == "ACTIVE" and server_body["OS-EXT-SRV-ATTR:host"] == "node1"
    assert [a["node"] for a in cloud.allocations(server)] == ["node1"]
    [migration] = cloud.get(f"/v2.1/os-migrations?instance_uuid={server}").json()["migrations"]
    assert migration["status"] == "error"


def test_reset_state_and_force_delete(cloud, server):
    act(cloud, server, {"os-resetState": {"state": "error"}})
    assert cloud.server(server)["status"] == "ERROR"
    act(cloud, server, {"reboot": {"type": "HARD"}})
    cloud.settle(server, "ACTIVE")

    act(cloud, server, {"forceDelete": None})
    wait_until(lambda: cloud.get(f"/v2.1/servers/{server}").status_code == 404, message="the server to go")
    assert cloud.allocations(server) == []
