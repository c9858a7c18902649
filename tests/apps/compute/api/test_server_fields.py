"""What a server request may carry beside its name, as Nova: ``OS-DCF:diskConfig``, access IPs and a
chosen ``adminPass``; the server password; the ``ip``/``ip6`` filters; ``x-compute-request-id``;
``injectNetworkInfo``; the actions of a deleted server (2.21)."""

import json

import pytest

from apps.compute.models import Instance
from apps.compute.servers.delete import mark_deleted
from apps.network import ipam
from apps.network.models import Port
from tests.fixtures.factories import client_for, make_flavor, make_node, make_server, make_user

pytestmark = pytest.mark.django_db


def post(client, image, **server):
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none", **server}}
    return client.post("/v2.1/servers", json.dumps(body), content_type="application/json")


def act(client, server_id, body):
    return client.post(f"/v2.1/servers/{server_id}/action", body, format="json")


def test_create_keeps_disk_config_access_ips_and_the_given_password(member_client, flavor, image, casts):
    response = post(member_client, image, adminPass="s3cret-Pass", accessIPv4="192.0.2.10",
                    accessIPv6="2001:db8::10", **{"OS-DCF:diskConfig": "AUTO"})  # fmt: skip

    assert response.status_code == 202, response.content
    server = response.json()["server"]
    assert server["adminPass"] == "s3cret-Pass" and server["OS-DCF:diskConfig"] == "AUTO"
    shown = member_client.get(f"/v2.1/servers/{server['id']}").json()["server"]
    assert (shown["accessIPv4"], shown["accessIPv6"], shown["OS-DCF:diskConfig"]) == (
        "192.0.2.10", "2001:db8::10", "AUTO"
    )  # fmt: skip
    assert "s3cret-Pass" not in json.dumps(list(Instance.objects.filter(uuid=server["id"]).values()), default=str)
    other = post(member_client, image).json()["server"]
    assert other["OS-DCF:diskConfig"] == "MANUAL" and len(other["adminPass"]) >= 12


@pytest.mark.parametrize(
    ("field", "value"),
    [("accessIPv4", "300.1.1.1"), ("accessIPv4", "2001:db8::1"), ("accessIPv6", "192.0.2.1"),
     ("OS-DCF:diskConfig", "auto"), ("adminPass", "x" * 256)],
)  # fmt: skip
def test_bad_values_are_400_and_create_nothing(member_client, flavor, image, casts, field, value):
    response = post(member_client, image, **{field: value})

    assert response.status_code == 400, response.content
    assert field in response.json()["badRequest"]["message"]
    assert not Instance.objects.exists() and casts("scheduler") == []


def test_update_sets_and_clears_access_ips_and_disk_config(member_client, member, flavor, image):
    server = make_server(member, flavor, image)
    url = f"/v2.1/servers/{server.uuid}"

    body = {"server": {"accessIPv4": "198.51.100.7", "accessIPv6": "2001:db8::7", "OS-DCF:diskConfig": "AUTO"}}
    answer = member_client.put(url, body, format="json").json()["server"]

    assert (answer["accessIPv4"], answer["accessIPv6"], answer["OS-DCF:diskConfig"]) == (
        "198.51.100.7", "2001:db8::7", "AUTO"
    )  # fmt: skip
    assert member_client.put(url, {"server": {"accessIPv4": "bad"}}, format="json").status_code == 400
    server.refresh_from_db()
    assert server.access_ip_v4 == "198.51.100.7"


def test_rebuild_returns_the_given_password_and_sets_what_it_carries(member_client, member, flavor, image, casts):
    server = make_server(member, flavor, image, metadata={"old": "1"})

    response = act(member_client, server.uuid, {"rebuild": {
        "imageRef": str(image.id), "adminPass": "chosen-one", "metadata": {"new": "2"}, "accessIPv4": "192.0.2.44",
        "OS-DCF:diskConfig": "AUTO"}})  # fmt: skip

    assert response.status_code == 202, response.content
    body = response.json()["server"]
    assert body["adminPass"] == "chosen-one" and body["metadata"] == {"new": "2"}
    assert (body["accessIPv4"], body["OS-DCF:diskConfig"]) == ("192.0.2.44", "AUTO")
    [(task, fields)] = casts("compute.node1")
    assert task == "compute.rebuild_instance" and fields["instance"]["metadata"] == {"new": "2"}


def test_resize_keeps_the_disk_config(member_client, member, flavor, image, casts):
    make_flavor("2", "m1.small", 1, 1024, 2)
    server = make_server(member, flavor, image)

    response = act(member_client, server.uuid, {"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "AUTO"}})

    assert response.status_code == 202, response.content
    server.refresh_from_db()
    assert server.disk_config == "AUTO"


def test_server_password_shows_and_clears_what_the_guest_posted(member_client, member, flavor, image):
    server = make_server(member, flavor, image)
    url = f"/v2.1/servers/{server.uuid}/os-server-password"
    assert member_client.get(url).json() == {"password": ""}
    Instance.objects.filter(uuid=server.uuid).update(password="c2VjcmV0LWVuY3J5cHRlZA==")

    assert member_client.get(url).json() == {"password": "c2VjcmV0LWVuY3J5cHRlZA=="}
    stranger = client_for(make_user(username="stranger"))
    assert stranger.get(url).status_code == 404 and stranger.delete(url).status_code == 404
    assert member_client.delete(url).status_code == 204
    assert member_client.get(url).json() == {"password": ""}


def test_ip_filters_match_fixed_addresses_from_their_start(member, flavor, image, casts):
    network = ipam.ensure_default_network()
    first, second = make_server(member, flavor, image), make_server(member, flavor, image)
    for server in (first, second):
        ipam.allocate_port(instance_uuid=str(server.uuid), project=member.default_project, network_id=network.id)
    Port.objects.create(network=network, subnet=network.subnets.first(), mac_address="fa:16:3e:00:00:99",
                        fixed_ip="2001:db8::5", device_id=str(second.uuid))  # fmt: skip
    address = Port.objects.get(device_id=str(first.uuid)).fixed_ip

    def ids(client, query):
        response = client.get(f"/v2.1/servers?{query}")
        assert response.status_code == 200, response.content
        return {s["id"] for s in response.json()["servers"]}

    v21, v25 = client_for(member, "compute 2.1"), client_for(member, "compute 2.5")
    assert ids(v21, f"ip={address}") == {str(first.uuid)}
    assert ids(v21, "ip=10%5C.0") == {str(first.uuid), str(second.uuid)}
    assert ids(v21, "ip=0.0.2") == set()  # from the start, as Python's re.match
    assert ids(v21, "ip6=2001") == {str(first.uuid), str(second.uuid)}  # a member's ip6 before 2.5: ignored
    assert ids(v25, "ip6=2001:db8") == {str(second.uuid)}
    assert ids(v25, "ip=2001") == set()  # ip looks at IPv4 addresses only
    for bad in ("ip=(", "ip=a{2,1}", "ip6=(%3FP%3Cx%3E1)"):
        response = v25.get(f"/v2.1/servers?{bad}")
        assert response.status_code == 400, (bad, response.content)


def test_compute_answers_carry_x_compute_request_id(member_client, flavor):
    response = member_client.get("/v2.1/flavors")

    assert response["x-compute-request-id"] == response["x-openstack-request-id"]
    assert "x-compute-request-id" not in member_client.get("/image/v2/images")


def test_inject_network_info_is_an_admins_message_to_the_host(admin_client, member_client, member, flavor, image,
                                                             casts):  # fmt: skip
    server = make_server(member, flavor, image)

    assert act(member_client, server.uuid, {"injectNetworkInfo": None}).status_code == 403
    assert act(admin_client, server.uuid, {"injectNetworkInfo": None}).status_code == 202
    [(task, fields)] = casts("compute.node1")
    assert task == "compute.inject_network_info" and fields["instance"]["uuid"] == str(server.uuid)

    down = make_server(member, flavor, image, host="gone")
    make_node("gone2", up=False)
    Instance.objects.filter(uuid=down.uuid).update(host="gone2", node="gone2")
    assert act(admin_client, down.uuid, {"injectNetworkInfo": None}).status_code == 409


def test_actions_of_a_deleted_server_from_2_21(member, flavor, image):
    server = make_server(member, flavor, image)
    mark_deleted(server.uuid)
    url = f"/v2.1/servers/{server.uuid}/os-instance-actions"

    assert client_for(member, "compute 2.20").get(url).status_code == 404
    response = client_for(member, "compute 2.21").get(url)
    assert response.status_code == 200, response.content
    stranger = client_for(make_user(username="stranger2"), "compute 2.21")
    assert stranger.get(url).status_code == 404
