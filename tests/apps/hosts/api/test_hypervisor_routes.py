"""The os-hypervisors routes Nova serves before 2.53: search and servers by a hostname pattern, and
uptime (asked of the host; the answer from a real worker is in tests/integration/test_deferred_delete.py)."""

import pytest

from apps.compute.models import Instance
from apps.compute.servers.delete import mark_deleted
from apps.hosts.models import ComputeNode
from tests.fixtures.factories import client_for, make_node, make_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_21(admin_user):
    return client_for(admin_user, "compute 2.1")


def test_search_matches_part_of_the_hostname(admin_21, member_client):
    make_node("rack1-node1")
    make_node("rack1-node2")
    make_node("rack2-node1")

    found = admin_21.get("/v2.1/os-hypervisors/rack1/search")

    assert found.status_code == 200, found.content
    assert sorted(h["hypervisor_hostname"] for h in found.json()["hypervisors"]) == ["rack1-node1", "rack1-node2"]
    assert all(isinstance(h["id"], int) and set(h) == {"id", "hypervisor_hostname", "state", "status"}
               for h in found.json()["hypervisors"])  # fmt: skip
    missing = admin_21.get("/v2.1/os-hypervisors/rack9/search")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "No hypervisor matching 'rack9' could be found."
    assert member_client.get("/v2.1/os-hypervisors/rack1/search").status_code == 403


def test_servers_lists_the_live_servers_of_each_match(admin_21, member, flavor, image):
    kept = make_server(member, flavor, image, host="rack1-node1", name="kept")
    gone = make_server(member, flavor, image, host="rack1-node1", name="gone")
    mark_deleted(gone.uuid)
    make_node("rack1-node2")

    hypervisors = admin_21.get("/v2.1/os-hypervisors/rack1/servers").json()["hypervisors"]

    by_name = {h["hypervisor_hostname"]: h for h in hypervisors}
    assert by_name["rack1-node1"]["servers"] == [{"uuid": str(kept.uuid), "name": "kept"}]
    assert "servers" not in by_name["rack1-node2"]  # none there: no key, as Nova before 2.75


def test_these_routes_are_gone_from_2_53(admin_user, monkeypatch):
    from apps.common import microversion

    monkeypatch.setattr(microversion, "MAX_VERSION", max(microversion.MAX_VERSION, (2, 53)))
    make_node("rack1-node1")
    client = client_for(admin_user, "compute 2.53")

    assert client.get("/v2.1/os-hypervisors/rack1/search").status_code == 404
    assert client.get("/v2.1/os-hypervisors/rack1/servers").status_code == 404


def test_uptime_of_a_down_or_unknown_hypervisor(admin_21):
    make_node("asleep", up=False)
    node = ComputeNode.objects.get(hypervisor_hostname="asleep")

    down = admin_21.get(f"/v2.1/os-hypervisors/{node.pk}/uptime")
    assert down.status_code == 400
    assert down.json()["badRequest"]["message"] == "Compute service of asleep is unavailable at this time."
    for unknown in ("999999", "99999999999999999999", "abc"):
        response = admin_21.get(f"/v2.1/os-hypervisors/{unknown}/uptime")
        assert response.status_code == 404, (unknown, response.content)
        assert response.json()["itemNotFound"]["message"] == f"Hypervisor with ID '{unknown}' could not be found."


def test_with_servers_is_a_2_53_query(admin_21, member, flavor, image):
    make_server(member, flavor, image, host="rack1-node1")

    listed = admin_21.get("/v2.1/os-hypervisors?with_servers=true").json()["hypervisors"]

    assert "servers" not in listed[0]
    assert Instance.objects.count() == 1
