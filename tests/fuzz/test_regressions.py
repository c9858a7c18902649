"""The inputs the fuzzers found answered with a 5xx (or a wrong status), one case each, answered now with
the API's own 4xx error body or an empty result."""

import re

import pytest

from tests.fixtures.factories import make_instance, make_node

pytestmark = pytest.mark.django_db

NOVA, KEYSTONE, NEUTRON = "nova", "keystone", "neutron"


def assert_error(response, status: int, api: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    if api == KEYSTONE:
        assert set(body) == {"error"} and body["error"]["code"] == status, body
    elif api == NEUTRON:
        assert set(body) == {"NeutronError"} and isinstance(body["NeutronError"]["message"], str), body
    else:
        ((_kind, detail),) = body.items()
        assert detail["code"] == status and isinstance(detail["message"], str), body


def test_nul_in_a_query_parameter_is_a_400(admin_client):
    """psycopg2 refuses a NUL character (ValueError): it was a 500 computeFault."""
    assert_error(admin_client.get("/identity/v3/users", {"name": "a\x00b"}), 400, KEYSTONE)
    assert_error(admin_client.get("/identity/v3/roles", {"name": "\x00"}), 400, KEYSTONE)


def test_nul_in_a_path_parameter_is_a_400(admin_client):
    assert_error(admin_client.get("/v2.1/os-keypairs/a%00b"), 400, NOVA)


def test_nul_in_a_neutron_list_filter_matches_nothing(admin_client):
    response = admin_client.get("/network/v2.0/ports", {"device_owner": "compute:\x00"})
    assert response.status_code == 200 and response.json() == {"ports": []}


@pytest.mark.parametrize("query", [{"gateway_ip": "AAA"}, {"ip_version": "²"}, {"ip_version": "99999999999999"}])
def test_malformed_subnet_filters_match_nothing(admin_client, query):
    """gateway_ip=AAA was a DataError (invalid input syntax for type inet), ip_version=² a ValueError."""
    response = admin_client.get("/network/v2.0/subnets", query)
    assert response.status_code == 200 and response.json() == {"subnets": []}


def test_gateway_ip_filter_still_matches(admin_client):
    network = admin_client.post("/network/v2.0/networks", {"network": {"name": "n"}}, format="json").json()["network"]
    subnet = {"network_id": network["id"], "cidr": "10.9.0.0/24", "ip_version": 4, "gateway_ip": "10.9.0.1"}
    assert admin_client.post("/network/v2.0/subnets", {"subnet": subnet}, format="json").status_code == 201
    found = admin_client.get("/network/v2.0/subnets", {"gateway_ip": "10.9.0.1"}).json()["subnets"]
    assert [s["cidr"] for s in found] == ["10.9.0.0/24"]


@pytest.mark.parametrize("tenant_id", [[None, None], {}, 5])
def test_non_string_tenant_id_is_a_400(admin_client, tenant_id):
    """A list was unhashable in a set comprehension: a 500."""
    body = {"network": {"name": "private", "tenant_id": tenant_id}}
    assert_error(admin_client.post("/network/v2.0/networks", body, format="json"), 400, NEUTRON)


def test_malformed_instance_uuid_filter_of_migrations_matches_nothing(admin_client):
    """?instance_uuid=null was a ValidationError from the UUID field: a 500."""
    response = admin_client.get("/v2.1/os-migrations", {"instance_uuid": "null"})
    assert response.status_code == 200 and response.json() == {"migrations": []}


def test_email_longer_than_the_column_is_a_400(admin_client):
    """255 characters passed the check but not the column (254): a DataError, a 500."""
    body = {"user": {"name": "u", "email": "0" * 255}}
    assert_error(admin_client.post("/identity/v3/users", body, format="json"), 400, KEYSTONE)
    body = {"user": {"name": "u", "email": "0" * 250 + "@x.y"}}
    assert admin_client.post("/identity/v3/users", body, format="json").status_code == 201


@pytest.mark.parametrize("limit", [2**31, 2**63, -2])
def test_quota_limit_out_of_the_integer_range_is_a_400(admin_client, admin_user, limit):
    """2**63 was a DataError (integer out of range): a 500."""
    body = {"quota_set": {"instances": limit}}
    response = admin_client.put(f"/v2.1/os-quota-sets/{admin_user.default_project_id}", body, format="json")
    assert_error(response, 400, NOVA)


def test_largest_quota_limit_is_accepted(admin_client, admin_user):
    body = {"quota_set": {"instances": 2**31 - 1}}
    response = admin_client.put(f"/v2.1/os-quota-sets/{admin_user.default_project_id}", body, format="json")
    assert response.status_code == 200 and response.json()["quota_set"]["instances"] == 2**31 - 1


@pytest.mark.parametrize("domain_id", [{}, [], 5, ""])
def test_non_string_domain_id_is_a_400(admin_client, domain_id):
    """Was a 404 "Could not find domain: None." (the schema says a string)."""
    for path, key in (("/identity/v3/projects", "project"), ("/identity/v3/users", "user")):
        body = {key: {"name": "p", "domain_id": domain_id}}
        assert_error(admin_client.post(path, body, format="json"), 400, KEYSTONE)


@pytest.mark.parametrize("action", ["os-stop", "pause", "unlock", "confirmResize", "revertResize", "forceDelete"])
def test_argument_of_an_argumentless_action_must_be_null_or_an_object(admin_client, admin_user, flavor, casts, action):
    """``{"os-stop": "junk"}`` was accepted (202) though the schema allows only null or an object."""
    make_node("node1")
    server = make_instance(admin_user, flavor, vm_state="active", task_state=None, host="node1")
    response = admin_client.post(f"/v2.1/servers/{server.uuid}/action", {action: "junk"}, format="json")
    assert_error(response, 400, NOVA)
    assert casts("compute.node1") == []


@pytest.mark.parametrize(
    "when", ["3947-08-20T08:07:11.5-21:03", "2026-01-01T00:00:00+23:59", "0001-01-01T00:00:00+01:00"]
)
def test_changes_since_with_any_offset_is_answered(admin_client, when):
    """An offset PostgreSQL does not accept (-21:03) was a DataError: times are compared in UTC now,
    and one that leaves the years 1 to 9999 in UTC is a 400."""
    response = admin_client.get("/v2.1/servers", {"changes-since": when})
    images = admin_client.get("/image/v2/images", {"created_at": f"gt:{when}"})
    if when.startswith("0001"):
        assert_error(response, 400, NOVA)
        assert images.status_code == 400
    else:
        assert response.status_code == 200 and response.json() == {"servers": []}
        assert images.status_code == 200 and images.json()["images"] == []
    assert_error(admin_client.get("/v2.1/servers", {"changes-since": "2026-02-30T00:00:00"}), 400, NOVA)


def test_roles_of_an_unknown_project_or_user_are_404_and_links_are_uris(admin_client, admin_user):
    uri = re.compile(r"[A-Za-z0-9\-._~:/?@!$&'()*+,;=%]+")  # RFC 3986 outside a host: no brackets, no controls
    weird = "/identity/v3/projects/%F0%B1%BA%A6h%C2%AE/users/d%07D%5D!x/roles"
    assert admin_client.get(weird).status_code == 404
    mine = f"/identity/v3/projects/{admin_user.default_project_id}/users/{admin_user.id}/roles"
    for query in ("", "?name=a%5Bb%5D", "?x=%07]&y"):
        response = admin_client.get(mine + query)
        assert response.status_code == 200, response.content
        assert uri.fullmatch(response.json()["links"]["self"]), response.json()["links"]["self"]


def test_flavor_links_are_uris_whatever_the_id(admin_client):
    uri = re.compile(r"[A-Za-z0-9\-._~:/?@!$&'()*+,;=%]+")
    body = {"flavor": {"id": "\u0102\u0118 x/y", "name": "odd", "ram": 64, "vcpus": 1, "disk": 1}}
    response = admin_client.post("/v2.1/flavors", body, format="json")

    assert response.status_code == 200, response.content
    for link in response.json()["flavor"]["links"]:
        assert uri.fullmatch(link["href"]), link["href"]
