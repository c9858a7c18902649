"""Servers on the flat network: a fixed IP each, shown in ``addresses`` and ``/ips``, freed on delete."""

import json

import pytest

from apps.compute.models import Instance
from apps.compute.servers.delete import mark_deleted
from apps.network import ipam
from apps.network.models import Port

pytestmark = pytest.mark.django_db


def create(client, image, **server):
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), **server}}
    return client.post("/v2.1/servers", json.dumps(body), content_type="application/json")


@pytest.fixture
def network(db):
    return ipam.ensure_default_network()


def test_a_server_gets_a_fixed_ip_shown_in_addresses_and_ips(member_client, flavor, image, network, casts):
    response = create(member_client, image, networks="auto")
    assert response.status_code == 202, response.content
    server_id = response.json()["server"]["id"]
    addresses = member_client.get(f"/v2.1/servers/{server_id}").json()["server"]["addresses"]
    (entry,) = addresses[network.name]
    assert entry["version"] == 4 and entry["addr"] == "10.0.0.2" and entry["OS-EXT-IPS:type"] == "fixed"
    assert entry["OS-EXT-IPS-MAC:mac_addr"].startswith("fa:16:3e:")
    assert member_client.get(f"/v2.1/servers/{server_id}/ips").json() == {"addresses": addresses}
    assert member_client.get(f"/v2.1/servers/{server_id}/ips/{network.name}").json() == addresses
    assert member_client.get(f"/v2.1/servers/{server_id}/ips/other").status_code == 404
    listed = member_client.get("/v2.1/servers/detail").json()["servers"][0]
    assert listed["addresses"] == addresses

    second = create(member_client, image, networks=[{"uuid": str(network.id)}]).json()["server"]["id"]
    assert member_client.get(f"/v2.1/servers/{second}").json()["server"]["addresses"][network.name][0]["addr"] == (
        "10.0.0.3"
    )
    mark_deleted(server_id)
    assert not Port.objects.filter(device_id=server_id).exists()
    third = create(member_client, image).json()["server"]["id"]  # no networks: the default one
    assert member_client.get(f"/v2.1/servers/{third}").json()["server"]["addresses"][network.name][0]["addr"] == (
        "10.0.0.2"
    )


def test_networks_none_and_bad_requests(member_client, flavor, image, network, casts):
    server_id = create(member_client, image, networks="none").json()["server"]["id"]
    assert member_client.get(f"/v2.1/servers/{server_id}").json()["server"]["addresses"] == {}
    before = Instance.objects.count()
    for networks in ([{"uuid": "00000000-0000-0000-0000-000000000000"}], [{"port": "x"}], [{"uuid": 5}], "some"):
        response = create(member_client, image, networks=networks)
        assert response.status_code == 400, networks
        assert "badRequest" in response.json()
    assert Instance.objects.count() == before  # nothing half-written
    assert Port.objects.count() == 0


def test_networks_is_required_from_2_37(member_client, flavor, image, network, casts):
    body = json.dumps({"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id)}})
    response = member_client.post("/v2.1/servers", body, content_type="application/json",
                                  HTTP_OPENSTACK_API_VERSION="compute 2.37")  # fmt: skip
    assert (
        response.status_code == 400 and "'networks' is a required property" in response.json()["badRequest"]["message"]
    )
