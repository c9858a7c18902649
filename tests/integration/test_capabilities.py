"""A node reports what its driver can do; the API refuses what the server's node lacks, before any
state changes, and still does everything else there."""

import pytest

pytestmark = pytest.mark.integration


def test_a_node_without_suspend_or_snapshots_gets_409s_for_them_and_serves_the_rest(cloud_factory):
    computes = {"node1": {"FAKE_LACKS": "supports_suspend,supports_snapshot"}}
    with cloud_factory(computes=computes, schedulers=1) as cloud:
        [row] = cloud.query("SELECT capabilities FROM hosts_computenode WHERE hypervisor_hostname = 'node1'")
        assert row["capabilities"]["supports_suspend"] is False and row["capabilities"]["supports_pause"] is True
        server_id = cloud.create_server("plain")
        cloud.wait_for_status(server_id, "ACTIVE")
        images_before = cloud.query("SELECT count(*) AS n FROM images_image")[0]["n"]

        for body in ({"suspend": None}, {"createImage": {"name": "snap"}}):
            response = cloud.post(f"/v2.1/servers/{server_id}/action", json=body)
            assert response.status_code == 409, response.text
            assert "does not support it" in response.json()["conflictingRequest"]["message"]
        server = cloud.server(server_id)
        assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
        assert cloud.query("SELECT count(*) AS n FROM images_image")[0]["n"] == images_before

        assert cloud.post(f"/v2.1/servers/{server_id}/action", json={"pause": None}).status_code == 202
        assert cloud.wait_for_status(server_id, "PAUSED")["status"] == "PAUSED"
