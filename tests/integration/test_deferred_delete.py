"""Deferred delete through real workers and beat: a deleted server is powered off and keeps its
claim, comes back with restore, and is reclaimed (its resources freed only then) once the interval
has passed. The same cloud answers the host queries Nova serves before 2.53: hypervisor uptime,
search and servers, and injectNetworkInfo reaching the guest."""

import pytest

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

RECLAIM_SECONDS = 4
OLD = {"OpenStack-API-Version": "compute 2.1"}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    env = {"RECLAIM_INSTANCE_INTERVAL": str(RECLAIM_SECONDS)}
    with cloud_factory(computes={"node1": {}}, schedulers=1, env=env, beat=True) as running:
        yield running


def act(cloud, server_id, body, expect=202):
    response = cloud.post(f"/v2.1/servers/{server_id}/action", json=body)
    assert response.status_code == expect, (body, response.status_code, response.text)
    return response


def soft_delete(cloud, server_id):
    assert cloud.delete(f"/v2.1/servers/{server_id}").status_code == 204
    server = cloud.wait_for_status(server_id, "SOFT_DELETED", "ERROR")
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("SOFT_DELETED", 4), server
    return server


def test_restore_before_expiry_then_reclaim_after_it(cloud):
    server_id = cloud.boot("keep-me")["id"]
    claimed = cloud.allocations(server_id)
    assert claimed

    soft_delete(cloud, server_id)
    assert cloud.allocations(server_id) == claimed  # resources stay claimed while it can come back
    act(cloud, server_id, {"restore": None})
    assert cloud.settle(server_id, "ACTIVE")["OS-EXT-STS:power_state"] == 1

    soft_delete(cloud, server_id)
    assert cloud.allocations(server_id) == claimed
    wait_until(lambda: cloud.server(server_id) is None, timeout=RECLAIM_SECONDS * 6, message="the reclaim")
    assert cloud.allocations(server_id) == []
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions", headers={
        "OpenStack-API-Version": "compute 2.21"}).json()["instanceActions"]  # fmt: skip
    assert [a["action"] for a in actions] == ["delete", "delete", "restore", "delete", "create"]
    assert server_id not in cloud.call("node1", "compute.list_instances")


def test_force_delete_does_not_wait_for_the_reclaim(cloud):
    server_id = cloud.boot("go-now")["id"]
    soft_delete(cloud, server_id)

    act(cloud, server_id, {"forceDelete": None})

    wait_until(lambda: cloud.server(server_id) is None, timeout=RECLAIM_SECONDS, message="the force delete")
    assert cloud.allocations(server_id) == []


def test_hypervisor_uptime_search_and_servers_before_2_53(cloud):
    server_id = cloud.boot("on-node1")["id"]
    [hypervisor] = cloud.get("/v2.1/os-hypervisors", headers=OLD).json()["hypervisors"]

    uptime = cloud.get(f"/v2.1/os-hypervisors/{hypervisor['id']}/uptime", headers=OLD)
    assert uptime.status_code == 200, uptime.text
    assert " up " in uptime.json()["hypervisor"]["uptime"] and "load average:" in uptime.json()["hypervisor"]["uptime"]
    search = cloud.get("/v2.1/os-hypervisors/node/search", headers=OLD).json()["hypervisors"]
    assert [h["hypervisor_hostname"] for h in search] == ["node1"]
    servers = cloud.get("/v2.1/os-hypervisors/node1/servers", headers=OLD).json()["hypervisors"][0]["servers"]
    assert {"uuid": server_id, "name": "on-node1"} in servers
    assert cloud.get("/v2.1/os-hypervisors/nothing/search", headers=OLD).status_code == 404


def test_inject_network_info_reaches_the_guest(cloud):
    server_id = cloud.boot("inject")["id"]

    act(cloud, server_id, {"injectNetworkInfo": None})

    def console():
        return act(cloud, server_id, {"os-getConsoleOutput": {}}, expect=200).json()["output"]

    output = wait_until(lambda: "network info injected" in (text := console()) and text, timeout=15,
                        message="the injection to reach the guest")  # fmt: skip
    assert output.startswith("[node1] booted inject")  # no length: the whole log
