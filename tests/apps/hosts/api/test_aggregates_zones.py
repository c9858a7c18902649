import pytest

from tests.fixtures.factories import make_node

pytestmark = pytest.mark.django_db


def test_aggregates_are_admin_only(member_client):
    assert member_client.get("/v2.1/os-aggregates").status_code == 403
    assert member_client.post("/v2.1/os-aggregates", {"aggregate": {"name": "x"}}, format="json").status_code == 403


def test_aggregate_lifecycle_and_zones(admin_client):
    make_node("node1")
    make_node("node2")
    created = admin_client.post("/v2.1/os-aggregates", {"aggregate": {"name": "fast", "availability_zone": "east"}},
                                format="json").json()["aggregate"]  # fmt: skip
    assert (created["name"], created["availability_zone"]) == ("fast", "east")
    assert not {"hosts", "metadata", "uuid"} & set(created)  # a create answers without them (uuid: 2.41)
    url = f"/v2.1/os-aggregates/{created['id']}/action"

    added = admin_client.post(url, {"add_host": {"host": "node1"}}, format="json").json()["aggregate"]
    assert added["hosts"] == ["node1"]
    assert admin_client.post(url, {"add_host": {"host": "node1"}}, format="json").status_code == 409
    assert admin_client.post(url, {"add_host": {"host": "nope"}}, format="json").status_code == 404
    meta = admin_client.post(url, {"set_metadata": {"metadata": {"disk": "ssd"}}}, format="json").json()
    assert meta["aggregate"]["metadata"] == {"availability_zone": "east", "disk": "ssd"}
    removed = admin_client.post(url, {"set_metadata": {"metadata": {"disk": None}}}, format="json").json()
    assert removed["aggregate"]["metadata"] == {"availability_zone": "east"}

    zones = admin_client.get("/v2.1/os-availability-zone").json()["availabilityZoneInfo"]
    assert sorted(z["zoneName"] for z in zones) == ["east", "nova"]
    detail = admin_client.get("/v2.1/os-availability-zone/detail").json()["availabilityZoneInfo"]
    assert {z["zoneName"]: sorted(z["hosts"]) for z in detail} == {"east": ["node1"], "nova": ["node2"]}

    other = admin_client.post("/v2.1/os-aggregates", {"aggregate": {"name": "west", "availability_zone": "west"}},
                              format="json").json()["aggregate"]  # fmt: skip
    clash = admin_client.post(
        f"/v2.1/os-aggregates/{other['id']}/action", {"add_host": {"host": "node1"}}, format="json"
    )
    assert clash.status_code == 409
    assert admin_client.delete(f"/v2.1/os-aggregates/{created['id']}").status_code == 400  # still has hosts
    admin_client.post(url, {"remove_host": {"host": "node1"}}, format="json")
    assert admin_client.delete(f"/v2.1/os-aggregates/{created['id']}").status_code == 200
    assert admin_client.get(f"/v2.1/os-aggregates/{created['id']}").status_code == 404


def test_member_sees_zones_without_hosts(member_client, db):
    make_node("node1")
    zones = member_client.get("/v2.1/os-availability-zone").json()["availabilityZoneInfo"]
    assert zones == [{"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}]
    assert member_client.get("/v2.1/os-availability-zone/detail").status_code == 403
