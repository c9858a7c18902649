"""Microversion negotiation, and fields that appear at their microversions."""

import pytest

from apps.common import microversion
from tests.fixtures.factories import make_instance

pytestmark = pytest.mark.django_db

MAX = microversion.text(microversion.MAX_VERSION)


def version_of(response) -> str:
    assert response["X-OpenStack-Nova-API-Version"] == response["OpenStack-API-Version"].split()[1]
    assert "OpenStack-API-Version" in response["Vary"] and "X-OpenStack-Nova-API-Version" in response["Vary"]
    return response["X-OpenStack-Nova-API-Version"]


def test_negotiation(member_client):
    assert version_of(member_client.get("/v2.1/flavors")) == "2.1"
    assert version_of(member_client.get("/v2.1/flavors", HTTP_OPENSTACK_API_VERSION="compute 2.19")) == "2.19"
    assert version_of(member_client.get("/v2.1/flavors", HTTP_X_OPENSTACK_NOVA_API_VERSION="2.9")) == "2.9"
    both = member_client.get("/v2.1/flavors", HTTP_OPENSTACK_API_VERSION="volume 3.0, compute 2.26",
                             HTTP_X_OPENSTACK_NOVA_API_VERSION="2.9")  # fmt: skip
    assert version_of(both) == "2.26"
    assert version_of(member_client.get("/v2.1/flavors", HTTP_OPENSTACK_API_VERSION="compute latest")) == MAX


def test_out_of_range_is_406_and_garbage_400(member_client):
    high = member_client.get("/v2.1/flavors", HTTP_OPENSTACK_API_VERSION="compute 2.999")
    assert high.status_code == 406 and "maximum is " + MAX in high.json()["computeFault"]["message"]
    assert member_client.get("/v2.1/flavors", HTTP_OPENSTACK_API_VERSION="compute 3.0").status_code == 406
    assert member_client.get("/v2.1/flavors", HTTP_OPENSTACK_API_VERSION="compute 2.0").status_code == 406
    bad = member_client.get("/v2.1/flavors", HTTP_X_OPENSTACK_NOVA_API_VERSION="two")
    assert bad.status_code == 400 and bad.json()["badRequest"]["code"] == 400


def test_the_version_document_advertises_the_range(client):
    version = client.get("/v2.1/").json()["version"]
    assert (version["min_version"], version["version"]) == ("2.1", MAX)


def test_server_fields_follow_the_version(member_client, member, flavor, image):
    instance = make_instance(member, flavor, image, tags=["a"], description="d")
    url = f"/v2.1/servers/{instance.uuid}"
    old = member_client.get(url).json()["server"]
    assert {"locked", "description", "tags"}.isdisjoint(old) and set(old["flavor"]) == {"id", "links"}
    assert "locked" in member_client.get(url, HTTP_OPENSTACK_API_VERSION="compute 2.9").json()["server"]
    new = member_client.get(url, HTTP_OPENSTACK_API_VERSION="compute 2.47").json()["server"]
    assert (new["locked"], new["description"], new["tags"]) == (False, "d", ["a"])
    # Nova's default policy shows the extra specs to the project's readers too, not only to admins.
    assert new["flavor"] == {"original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0,
                             "extra_specs": {}}  # fmt: skip


def test_the_image_proxy_and_network_quotas_go_at_2_36(member_client, member, image):
    assert member_client.get("/v2.1/images").status_code == 200
    assert member_client.get("/v2.1/images", HTTP_OPENSTACK_API_VERSION="compute 2.36").status_code == 404
    url = f"/v2.1/os-quota-sets/{member.default_project.id}"
    assert "floating_ips" in member_client.get(url).json()["quota_set"]
    assert "floating_ips" not in member_client.get(url, HTTP_OPENSTACK_API_VERSION="compute 2.36").json()["quota_set"]
    absolute = member_client.get("/v2.1/limits", HTTP_OPENSTACK_API_VERSION="compute 2.36").json()["limits"]["absolute"]
    assert "maxSecurityGroups" not in absolute and "maxTotalInstances" in absolute


def test_an_empty_accept_header_gets_json(member_client):
    response = member_client.get("/v2.1/flavors", HTTP_ACCEPT="")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_the_optional_project_id_prefix(member_client, member, flavor):
    project = member.default_project.id
    assert member_client.get(f"/v2.1/{project}/flavors").json()["flavors"][0]["name"] == "m1.tiny"
    assert member_client.get(f"/v2.1/{project}/servers").json() == {"servers": []}
    other = member_client.get(f"/v2.1/{'0' * 32}/servers")
    assert other.status_code == 400 and "doesn't match" in other.json()["badRequest"]["message"]
