"""The Compute API's request bodies (``apps/compute/api/schemas/``): each microversion's schema decides,
a refused request changes nothing, and the OpenAPI document shows the schemas the views validate with."""

import pytest

from apps.compute.api.schemas import flavors, keypairs, quota_sets, server_extras, server_groups, servers
from apps.compute.models import Flavor, Instance, QuotaLimit, ServerGroup
from cloudcore.openapi_bodies import compute as compute_bodies
from cloudcore.openapi_bodies import compute_servers as server_bodies
from tests.fixtures.factories import client_for, make_instance

pytestmark = pytest.mark.django_db


def message(answer) -> str:
    assert answer.status_code == 400, answer.content
    return answer.json()["badRequest"]["message"]


def test_server_create_changes_with_the_microversion(admin_user, flavor, image):
    body = {"server": {"name": "vm", "flavorRef": flavor.flavorid, "imageRef": str(image.id), "description": "d"}}
    assert "'description' was unexpected" in message(client_for(admin_user).post("/v2.1/servers", body, format="json"))
    at_2_37 = client_for(admin_user, "compute 2.37")
    assert "'networks' is a required property" in message(at_2_37.post("/v2.1/servers", body, format="json"))
    assert not Instance.objects.exists()


def test_server_update_and_extras_refuse_bad_bodies(admin_user, member, flavor):
    instance = make_instance(member, flavor)
    display_name = instance.name
    admin = client_for(admin_user, "compute 2.26")
    url = f"/v2.1/servers/{instance.uuid}"
    assert "'description' was unexpected" in message(client_for(admin_user).put(url, {"server": {"description": "d"}},
                                                                                format="json"))  # fmt: skip
    assert "is too long" in message(admin.put(url, {"server": {"name": "n" * 256}}, format="json"))
    assert "does not match any of the regexes" in message(admin.post(f"{url}/metadata", {"metadata": {"": "v"}},
                                                                     format="json"))  # fmt: skip
    assert "has too many properties" in message(admin.put(f"{url}/metadata/a", {"meta": {"a": "1", "b": "2"}},
                                                          format="json"))  # fmt: skip
    assert "is too long" in message(admin.put(f"{url}/tags", {"tags": ["t"] * 51}, format="json"))
    assert "does not match" in message(admin.put(f"{url}/tags", {"tags": ["a,b"]}, format="json"))
    instance.refresh_from_db()
    assert (instance.name, instance.metadata, instance.tags) == (display_name, {}, [])


def test_flavor_quota_and_group_bodies(admin_client, admin_user):
    before = Flavor.objects.count()
    refused = [
        ("/v2.1/flavors", {"flavor": {"name": "f", "ram": 0, "vcpus": 1, "disk": 1}}, "post"),
        ("/v2.1/flavors", {"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": -1}}, "post"),
        ("/v2.1/os-server-groups", {"server_group": {"name": "g", "policies": ["nearby"]}}, "post"),
        ("/v2.1/os-server-groups", {"server_group": {"name": "g", "policies": ["affinity", "anti-affinity"]}}, "post"),
    ]
    for url, body, method in refused:
        message(getattr(admin_client, method)(url, body, format="json"))
    assert Flavor.objects.count() == before and not ServerGroup.objects.exists()

    project = admin_user.default_project_id
    quota_url = f"/v2.1/os-quota-sets/{project}"
    assert "'bogus' was unexpected" in message(admin_client.put(quota_url, {"quota_set": {"bogus": 1}}, format="json"))
    at_2_36 = client_for(admin_user, "compute 2.36")
    assert "'floating_ips' was unexpected" in message(at_2_36.put(quota_url, {"quota_set": {"floating_ips": 1}},
                                                                  format="json"))  # fmt: skip
    assert admin_client.put(quota_url, {"quota_set": {"floating_ips": 1}}, format="json").status_code == 200
    assert not QuotaLimit.objects.filter(resource="bogus").exists()


def test_the_openapi_document_shows_these_schemas():
    ops = {**compute_bodies.OPERATIONS, **server_bodies.OPERATIONS}
    assert ops["/v2.1/os-keypairs", "POST"].request == keypairs.CREATE.described()
    assert ops["/v2.1/flavors", "POST"].request == flavors.CREATE.described()
    assert ops["/v2.1/flavors/{flavor_id}/os-extra_specs", "POST"].request == flavors.EXTRA_SPECS.described()
    assert ops["/v2.1/os-quota-sets/{project_id}", "PUT"].request == quota_sets.UPDATE.described()
    assert ops["/v2.1/os-server-groups", "POST"].request == server_groups.CREATE.described()
    assert ops["/v2.1/servers/{server_id}", "PUT"].request == servers.UPDATE.described()
    assert ops["/v2.1/servers/{server_id}/metadata", "PUT"].request == server_extras.METADATA_BODY.described()
    assert ops["/v2.1/servers/{server_id}/tags", "PUT"].request == server_extras.TAGS.described()
    assert server_bodies.COMPONENTS["ServerCreate"] == servers.CREATE.described()
    assert server_bodies.COMPONENTS["ServerAction"] == servers.action_bodies_described()


def test_the_only_block_device_is_the_images_root_disk(member_client, flavor, image):
    server = {"name": "vm", "flavorRef": flavor.flavorid, "imageRef": str(image.id)}
    root = {
        "uuid": str(image.id),
        "source_type": "image",
        "destination_type": "local",
        "boot_index": 0,
        "delete_on_termination": True,
    }  # fmt: skip (what openstack server create --image sends)
    refused = [
        [{**root, "destination_type": "volume"}],
        [{**root, "uuid": "0" * 8}],
        [root, {**root, "boot_index": 1}],
        [{"source_type": "blank", "destination_type": "local", "boot_index": -1, "volume_size": 1}],
    ]
    for mappings in refused:
        body = {"server": {**server, "block_device_mapping_v2": mappings}}
        assert "root disk" in message(member_client.post("/v2.1/servers", body, format="json")), mappings
    legacy = {"server": {**server, "block_device_mapping": [{"volume_id": str(image.id), "device_name": "vdb"}]}}
    assert "no block storage" in message(member_client.post("/v2.1/servers", legacy, format="json"))
    assert not Instance.objects.exists()

    booted = member_client.post("/v2.1/servers", {"server": {**server, "block_device_mapping_v2": [root]}},
                                format="json")  # fmt: skip
    assert booted.status_code == 202, booted.content
    assert str(Instance.objects.get().image_id) == str(image.id)
