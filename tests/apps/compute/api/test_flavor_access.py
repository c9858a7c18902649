"""os-flavor-access: private flavors, the projects they are shared with, and who may see and boot them."""

import pytest

from apps.compute.models import Flavor, FlavorAccess
from tests.fixtures.factories import client_for, make_flavor, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(db):
    flavor = make_flavor("priv", name="m1.private", vcpus=2, memory_mb=1024)
    Flavor.objects.filter(pk=flavor.pk).update(is_public=False)
    flavor.refresh_from_db()
    return flavor


def action(client, flavor_id, name, tenant, version=None):
    extra = {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"} if version else {}
    return client.post(f"/v2.1/flavors/{flavor_id}/action", {name: {"tenant": tenant}}, format="json", **extra)


def boot(client, flavor_id, image):
    body = {"server": {"name": "vm", "flavorRef": flavor_id, "imageRef": str(image.id), "networks": "none"}}
    return client.post("/v2.1/servers", body, format="json")


def message(response, status):
    assert response.status_code == status, response.content
    ((_kind, error),) = response.json().items()
    return error["message"]


def listed_ids(client, path="/v2.1/flavors"):
    return [flavor["id"] for flavor in client.get(path).json()["flavors"]]


def test_a_private_flavor_is_hidden_until_shared_and_again_when_unshared(
    admin_client, member_client, member, flavor, private, image, casts
):
    project = member.default_project_id
    assert "priv" not in listed_ids(member_client) and "priv" not in listed_ids(member_client, "/v2.1/flavors/detail")
    assert message(member_client.get("/v2.1/flavors/priv"), 404) == "Flavor priv could not be found."
    assert message(boot(member_client, "priv", image), 400) == "Flavor priv could not be found."

    added = action(admin_client, "priv", "addTenantAccess", project)
    assert added.status_code == 200
    assert added.json() == {"flavor_access": [{"flavor_id": "priv", "tenant_id": project}]}
    assert listed_ids(member_client) == ["1", "priv"]
    shown = member_client.get("/v2.1/flavors/priv").json()["flavor"]
    assert shown["os-flavor-access:is_public"] is False and shown["ram"] == 1024
    assert boot(member_client, "priv", image).status_code == 202

    removed = action(admin_client, "priv", "removeTenantAccess", project)
    assert removed.status_code == 200 and removed.json() == {"flavor_access": []}
    assert "priv" not in listed_ids(member_client)
    assert member_client.get("/v2.1/flavors/priv").status_code == 404
    assert boot(member_client, "priv", image).status_code == 400


def test_sharing_with_one_project_shows_nothing_to_another(admin_client, member, private):
    other = client_for(make_user(make_project()))
    action(admin_client, "priv", "addTenantAccess", member.default_project_id)
    assert "priv" not in listed_ids(other) and other.get("/v2.1/flavors/priv").status_code == 404


def test_the_access_list(admin_client, member, private, flavor):
    url = "/v2.1/flavors/priv/os-flavor-access"
    assert admin_client.get(url).json() == {"flavor_access": []}
    second = make_project()
    for project in (member.default_project_id, second.id):
        assert action(admin_client, "priv", "addTenantAccess", project).status_code == 200
    listed = admin_client.get(url).json()["flavor_access"]
    assert sorted(item["tenant_id"] for item in listed) == sorted([member.default_project_id, second.id])
    assert {item["flavor_id"] for item in listed} == {"priv"}
    assert message(admin_client.get("/v2.1/flavors/1/os-flavor-access"), 404) == (
        "Access list not available for public flavors."
    )
    assert message(admin_client.get("/v2.1/flavors/nope/os-flavor-access"), 404) == "Flavor nope could not be found."


def test_errors_as_nova_words_them(admin_client, member, private, flavor):
    project = member.default_project_id
    assert action(admin_client, "priv", "addTenantAccess", project).status_code == 200
    assert message(action(admin_client, "priv", "addTenantAccess", project), 409) == (
        f"Flavor access already exists for flavor {private.pk} and project {project} combination."
    )
    assert FlavorAccess.objects.filter(flavor=private).count() == 1
    assert message(action(admin_client, "priv", "addTenantAccess", "no-such-project"), 400) == (
        "Project ID no-such-project is not a valid project."
    )
    assert message(action(admin_client, "nope", "addTenantAccess", project), 404) == "Flavor nope could not be found."
    assert message(action(admin_client, "priv", "removeTenantAccess", "gone"), 404) == (
        f"Flavor access not found for {private.pk} / gone combination."
    )
    assert message(action(admin_client, "nope", "removeTenantAccess", project), 404) == (
        "Flavor nope could not be found."
    )


def test_a_public_flavor_takes_access_only_before_2_7(admin_client, member, flavor):
    project = member.default_project_id
    assert message(action(admin_client, "1", "addTenantAccess", project, "2.7"), 409) == (
        "Can not add access to a public flavor."
    )
    assert action(admin_client, "1", "addTenantAccess", project, "2.6").status_code == 200
    assert FlavorAccess.objects.filter(flavor=flavor, project_id=project).exists()


@pytest.mark.parametrize(
    ("body", "wording"),
    [
        ({"addTenantAccess": {}}, "'tenant' is a required property"),
        ({"addTenantAccess": {"tenant": ""}}, "Invalid input for field/attribute tenant"),
        ({"addTenantAccess": {"tenant": "p", "extra": 1}}, "Additional properties are not allowed"),
        ({"removeTenantAccess": {"tenant": 5}}, "5 is not of type 'string'"),
        ({"addTenantAccess": {"tenant": "p"}, "removeTenantAccess": {"tenant": "p"}}, "Malformed message body"),
        ({"shareIt": {"tenant": "p"}}, "There is no such action: shareIt"),
    ],
)
def test_bad_bodies_are_400(admin_client, private, body, wording):
    response = admin_client.post("/v2.1/flavors/priv/action", body, format="json")
    assert wording in message(response, 400)


def test_only_admins_manage_access(member_client, member, private):
    project = member.default_project_id
    assert message(action(member_client, "priv", "addTenantAccess", project), 403) == (
        "Policy doesn't allow os_compute_api:os-flavor-access:add_tenant_access to be performed."
    )
    assert action(member_client, "priv", "removeTenantAccess", project).status_code == 403
    assert member_client.get("/v2.1/flavors/priv/os-flavor-access").status_code == 403
    assert not FlavorAccess.objects.exists()


def test_flavor_create_makes_a_private_flavor(admin_client, member_client):
    body = {"flavor": {"name": "secret", "ram": 256, "vcpus": 1, "disk": 1, "id": "s",
                       "os-flavor-access:is_public": False}}  # fmt: skip
    created = admin_client.post("/v2.1/flavors", body, format="json").json()["flavor"]
    assert created["os-flavor-access:is_public"] is False
    assert admin_client.get("/v2.1/flavors/s/os-flavor-access").json() == {"flavor_access": []}
    assert member_client.get("/v2.1/flavors/s").status_code == 404
    # Nova does not share a new private flavor with its creator's project: only is_public=none lists it.
    assert "s" not in listed_ids(admin_client)
    assert "s" in listed_ids(admin_client, "/v2.1/flavors?is_public=none")
