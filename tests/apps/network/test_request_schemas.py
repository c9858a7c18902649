"""The Networking API's request bodies (``apps/network/api/request_schemas.py``): each refusal is Neutron's
400 ``HTTPBadRequest`` and stores nothing; the OpenAPI document shows the very schemas that validate. (A rule's
protocol, ethertype, ports and prefix are converted in code, with Neutron's own error types:
``test_security_groups.py``.)"""

import json
import uuid

import pytest

from apps.network import ipam
from apps.network.api import request_schemas
from apps.network.models import Network, Port, SecurityGroup, SecurityGroupRule, Subnet
from cloudcore.openapi_bodies import network as network_bodies
from tests.apps.network.factories import make_network

pytestmark = pytest.mark.django_db

API = "/network/v2.0"
UNKNOWN = "2f1e4d0c-8c1e-4c59-9d1c-2f6b8d1f3a10"


def refusal(response) -> str:
    """The message of a 400 ``HTTPBadRequest`` in Neutron's shape."""
    assert response.status_code == 400, response.content
    ((kind, error),) = response.json().items()
    assert (kind, error["type"], error["detail"]) == ("NeutronError", "HTTPBadRequest", "")
    return error["message"]


def post(client, path: str, body):
    """Sent as raw JSON, so that bodies the test client would not encode (a list, null) go as they are."""
    return client.post(f"{API}/{path}", data=json.dumps(body), content_type="application/json")


# -- networks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Unable to find 'network' in request body"),
        ([], "Unable to find 'network' in request body"),
        (None, "Unable to find 'network' in request body"),
        ({"networks": [{"name": "a"}]}, "Unable to find 'network' in request body"),
        ({"network": "x"}, "Unable to find 'network' in request body"),
        ({"network": {"name": 7}}, "Invalid input for name. Reason: '7' is not a valid string."),
        (
            {"network": {"name": "n" * 256}},
            f"Invalid input for name. Reason: '{'n' * 256}' exceeds maximum length of 255.",
        ),
        (
            {"network": {"name": "a\x00b"}},
            "Invalid input for name. Reason: a NUL character or an unpaired surrogate is not allowed.",
        ),
        (
            {"network": {"description": "\ud800"}},
            "Invalid input for description. Reason: a NUL character or an unpaired surrogate is not allowed.",
        ),
        (
            {"network": {"admin_state_up": "true"}},
            "Invalid input for admin_state_up. Reason: 'true' is not a valid boolean value.",
        ),
        ({"network": {"shared": None}}, "Invalid input for shared. Reason: 'None' is not a valid boolean value."),
        (
            {"network": {"router:external": 1}},
            "Invalid input for router:external. Reason: '1' is not a valid boolean value.",
        ),
        ({"network": {"mtu": "big"}}, "Invalid input for mtu. Reason: 'big' is not an integer between 68 and 65535."),
        ({"network": {"mtu": 67}}, "Invalid input for mtu. Reason: '67' is not an integer between 68 and 65535."),
        ({"network": {"mtu": 65536}}, "Invalid input for mtu. Reason: '65536' is not an integer between 68 and 65535."),
        (
            {"network": {"mtu": 1450.5}},
            "Invalid input for mtu. Reason: '1450.5' is not an integer between 68 and 65535.",
        ),
        ({"network": {"mtu": True}}, "Invalid input for mtu. Reason: 'True' is not an integer between 68 and 65535."),
        ({"network": {"project_id": 5}}, "Invalid input for project_id. Reason: '5' is not a valid string."),
        (
            {"network": {"tenant_id": "p" * 256}},
            f"Invalid input for tenant_id. Reason: '{'p' * 256}' exceeds maximum length of 255.",
        ),
    ],
)
def test_bad_network_bodies(member_client, admin_client, body, message):
    for client in (member_client, admin_client):
        assert refusal(post(client, "networks", body)) == message
    assert not Network.objects.exists()


def test_a_network_body_may_carry_what_this_api_ignores(member_client):
    """Neutron attributes this API does not model, and keys beside the resource, are ignored; an integral
    float is an integer."""
    body = {"network": {"name": "lab", "mtu": 1450.0, "port_security_enabled": False}, "extra": 1}
    response = post(member_client, "networks", body)
    assert response.status_code == 201, response.content
    assert response.json()["network"]["mtu"] == 1450
    assert Network.objects.get().mtu == 1450


def test_null_text_is_empty(member_client):
    response = post(member_client, "networks", {"network": {"name": None, "description": None, "tenant_id": None}})
    assert response.status_code == 201, response.content
    assert (response.json()["network"]["name"], response.json()["network"]["description"]) == ("", "")


def test_what_a_schema_cannot_say_stays_in_code(member_client, admin_client, member):
    mismatch = {"network": {"project_id": member.default_project_id, "tenant_id": "other"}}
    assert refusal(post(member_client, "networks", mismatch)) == "'project_id' and 'tenant_id' do not match."
    assert refusal(post(admin_client, "networks", {"network": {"project_id": "nope"}})) == (
        "Project nope could not be found."
    )
    assert not Network.objects.exists()


# -- subnets ---------------------------------------------------------------------------------


@pytest.fixture
def own(member):
    return make_network(name="mine", project=member.default_project, cidr="10.1.0.0/24")


def _subnet(network, **changes) -> dict:
    return {"subnet": {"network_id": str(network.id), "cidr": "10.9.0.0/24", **changes}}


POOL = {"start": "10.9.0.5", "end": "10.9.0.9"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"network_id": None}, "Invalid input for network_id. Reason: 'None' is not a valid string."),
        ({"network_id": "nope"}, "Invalid input for network_id. Reason: 'nope' is not a valid UUID."),
        ({"cidr": None}, "Invalid input for cidr. Reason: 'None' is not a valid string."),
        ({"cidr": "banana"}, "Invalid input for cidr. Reason: 'banana' is not a valid IP subnet."),
        (
            {"cidr": "10.9.0.1/24"},
            "Invalid input for cidr. Reason: '10.9.0.1/24' isn't a recognized IP subnet cidr, "
            "'10.9.0.0/24' is recommended.",
        ),
        (
            {"cidr": "10.9.0.0"},
            "Invalid input for cidr. Reason: '10.9.0.0' isn't a recognized IP subnet cidr, "
            "'10.9.0.0/32' is recommended.",
        ),
        (
            {"cidr": "2001:db8::1/64"},
            "Invalid input for cidr. Reason: '2001:db8::1/64' isn't a recognized IP subnet "
            "cidr, '2001:db8::/64' is recommended.",
        ),
        ({"ip_version": 5}, "Invalid input for ip_version. Reason: '5' is not in [4, 6]."),
        ({"ip_version": "4"}, "Invalid input for ip_version. Reason: '4' is not an integer."),
        ({"name": "s" * 256}, f"Invalid input for name. Reason: '{'s' * 256}' exceeds maximum length of 255."),
        (
            {"description": "\x00"},
            "Invalid input for description. Reason: a NUL character or an unpaired surrogate is not allowed.",
        ),
        ({"gateway_ip": "10.9.0.300"}, "Invalid input for gateway_ip. Reason: '10.9.0.300' is not a valid IP address."),
        ({"gateway_ip": ""}, "Invalid input for gateway_ip. Reason: '' is not a valid IP address."),
        ({"gateway_ip": 167772161}, "Invalid input for gateway_ip. Reason: '167772161' is not a valid string."),
        ({"allocation_pools": []}, "Invalid input for allocation_pools. Reason: exactly 1 item is supported, not 0."),
        (
            {"allocation_pools": [POOL, POOL]},
            "Invalid input for allocation_pools. Reason: exactly 1 item is supported, not 2.",
        ),
        ({"allocation_pools": POOL}, f"Invalid input for allocation_pools. Reason: '{POOL}' is not a list."),
        (
            {"allocation_pools": [{"start": "10.9.0.5"}]},
            "Invalid input for allocation_pools. Reason: '{'start': '10.9.0.5'}' lacks the key(s) end.",
        ),
        (
            {"allocation_pools": [{**POOL, "size": 5}]},
            "Invalid input for allocation_pools. Reason: Unexpected keys supplied: size.",
        ),
        (
            {"allocation_pools": [{**POOL, "end": "x"}]},
            "Invalid input for allocation_pools. Reason: 'x' is not a valid IP address.",
        ),
        ({"enable_dhcp": "false"}, "Invalid input for enable_dhcp. Reason: 'false' is not a valid boolean value."),
        ({"dns_nameservers": "8.8.8.8"}, "Invalid input for dns_nameservers. Reason: '8.8.8.8' is not a list."),
        (
            {"dns_nameservers": ["dns.example"]},
            "Invalid input for dns_nameservers. Reason: 'dns.example' is not a valid IP address.",
        ),
        (
            {"dns_nameservers": ["8.8.8.8", "1.1.1.1", "8.8.8.8"]},
            "Invalid input for dns_nameservers. Reason: Duplicate items in the list: '8.8.8.8'.",
        ),
        (
            {"dns_nameservers": [f"10.0.0.{i}" for i in range(6)]},
            "Invalid input for dns_nameservers. Reason: at most 5 items are supported, not 6.",
        ),
    ],
)
def test_bad_subnet_bodies(member_client, own, changes, message):
    assert refusal(post(member_client, "subnets", _subnet(own, **changes))) == message
    assert Subnet.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Unable to find 'subnet' in request body"),
        ({"subnet": ["x"]}, "Unable to find 'subnet' in request body"),
        ({"subnet": {"cidr": "10.9.0.0/24"}}, "Failed to parse request. Required attribute 'network_id' not specified"),
        ({"subnet": {"network_id": UNKNOWN}}, "Failed to parse request. Required attribute 'cidr' not specified"),
    ],
)
def test_subnet_bodies_without_their_resource(member_client, own, body, message):
    assert refusal(post(member_client, "subnets", body)) == message
    assert Subnet.objects.count() == 1


def test_the_body_is_checked_before_the_network(member_client):
    """A well-formed unknown network is Neutron's 404; a malformed body is a 400 whatever the network."""
    response = post(member_client, "subnets", {"subnet": {"network_id": UNKNOWN, "cidr": "10.9.0.0/24"}})
    assert response.status_code == 404 and response.json()["NeutronError"]["type"] == "NetworkNotFound"
    response = post(member_client, "subnets", {"subnet": {"network_id": UNKNOWN, "cidr": "10.9.0.1/24"}})
    assert response.status_code == 400


def test_a_subnet_with_every_attribute(member_client, own):
    spec = _subnet(own, ip_version=4, name=None, description="d", gateway_ip=None, allocation_pools=[POOL],
                   enable_dhcp=False, dns_nameservers=["8.8.8.8", "2001:4860:4860::8888"], host_routes=[])  # fmt: skip
    response = post(member_client, "subnets", spec)
    assert response.status_code == 201, response.content
    body = response.json()["subnet"]
    assert (body["name"], body["description"], body["gateway_ip"], body["enable_dhcp"]) == ("", "d", None, False)
    assert body["allocation_pools"] == [POOL]
    assert body["dns_nameservers"] == ["8.8.8.8", "2001:4860:4860::8888"]


def test_null_pools_and_nameservers_are_the_defaults(member_client, own):
    response = post(member_client, "subnets", _subnet(own, allocation_pools=None, dns_nameservers=None))
    assert response.status_code == 201, response.content
    body = response.json()["subnet"]
    assert (body["allocation_pools"], body["dns_nameservers"]) == ([{"start": "10.9.0.2", "end": "10.9.0.254"}], [])


# -- ports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"network_id": "nope"}, "Invalid input for network_id. Reason: 'nope' is not a valid UUID."),
        ({"security_groups": "x"}, "Invalid input for security_groups. Reason: 'x' is not a list."),
        ({"security_groups": ["x"]}, "Invalid input for security_groups. Reason: 'x' is not a valid UUID."),
        (
            {"security_groups": [UNKNOWN, UNKNOWN]},
            f"Invalid input for security_groups. Reason: Duplicate items in the list: '{UNKNOWN}'.",
        ),
        (
            {"security_groups": [str(uuid.UUID(int=i)) for i in range(65)]},
            "Invalid input for security_groups. Reason: at most 64 items are supported, not 65.",
        ),
        ({"admin_state_up": "yes"}, "Invalid input for admin_state_up. Reason: 'yes' is not a valid boolean value."),
        ({"name": "p" * 256}, f"Invalid input for name. Reason: '{'p' * 256}' exceeds maximum length of 255."),
    ],
)
def test_bad_port_bodies(member_client, own, changes, message):
    assert refusal(post(member_client, "ports", {"port": {"network_id": str(own.id), **changes}})) == message
    assert not Port.objects.exists()


def test_bad_port_updates(member_client, own, member):
    port = ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=member.default_project,
                              network_id=str(own.id))  # fmt: skip
    path = f"{API}/ports/{port.id}"
    assert refusal(member_client.put(path, data=json.dumps({"name": "x"}), content_type="application/json")) == (
        "Unable to find 'port' in request body"
    )
    body = json.dumps({"port": {"security_groups": [1]}})
    assert refusal(member_client.put(path, data=body, content_type="application/json")) == (
        "Invalid input for security_groups. Reason: '1' is not a valid string."
    )


# -- security groups and rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Unable to find 'security_group' in request body"),
        ({"security_group": "web"}, "Unable to find 'security_group' in request body"),
        ({"security_group": {"name": 5}}, "Invalid input for name. Reason: '5' is not a valid string."),
        (
            {"security_group": {"name": "w" * 256}},
            f"Invalid input for name. Reason: '{'w' * 256}' exceeds maximum length of 255.",
        ),
        (
            {"security_group": {"description": "a\x00"}},
            "Invalid input for description. Reason: a NUL character or an unpaired surrogate is not allowed.",
        ),
        (
            {"security_group": {"stateful": "false"}},
            "Invalid input for stateful. Reason: 'false' is not a valid boolean value.",
        ),
        ({"security_group": {"project_id": 7}}, "Invalid input for project_id. Reason: '7' is not a valid string."),
    ],
)
def test_bad_security_group_bodies(member_client, body, message):
    assert refusal(post(member_client, "security-groups", body)) == message
    assert not SecurityGroup.objects.exists()


def test_a_security_group_body_may_carry_what_this_api_ignores(member_client, member):
    body = {"security_group": {"name": "web", "name_too": 1, "tags": ["x"]}, "extra": 1}
    response = post(member_client, "security-groups", body)
    assert response.status_code == 201, response.content
    mismatch = {"security_group": {"project_id": member.default_project_id, "tenant_id": "other"}}
    assert refusal(post(member_client, "security-groups", mismatch)) == "'project_id' and 'tenant_id' do not match."


def _rule(**changes) -> dict:
    return {"security_group_rule": {"security_group_id": UNKNOWN, "direction": "ingress", **changes}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Unable to find 'security_group_rule' in request body"),
        (
            {"security_group_rule": {"direction": "ingress"}},
            "Failed to parse request. Required attribute 'security_group_id' not specified",
        ),
        (
            {"security_group_rule": {"security_group_id": UNKNOWN}},
            "Failed to parse request. Required attribute 'direction' not specified",
        ),
        (_rule(direction="in"), "Invalid input for direction. Reason: 'in' is not in ['ingress', 'egress']."),
        (_rule(security_group_id=7), "Invalid input for security_group_id. Reason: '7' is not a valid string."),
        (
            _rule(security_group_id="s" * 37),
            f"Invalid input for security_group_id. Reason: '{'s' * 37}' exceeds maximum length of 36.",
        ),
        (_rule(protocol=True), "Invalid input for protocol. Reason: 'True' is not a valid string."),
        (_rule(port_range_min=[80]), "Invalid input for port_range_min. Reason: '[80]' is not an integer."),
        (_rule(remote_group_id="nope"), "Invalid input for remote_group_id. Reason: 'nope' is not a valid UUID."),
        (
            _rule(remote_address_group_id=UNKNOWN),
            f"Invalid input for remote_address_group_id. Reason: '{UNKNOWN}' is not null.",
        ),
        (
            _rule(remote_ip_prefix="1" * 256),
            f"Invalid input for remote_ip_prefix. Reason: '{'1' * 256}' exceeds maximum length of 255.",
        ),
        (
            _rule(ethertype="IPv4\x00"),
            "Invalid input for ethertype. Reason: a NUL character or an unpaired surrogate is not allowed.",
        ),
    ],
)
def test_bad_security_group_rule_bodies(member_client, body, message):
    assert refusal(post(member_client, "security-group-rules", body)) == message
    assert not SecurityGroupRule.objects.exists()


# -- one description -------------------------------------------------------------------------

BODIES = {
    ("/network/v2.0/networks", "POST"): request_schemas.NETWORK_CREATE,
    ("/network/v2.0/subnets", "POST"): request_schemas.SUBNET_CREATE,
    ("/network/v2.0/ports", "POST"): request_schemas.PORT_CREATE,
    ("/network/v2.0/ports/{port_id}", "PUT"): request_schemas.PORT_UPDATE,
    ("/network/v2.0/security-groups", "POST"): request_schemas.SECURITY_GROUP_CREATE,
    ("/network/v2.0/security-groups/{security_group_id}", "PUT"): request_schemas.SECURITY_GROUP_UPDATE,
    ("/network/v2.0/security-group-rules", "POST"): request_schemas.SECURITY_GROUP_RULE_CREATE,
}


def test_the_openapi_document_shows_the_schemas_that_validate():
    operations = network_bodies.OPERATIONS
    for key, body in BODIES.items():
        assert operations[key].request == body.described(), key
    assert {key for key, entry in operations.items() if entry.request is not None} == set(BODIES)


@pytest.mark.parametrize("body", list(BODIES.values()))
def test_the_examples_are_valid(body):
    class Request:
        data = body.example

    assert body.validate(Request()) == body.example
