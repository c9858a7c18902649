"""The Networking API v2.0: discovery, networks, subnets, ports, visibility and Neutron's error bodies."""

import uuid

import pytest
from rest_framework.test import APIClient

from apps.identity.models import RoleName
from apps.network import ipam
from apps.network.models import Network, Port, Subnet
from tests.apps.network.factories import make_network
from tests.fixtures.factories import client_for, make_project, make_user

pytestmark = pytest.mark.django_db

API = "/network/v2.0"


def error(response) -> tuple[int, str, str]:
    body = response.json()["NeutronError"]
    assert body["detail"] == ""
    return response.status_code, body["type"], body["message"]


@pytest.fixture
def nets(member):
    """A shared network, the member's own network and another project's network."""
    other = make_project()
    return {
        "shared": make_network(name="public", shared=True, cidr="10.0.0.0/24"),
        "own": make_network(name="mine", project=member.default_project, cidr="10.1.0.0/24"),
        "foreign": make_network(name="theirs", project=other, cidr="10.2.0.0/24"),
    }


# -- discovery -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/network", "/network/"])
def test_versions_document_needs_no_token(path):
    response = APIClient().get(path)
    assert response.status_code == 200
    assert response.json() == {
        "versions": [
            {"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": "http://testserver/network/v2.0/"}]}
        ]
    }


def test_v2_root_lists_the_resources():
    response = APIClient().get(f"{API}/")
    assert response.status_code == 200
    resources = {r["collection"]: r for r in response.json()["resources"]}
    assert set(resources) == {"networks", "subnets", "ports"}  # Neutron's core resources only
    assert resources["networks"]["name"] == "network"
    assert resources["networks"]["links"] == [{"rel": "self", "href": f"http://testserver{API}/networks"}]


def test_extensions_are_empty(member_client):
    assert member_client.get(f"{API}/extensions").json() == {"extensions": []}
    assert error(member_client.get(f"{API}/extensions/quotas"))[:2] == (404, "HTTPNotFound")


def test_without_credentials_is_401_in_neutron_shape():
    response = APIClient().get(f"{API}/networks")
    assert error(response)[:2] == (401, "HTTPUnauthorized")
    assert response["WWW-Authenticate"].startswith("Keystone")


# -- networks --------------------------------------------------------------------------------


def test_member_sees_shared_and_own_networks_only(member_client, nets):
    response = member_client.get(f"{API}/networks")
    assert response.status_code == 200
    assert [n["name"] for n in response.json()["networks"]] == ["public", "mine"]


def test_admin_sees_every_network(admin_client, nets):
    names = [n["name"] for n in admin_client.get(f"{API}/networks").json()["networks"]]
    assert names == ["public", "mine", "theirs"]


def test_network_body_is_neutrons(member_client, member, nets):
    network = nets["own"]
    body = member_client.get(f"{API}/networks/{network.id}").json()["network"]
    subnet = network.subnets.get()
    assert body["id"] == str(network.id)
    assert body["subnets"] == [str(subnet.id)]
    assert body["tenant_id"] == body["project_id"] == member.default_project_id
    expected = {"name": "mine", "status": "ACTIVE", "admin_state_up": True, "shared": False, "mtu": 1500}
    assert {k: body[k] for k in expected} == expected
    assert body["router:external"] is False and body["availability_zones"] == [] and body["tags"] == []
    assert body["is_default"] is False
    assert body["created_at"].endswith("Z") and "revision_number" in body and "description" in body
    shared = member_client.get(f"{API}/networks/{nets['shared'].id}").json()["network"]
    assert shared["is_default"] is True and shared["tenant_id"] == ""


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("name=mine", ["mine"]),
        ("name=mine&name=public", ["public", "mine"]),
        ("shared=true", ["public"]),
        ("shared=False", ["mine"]),
        ("status=ACTIVE", ["public", "mine"]),
        ("status=DOWN", []),
        ("id=not-a-uuid", []),
        ("name=theirs", []),
        ("fields=id&fields=name", ["public", "mine"]),
    ],
)
def test_network_filters(member_client, nets, query, names):
    response = member_client.get(f"{API}/networks?{query}")
    assert response.status_code == 200
    assert [n["name"] for n in response.json()["networks"]] == names


def test_network_filters_by_id_and_project(member_client, member, nets):
    own = nets["own"]
    by_id = member_client.get(f"{API}/networks?id={own.id}").json()["networks"]
    assert [n["id"] for n in by_id] == [str(own.id)]
    for key in ("project_id", "tenant_id"):
        found = member_client.get(f"{API}/networks?{key}={member.default_project_id}").json()["networks"]
        assert [n["name"] for n in found] == ["mine"]


def test_fields_limits_the_keys(member_client, nets):
    networks = member_client.get(f"{API}/networks?fields=id&fields=name").json()["networks"]
    assert all(set(n) == {"id", "name"} for n in networks)


def test_a_bad_boolean_filter_is_400(member_client, nets):
    assert error(member_client.get(f"{API}/networks?shared=perhaps"))[:2] == (400, "InvalidInput")


@pytest.mark.parametrize("which", ["foreign", "unknown", "malformed"])
def test_invisible_network_is_404_with_neutron_body(member_client, nets, which):
    network_id = {"foreign": str(nets["foreign"].id), "unknown": str(uuid.uuid4()), "malformed": "nope"}[which]
    response = member_client.get(f"{API}/networks/{network_id}")
    assert error(response) == (404, "NetworkNotFound", f"Network {network_id} could not be found.")


def test_member_creates_a_private_network(member_client, member):
    response = member_client.post(f"{API}/networks", {"network": {"name": "lab", "mtu": 1450}}, format="json")
    assert response.status_code == 201
    body = response.json()["network"]
    assert (body["name"], body["shared"], body["mtu"], body["subnets"]) == ("lab", False, 1450, [])
    assert Network.objects.get(pk=body["id"]).project_id == member.default_project_id


def test_member_may_not_create_a_shared_network(member_client):
    response = member_client.post(f"{API}/networks", {"network": {"name": "x", "shared": True}}, format="json")
    assert error(response)[:2] == (403, "PolicyNotAuthorized")
    assert not Network.objects.exists()


def test_member_may_not_create_for_another_project(member_client):
    other = make_project()
    response = member_client.post(f"{API}/networks", {"network": {"name": "x", "project_id": other.id}}, format="json")
    assert error(response)[:2] == (400, "HTTPBadRequest")


def test_admin_creates_a_shared_network_for_a_project(admin_client):
    other = make_project()
    spec = {"network": {"name": "ext", "shared": True, "tenant_id": other.id}}
    body = admin_client.post(f"{API}/networks", spec, format="json").json()["network"]
    assert (body["shared"], body["project_id"]) == (True, other.id)


@pytest.mark.parametrize("body", [{}, {"network": "x"}, {"network": {"mtu": "big"}}, {"network": {"shared": "yes"}}])
def test_bad_network_bodies_are_400(member_client, body):
    assert error(member_client.post(f"{API}/networks", body, format="json"))[0] == 400


def test_reader_may_list_but_not_create():
    reader = make_user(role=RoleName.READER)
    client = client_for(reader)
    assert client.get(f"{API}/networks").status_code == 200
    response = client.post(f"{API}/networks", {"network": {"name": "x"}}, format="json")
    assert error(response)[:2] == (403, "PolicyNotAuthorized")


def test_delete_own_network(member_client, nets):
    network = nets["own"]
    assert member_client.delete(f"{API}/networks/{network.id}").status_code == 204
    assert not Network.objects.filter(pk=network.pk).exists()
    assert not Subnet.objects.filter(network_id=network.pk).exists()
    assert error(member_client.delete(f"{API}/networks/{network.id}"))[:2] == (404, "NetworkNotFound")


def test_delete_network_with_ports_is_409(member_client, member, nets):
    network = nets["own"]
    ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=member.default_project, network_id=str(network.id))
    assert error(member_client.delete(f"{API}/networks/{network.id}"))[:2] == (409, "NetworkInUse")
    assert Network.objects.filter(pk=network.pk).exists()


def test_member_may_not_delete_a_shared_network(member_client, admin_client, nets):
    network = nets["shared"]
    assert error(member_client.delete(f"{API}/networks/{network.id}"))[:2] == (403, "PolicyNotAuthorized")
    assert error(member_client.delete(f"{API}/networks/{nets['foreign'].id}"))[:2] == (404, "NetworkNotFound")
    assert admin_client.delete(f"{API}/networks/{network.id}").status_code == 204


# -- subnets ---------------------------------------------------------------------------------


def test_subnets_list_show_and_filter(member_client, nets):
    subnets = member_client.get(f"{API}/subnets").json()["subnets"]
    assert [s["name"] for s in subnets] == ["public-subnet", "mine-subnet"]
    own = nets["own"].subnets.get()
    found = member_client.get(f"{API}/subnets?network_id={nets['own'].id}").json()["subnets"]
    assert [s["id"] for s in found] == [str(own.id)]
    assert member_client.get(f"{API}/subnets?name=public-subnet").json()["subnets"][0]["cidr"] == "10.0.0.0/24"
    body = member_client.get(f"{API}/subnets/{own.id}").json()["subnet"]
    assert body["network_id"] == str(nets["own"].id)
    assert (body["cidr"], body["ip_version"], body["gateway_ip"]) == ("10.1.0.0/24", 4, "10.1.0.1")
    assert body["allocation_pools"] == [{"start": "10.1.0.2", "end": "10.1.0.254"}]
    assert body["enable_dhcp"] is True and body["dns_nameservers"] == [] and body["host_routes"] == []
    assert body["tenant_id"] == body["project_id"] == nets["own"].project_id


def test_foreign_subnet_is_404(member_client, nets):
    subnet = nets["foreign"].subnets.get()
    assert error(member_client.get(f"{API}/subnets/{subnet.id}"))[:2] == (404, "SubnetNotFound")
    assert member_client.get(f"{API}/subnets?name=theirs-subnet").json()["subnets"] == []


def test_create_subnet_with_defaults(member_client, member):
    network = Network.objects.create(name="lab", project=member.default_project)
    spec = {"subnet": {"network_id": str(network.id), "cidr": "192.168.7.0/24", "ip_version": 4, "name": "s"}}
    response = member_client.post(f"{API}/subnets", spec, format="json")
    assert response.status_code == 201
    body = response.json()["subnet"]
    assert body["gateway_ip"] == "192.168.7.1"
    assert body["allocation_pools"] == [{"start": "192.168.7.2", "end": "192.168.7.254"}]
    port = ipam.allocate_port(
        instance_uuid=str(uuid.uuid4()), project=member.default_project, network_id=body["network_id"]
    )
    assert port.fixed_ip == "192.168.7.2"


def test_create_subnet_with_a_pool(member_client, nets):
    spec = {
        "subnet": {
            "network_id": str(nets["own"].id),
            "cidr": "10.9.0.0/28",
            "gateway_ip": "10.9.0.14",
            "allocation_pools": [{"start": "10.9.0.5", "end": "10.9.0.9"}],
            "dns_nameservers": ["8.8.8.8"],
            "enable_dhcp": False,
        }
    }
    body = member_client.post(f"{API}/subnets", spec, format="json").json()["subnet"]
    assert body["allocation_pools"] == [{"start": "10.9.0.5", "end": "10.9.0.9"}]
    assert (body["gateway_ip"], body["dns_nameservers"], body["enable_dhcp"]) == ("10.9.0.14", ["8.8.8.8"], False)


@pytest.mark.parametrize(
    ("changes", "status", "kind"),
    [
        ({"cidr": "10.9.0.1/24"}, 400, "HTTPBadRequest"),
        ({"cidr": "banana"}, 400, "HTTPBadRequest"),
        ({"cidr": None}, 400, "HTTPBadRequest"),
        ({"ip_version": 6}, 400, "InvalidInput"),
        ({"allocation_pools": [{"start": "10.9.0.2", "end": "10.9.1.5"}]}, 400, "InvalidInput"),
        ({"allocation_pools": [{"start": "10.9.0.9", "end": "10.9.0.2"}]}, 400, "InvalidInput"),
        ({"allocation_pools": [{"start": "10.9.0.1", "end": "10.9.0.9"}]}, 409, "GatewayConflictWithAllocationPools"),
        ({"gateway_ip": "10.8.0.1"}, 400, "InvalidInput"),
        ({"cidr": "10.1.0.128/25"}, 400, "InvalidInput"),  # overlaps mine-subnet
        ({"network_id": None}, 400, "HTTPBadRequest"),
    ],
)
def test_bad_subnets(member_client, nets, changes, status, kind):
    spec = {"network_id": str(nets["own"].id), "cidr": "10.9.0.0/24", **changes}
    response = member_client.post(f"{API}/subnets", {"subnet": spec}, format="json")
    assert error(response)[:2] == (status, kind)
    assert Subnet.objects.count() == 3


def test_subnet_on_someone_elses_network(member_client, nets):
    for which, expected in (("foreign", (404, "NetworkNotFound")), ("shared", (403, "PolicyNotAuthorized"))):
        spec = {"subnet": {"network_id": str(nets[which].id), "cidr": "10.9.0.0/24"}}
        assert error(member_client.post(f"{API}/subnets", spec, format="json"))[:2] == expected


def test_delete_subnet(member_client, member, nets):
    subnet = nets["own"].subnets.get()
    port = ipam.allocate_port(
        instance_uuid=str(uuid.uuid4()), project=member.default_project, network_id=str(nets["own"].id)
    )
    assert error(member_client.delete(f"{API}/subnets/{subnet.id}"))[:2] == (409, "SubnetInUse")
    ipam.release_ports(port.device_id)
    assert member_client.delete(f"{API}/subnets/{subnet.id}").status_code == 204
    assert not Subnet.objects.filter(pk=subnet.pk).exists()


# -- ports -----------------------------------------------------------------------------------


def test_ports_list_show_and_filter(member_client, member, nets):
    project = member.default_project
    vm1, vm2 = str(uuid.uuid4()), str(uuid.uuid4())
    one = ipam.allocate_port(instance_uuid=vm1, project=project)
    ipam.allocate_port(instance_uuid=vm2, project=project, network_id=str(nets["own"].id))
    theirs = ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=nets["foreign"].project)

    assert len(member_client.get(f"{API}/ports").json()["ports"]) == 2
    found = member_client.get(f"{API}/ports?device_id={vm1}").json()["ports"]
    assert [p["id"] for p in found] == [str(one.id)]
    on_own = member_client.get(f"{API}/ports?network_id={nets['own'].id}&fixed_ips=ip_address%3D1").json()["ports"]
    assert [p["device_id"] for p in on_own] == [vm2]

    body = member_client.get(f"{API}/ports/{one.id}").json()["port"]
    assert body["fixed_ips"] == [{"subnet_id": str(one.subnet_id), "ip_address": "10.0.0.2"}]
    expected = {
        "network_id": str(nets["shared"].id),
        "mac_address": one.mac_address,
        "device_id": vm1,
        "device_owner": "compute:nova",
        "status": "ACTIVE",
        "tenant_id": project.id,
        "project_id": project.id,
        "admin_state_up": True,
    }
    assert {k: body[k] for k in expected} == expected
    assert error(member_client.get(f"{API}/ports/{theirs.id}")) == (
        404,
        "PortNotFound",
        f"Port {theirs.id} could not be found.",
    )


def test_admin_sees_every_port(admin_client, member, nets):
    ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=member.default_project)
    ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=nets["foreign"].project)
    assert len(admin_client.get(f"{API}/ports").json()["ports"]) == Port.objects.count() == 2


def test_a_port_needs_a_network(member_client):
    response = member_client.post(f"{API}/ports", {"port": {}}, format="json")
    assert error(response) == (
        400,
        "HTTPBadRequest",
        "Failed to parse request. Required attribute 'network_id' not specified",
    )


def test_create_update_and_delete_a_port(member_client, member, nets):
    spec = {"port": {"network_id": str(nets["own"].id), "name": "p1", "security_groups": []}}
    response = member_client.post(f"{API}/ports", spec, format="json")
    assert response.status_code == 201, response.content
    body = response.json()["port"]
    assert (body["name"], body["device_id"], body["device_owner"], body["security_groups"]) == ("p1", "", "", [])
    assert body["status"] == "DOWN"  # unbound
    assert body["fixed_ips"][0]["ip_address"] == "10.1.0.2" and body["project_id"] == member.default_project_id
    update = {"port": {"name": "renamed", "admin_state_up": False}}
    body = member_client.put(f"{API}/ports/{body['id']}", update, format="json").json()["port"]
    assert (body["name"], body["admin_state_up"]) == ("renamed", False)
    assert member_client.delete(f"{API}/ports/{body['id']}").status_code == 204
    assert not Port.objects.exists()


@pytest.mark.parametrize("key", ["fixed_ips", "mac_address", "device_id", "device_owner"])
def test_a_port_cannot_choose_what_the_cloud_chooses(member_client, nets, key):
    value = [{"ip_address": "10.1.0.9"}] if key == "fixed_ips" else "x"
    spec = {"port": {"network_id": str(nets["own"].id), key: value}}
    assert error(member_client.post(f"{API}/ports", spec, format="json"))[:2] == (400, "InvalidInput")
    assert not Port.objects.exists()


def test_ports_of_other_projects_cannot_be_changed(member_client, nets):
    theirs = ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=nets["foreign"].project)
    assert error(member_client.put(f"{API}/ports/{theirs.id}", {"port": {"name": "x"}}, format="json"))[0] == 404
    assert error(member_client.delete(f"{API}/ports/{theirs.id}"))[:2] == (404, "PortNotFound")
    spec = {"port": {"network_id": str(nets["foreign"].id)}}
    assert error(member_client.post(f"{API}/ports", spec, format="json"))[:2] == (404, "NetworkNotFound")
