"""Quotas: enforcement on create, resize, server groups and key pairs; os-quota-sets and /limits."""

import json

import pytest

from apps.compute.models import Instance, QuotaLimit
from apps.compute.servers.delete import mark_deleted
from tests.fixtures.factories import make_flavor, make_instance, make_user

pytestmark = pytest.mark.django_db


def set_quota(project, **limits):
    for resource, value in limits.items():
        QuotaLimit.objects.update_or_create(project=project, resource=resource, defaults={"hard_limit": value})


def create(client, image, flavor="1", **extra):
    body = {"server": {"name": "vm", "flavorRef": flavor, "imageRef": str(image.id), "networks": "none", **extra}}
    return client.post("/v2.1/servers", json.dumps(body), content_type="application/json")


def forbidden_message(response) -> str:
    assert response.status_code == 403, response.content
    return response.json()["forbidden"]["message"]


def alive(project) -> int:
    return Instance.objects.filter(project=project, deleted_at__isnull=True).count()


def test_instances_quota_refuses_the_one_too_many_and_frees_on_delete(member_client, member, flavor, image, casts):
    set_quota(member.default_project, instances=2)
    assert create(member_client, image).status_code == 202
    assert create(member_client, image).status_code == 202
    message = forbidden_message(create(member_client, image))
    assert message == "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances"
    assert alive(member.default_project) == 2  # nothing half-written

    mark_deleted(Instance.objects.filter(project=member.default_project).first().uuid)
    assert create(member_client, image).status_code == 202


def test_cores_and_ram_count_the_flavor(member_client, member, image, casts):
    make_flavor("1")
    make_flavor("big", name="big", vcpus=4, memory_mb=4096)
    set_quota(member.default_project, cores=6)
    assert create(member_client, image, flavor="big").status_code == 202
    message = forbidden_message(create(member_client, image, flavor="big"))
    assert message == "Quota exceeded for cores: Requested 4, but already used 4 of 6 cores"
    set_quota(member.default_project, cores=-1, ram=5000)
    assert "Quota exceeded for ram" in forbidden_message(create(member_client, image, flavor="big"))


def test_max_count_shrinks_to_what_fits_and_min_count_must_fit(member_client, member, flavor, image, casts):
    set_quota(member.default_project, instances=3)
    refused = create(member_client, image, min_count=4, max_count=5)
    assert "Requested 4, but already used 0 of 3 instances" in forbidden_message(refused)
    assert create(member_client, image, min_count=1, max_count=5, return_reservation_id=True).status_code == 202
    assert alive(member.default_project) == 3


def test_resize_may_not_pass_the_cores_quota(member_client, member, flavor, image, casts):
    make_flavor("big", name="big", vcpus=8, memory_mb=512)
    set_quota(member.default_project, cores=4)
    instance = make_instance(member, flavor, image, vm_state="active", task_state=None, host="a", node="a")
    body = json.dumps({"resize": {"flavorRef": "big"}})
    response = member_client.post(f"/v2.1/servers/{instance.uuid}/action", body, content_type="application/json")
    assert forbidden_message(response) == "Quota exceeded for cores: Requested 7, but already used 1 of 4 cores"


def test_server_groups_and_their_members(member_client, member, flavor, image, casts):
    set_quota(member.default_project, server_groups=1, server_group_members=1)
    body = json.dumps({"server_group": {"name": "g", "policy": "anti-affinity"}})
    group = member_client.post("/v2.1/os-server-groups", body, content_type="application/json").json()["server_group"]
    second = member_client.post("/v2.1/os-server-groups", body, content_type="application/json")
    assert forbidden_message(second) == "Quota exceeded, too many server groups."

    def in_group():
        hints = {"group": group["id"]}
        body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none"},
                "os:scheduler_hints": hints}  # fmt: skip
        return member_client.post("/v2.1/servers", json.dumps(body), content_type="application/json")

    assert in_group().status_code == 202
    assert forbidden_message(in_group()) == "Quota exceeded, too many servers in group"


def test_key_pairs_quota(member_client, member):
    set_quota(member.default_project, key_pairs=1)
    body = {"keypair": {"name": "one"}}
    assert member_client.post("/v2.1/os-keypairs", body, format="json").status_code == 200
    body = {"keypair": {"name": "two"}}
    assert forbidden_message(member_client.post("/v2.1/os-keypairs", body, format="json")) == (
        "Quota exceeded, too many key pairs."
    )


def test_a_key_pair_named_at_create_is_recorded_and_handed_to_the_host(member_client, member, flavor, image, casts):
    key = member_client.post("/v2.1/os-keypairs", {"keypair": {"name": "mine"}}, format="json").json()["keypair"]
    response = create(member_client, image, key_name="mine")
    assert response.status_code == 202
    instance = Instance.objects.get(uuid=response.json()["server"]["id"])
    assert (instance.key_name, instance.key_data) == ("mine", key["public_key"])
    assert instance.payload()["key_data"] == key["public_key"]
    assert member_client.get(f"/v2.1/servers/{instance.uuid}").json()["server"]["key_name"] == "mine"
    unknown = create(member_client, image, key_name="nope")
    assert unknown.status_code == 400 and unknown.json()["badRequest"]["message"] == "Invalid key_name provided."
    other = make_user()
    from tests.fixtures.factories import client_for

    client_for(other).post("/v2.1/os-keypairs", {"keypair": {"name": "theirs"}}, format="json")
    assert create(member_client, image, key_name="theirs").status_code == 400  # another user's key


# -- the API ---------------------------------------------------------------------------------


def test_quota_set_show_detail_defaults(member_client, member, flavor, image, casts, settings):
    project_id = member.default_project.id
    shown = member_client.get(f"/v2.1/os-quota-sets/{project_id}").json()["quota_set"]
    assert shown["id"] == project_id
    assert (shown["instances"], shown["cores"], shown["ram"], shown["key_pairs"]) == (10, 20, 51200, 100)
    assert shown["server_groups"] == 10 and shown["server_group_members"] == 10 and shown["floating_ips"] == -1
    make_instance(member, flavor, image)
    detail = member_client.get(f"/v2.1/os-quota-sets/{project_id}/detail").json()["quota_set"]
    assert detail["instances"] == {"limit": 10, "in_use": 1, "reserved": 0}
    assert detail["cores"]["in_use"] == 1 and detail["ram"]["in_use"] == 512
    settings.QUOTA_DEFAULTS = {**settings.QUOTA_DEFAULTS, "instances": 7}
    assert member_client.get(f"/v2.1/os-quota-sets/{project_id}/defaults").json()["quota_set"]["instances"] == 7


def test_quota_set_update_and_revert(admin_client, member_client, member, flavor, image):
    project_id = member.default_project.id
    url = f"/v2.1/os-quota-sets/{project_id}"
    assert member_client.put(url, {"quota_set": {"instances": 50}}, format="json").status_code == 403
    updated = admin_client.put(url, {"quota_set": {"instances": 50, "cores": -1}}, format="json")
    assert updated.status_code == 200
    assert (updated.json()["quota_set"]["instances"], updated.json()["quota_set"]["cores"]) == (50, -1)
    assert "id" not in updated.json()["quota_set"]
    assert member_client.get(url).json()["quota_set"]["instances"] == 50

    make_instance(member, flavor, image)
    make_instance(member, flavor, image)
    below = admin_client.put(url, {"quota_set": {"instances": 1}}, format="json")
    assert below.status_code == 400 and "already used and reserved 2" in below.json()["badRequest"]["message"]
    forced = admin_client.put(url, {"quota_set": {"instances": 1, "force": True}}, format="json")
    assert forced.status_code == 200
    for bad in (
        {"instances": -2},
        {"instances": "-2"},
        {"instances": "many"},
        {"instances": True},
        {"bogus": 1},
        {"cores": 1.5},
        {"networks": 1},
        {"ram": str(2**31)},
    ):
        response = admin_client.put(url, {"quota_set": bad}, format="json")
        assert response.status_code == 400, bad
    unknown = admin_client.put("/v2.1/os-quota-sets/nope", {"quota_set": {"cores": 1}}, format="json")
    assert unknown.status_code == 400  # Nova asks Keystone, and an unknown project is a bad request
    assert unknown.json()["badRequest"]["message"] == "Project ID nope is not a valid project."
    assert admin_client.get("/v2.1/os-quota-sets/nope").status_code == 400
    assert admin_client.get("/v2.1/os-quota-sets/nope/defaults").status_code == 400

    assert admin_client.delete(url).status_code == 202
    assert member_client.get(url).json()["quota_set"]["instances"] == 10


def test_limits_show_the_callers_usage(member_client, member, flavor, image):
    make_instance(member, flavor, image)
    absolute = member_client.get("/v2.1/limits").json()["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["totalInstancesUsed"]) == (10, 1)
    assert (absolute["maxTotalCores"], absolute["totalCoresUsed"]) == (20, 1)
    assert (absolute["maxTotalRAMSize"], absolute["totalRAMUsed"]) == (51200, 512)
    assert absolute["maxTotalKeypairs"] == 100 and absolute["maxServerGroups"] == 10


# -- nova-network's quotas: set and shown until 2.35, gone from 2.36 ---------------------------

NETWORK = {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"}
COMPUTE = {"instances", "cores", "ram", "key_pairs", "metadata_items", "injected_files", "injected_file_content_bytes",
           "injected_file_path_bytes", "server_groups", "server_group_members"}  # fmt: skip


def at(version):
    return {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}


def test_network_quotas_are_kept_and_shown_until_2_35(admin_client, member_client, member):
    url = f"/v2.1/os-quota-sets/{member.default_project_id}"
    body = {"quota_set": {"fixed_ips": 7, "floating_ips": "3", "security_groups": 0, "security_group_rules": -1}}
    updated = admin_client.put(url, body, format="json", **at("2.35"))
    assert updated.status_code == 200, updated.content
    shown = updated.json()["quota_set"]
    assert set(shown) == COMPUTE | NETWORK
    assert (shown["fixed_ips"], shown["floating_ips"], shown["security_groups"], shown["security_group_rules"]) == (
        7, 3, 0, -1,
    )  # fmt: skip
    again = member_client.get(url, **at("2.35")).json()["quota_set"]
    assert set(again) == {"id"} | COMPUTE | NETWORK and again["fixed_ips"] == 7
    detail = member_client.get(f"{url}/detail", **at("2.35")).json()["quota_set"]
    assert detail["floating_ips"] == {"limit": 3, "in_use": 0, "reserved": 0}
    defaults = member_client.get(f"{url}/defaults", **at("2.35")).json()["quota_set"]
    assert set(defaults) == {"id"} | COMPUTE | NETWORK and defaults["fixed_ips"] == -1


def test_network_quotas_are_refused_and_hidden_from_2_36(admin_client, member_client, member):
    url = f"/v2.1/os-quota-sets/{member.default_project_id}"
    for name in NETWORK:
        refused = admin_client.put(url, {"quota_set": {name: 1}}, format="json", **at("2.36"))
        assert refused.status_code == 400
        assert refused.json()["badRequest"]["message"] == (
            f"Invalid input for field/attribute quota_set. Value: {{'{name}': 1}}. "
            f"Additional properties are not allowed ('{name}' was unexpected)"
        )
    updated = admin_client.put(url, {"quota_set": {"instances": 4}}, format="json", **at("2.36")).json()["quota_set"]
    assert set(updated) == COMPUTE and updated["instances"] == 4
    for path in (url, f"{url}/detail", f"{url}/defaults"):
        assert set(member_client.get(path, **at("2.36")).json()["quota_set"]) == {"id"} | COMPUTE, path
    # What was set at 2.35 is still there for a 2.35 client.
    admin_client.put(url, {"quota_set": {"fixed_ips": 9}}, format="json", **at("2.35"))
    assert "fixed_ips" not in member_client.get(url, **at("2.47")).json()["quota_set"]
    assert member_client.get(url, **at("2.35")).json()["quota_set"]["fixed_ips"] == 9


def test_the_detail_counts_what_nova_counts(member_client, member, flavor, image):
    """Key pairs are per user and group members per group: Nova's quota-set detail shows 0 in use."""
    member_client.post("/v2.1/os-keypairs", {"keypair": {"name": "k"}}, format="json")
    make_instance(member, flavor, image)
    detail = member_client.get(f"/v2.1/os-quota-sets/{member.default_project_id}/detail").json()["quota_set"]
    assert detail["key_pairs"]["in_use"] == 0 and detail["server_group_members"]["in_use"] == 0
    assert detail["instances"]["in_use"] == 1
