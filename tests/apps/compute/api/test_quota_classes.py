"""os-quota-class-sets: show and update a quota class; the ``default`` class is every project's defaults."""

import pytest

from apps.compute.models import QuotaClass
from tests.fixtures.factories import client_for

pytestmark = pytest.mark.django_db

URL = "/v2.1/os-quota-class-sets"
NETWORK = {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"}
GROUPS = {"server_groups", "server_group_members"}
COMPUTE = {"instances", "cores", "ram", "key_pairs", "metadata_items", "injected_files",
           "injected_file_content_bytes", "injected_file_path_bytes"}  # fmt: skip


def at(version):
    return {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}


def put(client, name, values, version="2.1"):
    return client.put(f"{URL}/{name}", {"quota_class_set": values}, format="json", **at(version))


@pytest.mark.parametrize("version", ["2.1", "2.47"])
def test_show_has_nova_keys_before_2_50(admin_client, version):
    shown = admin_client.get(f"{URL}/default", **at(version)).json()["quota_class_set"]
    # Until 2.49 a quota class shows nova-network's limits and no server group ones.
    assert set(shown) == {"id"} | COMPUTE | NETWORK
    assert shown["id"] == "default"
    assert (shown["instances"], shown["cores"], shown["ram"], shown["fixed_ips"]) == (10, 20, 51200, -1)


@pytest.mark.parametrize("version", ["2.1", "2.47"])
def test_update_answers_without_the_id_and_keeps_every_key(admin_client, version):
    response = put(admin_client, "gold", {"instances": 50, "cores": "64", "floating_ips": 5, "server_groups": 3},
                   version)  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()["quota_class_set"]
    assert set(body) == COMPUTE | NETWORK
    assert (body["instances"], body["cores"], body["floating_ips"], body["ram"]) == (50, 64, 5, 51200)
    assert QuotaClass.objects.get(class_name="gold", resource="server_groups").hard_limit == 3  # kept, not shown
    shown = admin_client.get(f"{URL}/gold", **at(version)).json()["quota_class_set"]
    assert (shown["id"], shown["instances"]) == ("gold", 50)
    # Another class shows the settings' defaults, not the gold class's.
    assert admin_client.get(f"{URL}/silver").json()["quota_class_set"]["instances"] == 10


@pytest.mark.parametrize("version", ["2.1", "2.47"])
def test_the_default_class_sets_every_projects_defaults_and_enforcement(
    admin_client, member_client, member, flavor, image, casts, version
):
    project = member.default_project_id
    assert put(admin_client, "default", {"instances": 1, "key_pairs": 7}, version).status_code == 200
    defaults = member_client.get(f"/v2.1/os-quota-sets/{project}/defaults", **at(version)).json()["quota_set"]
    assert (defaults["instances"], defaults["key_pairs"], defaults["cores"]) == (1, 7, 20)
    assert member_client.get(f"/v2.1/os-quota-sets/{project}", **at(version)).json()["quota_set"]["instances"] == 1
    absolute = member_client.get("/v2.1/limits", **at(version)).json()["limits"]["absolute"]
    assert absolute["maxTotalInstances"] == 1

    def boot():
        body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none"}}
        return member_client.post("/v2.1/servers", body, format="json", **at(version))

    assert boot().status_code == 202
    refused = boot()
    assert refused.status_code == 403
    assert refused.json()["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"
    )
    # A project's own limit still wins over the default class.
    admin_client.put(f"/v2.1/os-quota-sets/{project}", {"quota_set": {"instances": 2}}, format="json")
    assert boot().status_code == 202


def test_only_admins(member_client, member):
    assert member_client.get(f"{URL}/default").status_code == 403
    refused = put(member_client, "default", {"instances": 1})
    assert refused.status_code == 403
    assert refused.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-quota-class-sets:update to be performed."
    )
    assert not QuotaClass.objects.exists()


@pytest.mark.parametrize(
    ("values", "wording"),
    [
        (
            {"instances": -2},
            "Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum of -1",
        ),
        ({"instances": "-2"}, "Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum"),
        ({"cores": 2**31}, "is greater than the maximum of 2147483647"),
        ({"ram": "lots"}, "Invalid input for field/attribute ram. Value: lots. 'lots' does not match"),
        ({"ram": 1.5}, "1.5 is not of type 'integer', 'string'"),
        ({"force": True}, "Additional properties are not allowed ('force' was unexpected)"),
        ({"networks": 1}, "Additional properties are not allowed ('networks' was unexpected)"),
    ],
)
def test_bad_bodies_are_400(admin_client, values, wording):
    response = put(admin_client, "default", values)
    assert response.status_code == 400, response.content
    assert wording in response.json()["badRequest"]["message"]
    assert not QuotaClass.objects.exists()


def test_bad_envelopes_and_names(admin_client):
    for body in ({}, {"quota_set": {"instances": 1}}, {"quota_class_set": {"instances": 1}, "extra": 1}):
        assert admin_client.put(f"{URL}/default", body, format="json").status_code == 400, body
    long_name = "c" * 256
    refused = put(admin_client, long_name, {"instances": 1})
    assert refused.json()["badRequest"]["message"] == "quota_class_name has 256 characters, more than 255."


def test_network_limits_are_accepted_until_2_50(admin_client):
    assert put(admin_client, "default", {"security_groups": 3}, "2.47").status_code == 200
    assert admin_client.get(f"{URL}/default").json()["quota_class_set"]["security_groups"] == 3


def test_a_member_client_at_latest_is_refused_too(member):
    client = client_for(member, "compute latest")
    assert client.get(f"{URL}/default").status_code == 403
