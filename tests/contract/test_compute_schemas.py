"""Our Compute API responses against schemas written from Nova's API reference."""

import jsonschema
import pytest
from jsonschema import Draft202012Validator

from apps.compute.models import Instance
from apps.network import ipam
from tests.contract import schemas
from tests.fixtures.factories import make_instance, make_node

pytestmark = pytest.mark.django_db


def check(response, schema) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)
    return body


@pytest.fixture
def world(member, admin_user, flavor, image, casts):
    make_node("node1")
    ipam.ensure_default_network()
    instance = make_instance(member, flavor, image, vm_state="active", task_state=None, host="node1", node="node1",
                             metadata={"role": "web"}, tags=["t"], key_name=None)  # fmt: skip
    ipam.allocate_port(instance_uuid=str(instance.uuid), project=member.default_project)
    failed = make_instance(member, flavor, image, vm_state="error", task_state=None)
    from apps.compute.audit import add_fault

    add_fault(failed.uuid, "No valid host was found.")
    return instance


@pytest.mark.parametrize("version", [(2, 1), (2, 3), (2, 9), (2, 19), (2, 26), (2, 47)])
def test_servers(member_client, admin_client, world, version):
    header = {"HTTP_OPENSTACK_API_VERSION": f"compute {version[0]}.{version[1]}"}
    schema = schemas.server(version)
    check(member_client.get(f"/v2.1/servers/{world.uuid}", **header), schemas.envelope("server", schema))
    body = check(member_client.get("/v2.1/servers/detail", **header), schemas.listing("servers", schema, links=True))
    assert {s["status"] for s in body["servers"]} == {"ACTIVE", "ERROR"}
    check(admin_client.get(f"/v2.1/servers/{world.uuid}", **header), schemas.envelope("server", schema))
    brief = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                              "links": schemas.LINKS}, "required": ["id", "name", "links"],
             "additionalProperties": False}  # fmt: skip
    check(member_client.get("/v2.1/servers?limit=1", **header), schemas.listing("servers", brief, links=True))
    assert Instance.objects.count() == 2


def test_flavors(member_client, flavor):
    check(member_client.get("/v2.1/flavors/detail"), schemas.listing("flavors", schemas.FLAVOR))
    check(member_client.get(f"/v2.1/flavors/{flavor.flavorid}"), schemas.envelope("flavor", schemas.FLAVOR))


def test_keypairs(member_client):
    assert member_client.post("/v2.1/os-keypairs", {"keypair": {"name": "k"}}, format="json").status_code == 200
    check(member_client.get("/v2.1/os-keypairs"), schemas.KEYPAIR_LIST)
    check(member_client.get("/v2.1/os-keypairs/k"), schemas.KEYPAIR_SHOW)


def test_hypervisors_and_services(admin_client, world):
    check(admin_client.get("/v2.1/os-hypervisors"), schemas.listing("hypervisors", schemas.HYPERVISOR_BRIEF))
    check(admin_client.get("/v2.1/os-hypervisors/detail"), schemas.listing("hypervisors", schemas.HYPERVISOR_DETAIL))
    check(admin_client.get("/v2.1/os-services"), schemas.listing("services", schemas.SERVICE))


def test_limits_and_quotas(member_client, member, world):
    check(member_client.get("/v2.1/limits"), schemas.LIMITS)
    project = member.default_project.id
    check(member_client.get(f"/v2.1/os-quota-sets/{project}"), schemas.QUOTA_SET)
    check(member_client.get(f"/v2.1/os-quota-sets/{project}/defaults"), schemas.QUOTA_SET)
    check(member_client.get(f"/v2.1/os-quota-sets/{project}/detail"), schemas.QUOTA_DETAIL)


def test_the_schemas_have_teeth(member_client, world):
    """The control: a body that drifts from Nova's shape fails validation."""
    body = member_client.get(f"/v2.1/servers/{world.uuid}", HTTP_OPENSTACK_API_VERSION="compute 2.9").json()
    schema = schemas.envelope("server", schemas.server((2, 9)))
    for drift in ({"locked": "no"}, {"status": "RUNNING"}, {"surprise": 1}):
        with pytest.raises(jsonschema.ValidationError):
            Draft202012Validator(schema).validate({"server": {**body["server"], **drift}})
    del body["server"]["locked"]
    with pytest.raises(jsonschema.ValidationError):
        Draft202012Validator(schema).validate(body)
