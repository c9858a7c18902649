import json

import pytest

from apps.compute.models import Instance, ServerGroup
from tests.fixtures.factories import client_for, make_node

pytestmark = pytest.mark.django_db


def create_group(client, policy="anti-affinity", **extra):
    body = {"server_group": {"name": "g", **({} if "policies" in extra else {"policy": policy}), **extra}}
    return client.post("/v2.1/os-server-groups", body, format="json")


def test_server_group_crud(member, member_client):
    group = create_group(member_client, rules={"max_server_per_host": 2}).json()["server_group"]
    # Until 2.64 a group shows "policies" and "metadata"; its owner from 2.13.
    assert (group["policies"], group["members"], group["metadata"]) == (["anti-affinity"], [], {})
    assert not {"policy", "rules", "project_id", "user_id"} & set(group)
    owned = client_for(member, "compute 2.13").get(f"/v2.1/os-server-groups/{group['id']}").json()["server_group"]
    assert (owned["project_id"], owned["user_id"]) == (member.default_project_id, member.id)
    assert create_group(member_client, policies=["affinity"]).json()["server_group"]["policies"] == ["affinity"]
    assert create_group(member_client, policy="sideways").status_code == 400
    assert create_group(member_client, policy="affinity", rules={"max_server_per_host": 2}).status_code == 400
    listed = member_client.get("/v2.1/os-server-groups").json()["server_groups"]
    assert len(listed) == 2
    assert member_client.get(f"/v2.1/os-server-groups/{group['id']}").status_code == 200
    assert member_client.delete(f"/v2.1/os-server-groups/{group['id']}").status_code == 204
    assert member_client.get(f"/v2.1/os-server-groups/{group['id']}").status_code == 404
    assert member_client.get("/v2.1/os-server-groups/not-a-uuid").status_code == 404


def post_server(client, image, casts=None, **extra):
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none"}}
    hints = extra.pop("hints", None)
    body["server"].update(extra)
    if hints is not None:
        body["os:scheduler_hints"] = hints
    return client.post("/v2.1/servers", json.dumps(body), content_type="application/json")


def test_create_with_a_group_hint_makes_members(member_client, flavor, image, casts):
    group = create_group(member_client).json()["server_group"]

    response = post_server(member_client, image, hints={"group": group["id"]}, min_count=2, max_count=2)

    assert response.status_code == 202
    members = member_client.get(f"/v2.1/os-server-groups/{group['id']}").json()["server_group"]["members"]
    assert len(members) == 2
    assert post_server(member_client, image, hints={"group": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}).status_code == 400


def test_hints_reservation_ids_and_forced_hosts(member_client, admin_client, flavor, image, casts):
    assert post_server(member_client, image, hints={"same_host": "not-a-uuid"}).status_code == 400
    reply = post_server(member_client, image, return_reservation_id=True)
    assert reply.status_code == 202 and reply.json()["reservation_id"].startswith("r-")
    assert post_server(member_client, image, availability_zone="nowhere").status_code == 400
    assert post_server(member_client, image, availability_zone="nova:node1").status_code == 403
    make_node("node1")
    forced = post_server(admin_client, image, availability_zone="nova:node1")
    assert forced.status_code == 202
    instance = Instance.objects.get(uuid=forced.json()["server"]["id"])
    assert instance.request_spec["force_host"] == "node1" and instance.availability_zone == "nova"


def test_deleting_a_group_leaves_its_servers(member_client, flavor, image, casts):
    group = create_group(member_client).json()["server_group"]
    post_server(member_client, image, hints={"group": group["id"]})
    member_client.delete(f"/v2.1/os-server-groups/{group['id']}")
    assert Instance.objects.count() == 1 and ServerGroup.objects.count() == 0
