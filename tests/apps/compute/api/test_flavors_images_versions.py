import pytest

from apps.compute.models import Flavor

pytestmark = pytest.mark.django_db


def test_versions_need_no_auth(client):
    versions = client.get("/").json()["versions"]
    assert versions[-1]["id"] == "v2.1" and versions[-1]["status"] == "CURRENT"  # after v2.0, as Nova lists them
    assert client.get("/v2.1/").json()["version"]["min_version"] == "2.1"
    assert client.get("/v2.1").status_code == 200


def test_flavor_list_detail_show(member_client, flavor):
    assert member_client.get("/v2.1/flavors").json()["flavors"][0]["id"] == "1"
    detail = member_client.get("/v2.1/flavors/detail").json()["flavors"][0]
    assert (detail["ram"], detail["vcpus"], detail["disk"]) == (512, 1, 1)
    assert member_client.get("/v2.1/flavors/1").json()["flavor"]["name"] == "m1.tiny"
    missing = member_client.get("/v2.1/flavors/nope")
    assert missing.status_code == 404 and "itemNotFound" in missing.json()


def test_only_admins_manage_flavors(member_client, admin_client, flavor):
    body = {"flavor": {"name": "m1.huge", "ram": 65536, "vcpus": 16, "disk": 320, "id": "huge"}}
    assert member_client.post("/v2.1/flavors", body, format="json").status_code == 403
    created = admin_client.post("/v2.1/flavors", body, format="json")
    assert created.status_code == 200 and created.json()["flavor"]["id"] == "huge"
    duplicate = admin_client.post("/v2.1/flavors", body, format="json")
    assert duplicate.status_code == 409 and "conflictingRequest" in duplicate.json()
    assert admin_client.post("/v2.1/flavors", {"flavor": {"name": "x"}}, format="json").status_code == 400
    assert member_client.delete("/v2.1/flavors/huge").status_code == 403
    assert admin_client.delete("/v2.1/flavors/huge").status_code == 202
    assert not Flavor.objects.filter(flavorid="huge").exists()


def test_images_proxy(member_client, image):
    assert member_client.get("/v2.1/images").json()["images"][0]["id"] == str(image.id)
    detail = member_client.get(f"/v2.1/images/{image.id}").json()["image"]
    assert detail["status"] == "ACTIVE" and detail["OS-EXT-IMG-SIZE:size"] == 512
    assert member_client.get("/v2.1/images/detail").json()["images"][0]["minRam"] == 0
    assert member_client.get("/v2.1/images/not-an-id").status_code == 404


def test_flavor_extra_specs(member_client, admin_client, flavor):
    url = "/v2.1/flavors/1/os-extra_specs"
    assert member_client.post(url, {"extra_specs": {"a": "1"}}, format="json").status_code == 403
    assert admin_client.post(url, {"extra_specs": {"a": "1", "b": "2"}}, format="json").json() == {
        "extra_specs": {"a": "1", "b": "2"}
    }
    assert member_client.get(url).json() == {"extra_specs": {"a": "1", "b": "2"}}
    assert admin_client.put(f"{url}/a", {"a": "9"}, format="json").json() == {"a": "9"}
    assert admin_client.put(f"{url}/a", {"b": "9"}, format="json").status_code == 400
    assert member_client.get(f"{url}/a").json() == {"a": "9"}
    assert admin_client.delete(f"{url}/a").status_code == 200
    assert member_client.get(f"{url}/a").status_code == 404
