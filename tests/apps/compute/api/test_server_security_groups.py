"""A server's security groups, through the Compute API: asked for at create (an unknown one is a
400 and creates nothing), shown from its ports, added and removed on every port, and listed in
Nova's shape at ``/servers/{id}/os-security-groups``."""

import json

import pytest

from apps.compute.models import Instance
from apps.network import ipam, security_groups
from apps.network.models import Port
from tests.apps.network.factories import make_network
from tests.fixtures.factories import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    return ipam.ensure_default_network()


def create(client, image, **server):
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), **server}}
    return client.post("/v2.1/servers", json.dumps(body), content_type="application/json")


def act(client, server_id, body):
    return client.post(f"/v2.1/servers/{server_id}/action", body, format="json")


def group_names(client, server_id):
    return [g["name"] for g in client.get(f"/v2.1/servers/{server_id}").json()["server"].get("security_groups", [])]


def test_a_new_server_gets_the_default_group_on_its_port(member_client, member, flavor, image, network, casts):
    response = create(member_client, image)

    assert response.status_code == 202, response.content
    server = response.json()["server"]
    assert server["security_groups"] == [{"name": "default"}]
    [port] = Port.objects.filter(device_id=server["id"])
    assert [g.name for g in port.security_groups.all()] == ["default"]
    assert group_names(member_client, server["id"]) == ["default"]
    listed = member_client.get("/v2.1/servers/detail").json()["servers"][0]
    assert listed["security_groups"] == [{"name": "default"}]


def test_asked_for_groups_by_name_or_id(member_client, member, flavor, image, network, casts):
    web = security_groups.create_group(member.default_project_id, "web", "http")
    ssh = security_groups.create_group(member.default_project_id, "ssh")

    response = create(member_client, image, security_groups=[{"name": "web"}, {"name": str(ssh.id)}])

    assert response.status_code == 202, response.content
    server = response.json()["server"]
    assert server["security_groups"] == [{"name": "web"}, {"name": str(ssh.id)}]  # as asked, as Nova answers
    assert sorted(group_names(member_client, server["id"])) == ["ssh", "web"]
    assert web.ports.count() == 1


def test_an_unknown_or_foreign_group_is_400_and_creates_nothing(member_client, flavor, image, network, casts):
    other = make_user(username="other")
    theirs = security_groups.create_group(other.default_project_id, "theirs")

    for name in ("nope", str(theirs.id)):
        response = create(member_client, image, security_groups=[{"name": name}])
        assert response.status_code == 400, response.content
        assert response.json()["badRequest"]["message"] == f"Unable to find security_group with name or id '{name}'"
    assert not Instance.objects.exists() and not Port.objects.exists() and casts("scheduler") == []


def test_a_name_two_groups_share_is_409(member_client, member, flavor, image, network, casts):
    security_groups.create_group(member.default_project_id, "twin")
    security_groups.create_group(member.default_project_id, "twin")

    response = create(member_client, image, security_groups=[{"name": "twin"}])

    assert response.status_code == 409 and not Instance.objects.exists()


def test_add_and_remove_change_every_port(member_client, member, flavor, image, network, casts):
    lab = make_network("lab", shared=True, cidr="192.168.5.0/24")
    networks = [{"uuid": str(network.id)}, {"uuid": str(lab.id)}]
    server_id = create(member_client, image, networks=networks).json()["server"]["id"]
    web = security_groups.create_group(member.default_project_id, "web")

    assert act(member_client, server_id, {"addSecurityGroup": {"name": "web"}}).status_code == 202
    assert group_names(member_client, server_id) == ["default", "web"]
    assert web.ports.count() == 2
    assert act(member_client, server_id, {"addSecurityGroup": {"name": "web"}}).status_code == 202  # already: fine
    assert act(member_client, server_id, {"removeSecurityGroup": {"name": "default"}}).status_code == 202
    assert group_names(member_client, server_id) == ["web"]

    missing = act(member_client, server_id, {"addSecurityGroup": {"name": "nope"}})
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        f"Security group nope is not found for project {member.default_project_id}"
    )
    not_on = act(member_client, server_id, {"removeSecurityGroup": {"name": "default"}})
    assert not_on.status_code == 404
    assert (
        not_on.json()["itemNotFound"]["message"]
        == f"Security group default not associated with the instance {server_id}"
    )
    assert act(member_client, server_id, {"addSecurityGroup": {"name": ""}}).status_code == 400
    assert act(member_client, server_id, {"addSecurityGroup": {}}).status_code == 400


def test_a_server_without_ports_shows_no_groups_and_cannot_take_one(member_client, flavor, image, network, casts):
    server_id = create(member_client, image, networks="none").json()["server"]["id"]

    assert "security_groups" not in member_client.get(f"/v2.1/servers/{server_id}").json()["server"]
    response = act(member_client, server_id, {"addSecurityGroup": {"name": "default"}})
    assert response.status_code == 404
    assert "could not be found as device id on any ports" in response.json()["itemNotFound"]["message"]


def test_os_security_groups_lists_ingress_rules_as_nova(member_client, member, flavor, image, network, casts):
    server_id = create(member_client, image).json()["server"]["id"]

    response = member_client.get(f"/v2.1/servers/{server_id}/os-security-groups")

    assert response.status_code == 200, response.content
    [group] = response.json()["security_groups"]
    assert (group["name"], group["tenant_id"]) == ("default", member.default_project_id)
    assert len(group["rules"]) == 2  # the two ingress rules; Nova shows no egress
    assert all(r["group"] == {"name": "default", "tenant_id": member.default_project_id} for r in group["rules"])
    assert all((r["from_port"], r["to_port"], r["ip_protocol"]) == (-1, -1, None) for r in group["rules"])
    stranger = client_for(make_user(username="stranger"))
    assert stranger.get(f"/v2.1/servers/{server_id}/os-security-groups").status_code == 404
