import json

import pytest

from apps.compute.models import Instance, InstanceAction
from apps.compute.states import TaskState, VmState
from tests.fixtures.factories import make_instance, make_node, make_user

pytestmark = pytest.mark.django_db


def create_body(flavor, image, **extra):
    return {
        "server": {"name": "vm1", "flavorRef": flavor.flavorid, "imageRef": str(image.id), "networks": "none", **extra}
    }


def post(client, body):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/v2.1/servers", raw, content_type="application/json")


def test_create_answers_202_writes_the_instance_and_casts_the_scheduler(member_client, member, flavor, image, casts):
    response = post(member_client, create_body(flavor, image))

    assert response.status_code == 202, response.content
    server = response.json()["server"]
    assert server["adminPass"] and server["links"][0]["href"].endswith(f"/v2.1/servers/{server['id']}")
    instance = Instance.objects.get(uuid=server["id"])
    assert (instance.vm_state, instance.task_state) == (VmState.BUILDING, TaskState.SCHEDULING)
    assert instance.project == member.default_project and instance.flavor["vcpus"] == 1
    action = InstanceAction.objects.get(instance=instance)
    assert action.action == "create" and action.request_id == response["x-openstack-request-id"]
    assert casts("scheduler") == [
        ("scheduler.select_destinations", {"instance_uuids": [server["id"]], "request_id": action.request_id})
    ]


def test_show_is_nova_shaped(member_client, member, flavor, image):
    instance = make_instance(member, flavor, image)

    body = member_client.get(f"/v2.1/servers/{instance.uuid}").json()["server"]

    assert body["status"] == "BUILD"
    assert body["OS-EXT-STS:vm_state"] == "building"
    assert body["OS-EXT-STS:task_state"] == "scheduling"
    assert body["OS-EXT-STS:power_state"] == 0
    assert body["flavor"]["id"] == "1" and body["image"]["id"] == str(image.id)
    assert body["tenant_id"] == member.default_project_id and body["user_id"] == member.id
    assert body["OS-EXT-SRV-ATTR:host"] is None
    for key in ("created", "updated", "links", "hostId", "addresses", "metadata"):
        assert key in body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "Malformed request body"),
        ("[]", "[] is not of type 'object'"),
        ({"srv": {}}, "'server' is a required property"),
        ({"server": {"flavorRef": "1", "imageRef": "x"}}, "'name' is a required property"),
        ({"server": {"name": "  ", "flavorRef": "1", "imageRef": "x"}}, "name"),
        ({"server": {"name": "vm", "flavorRef": "999", "imageRef": "IMAGE"}}, "Flavor 999 could not be found."),
        ({"server": {"name": "vm", "flavorRef": "1", "imageRef": "nope"}}, "Image nope could not be found."),
        ({"server": {"name": "vm", "flavorRef": "1", "imageRef": "IMAGE", "max_count": "x"}}, "max_count"),
        ({"server": {"name": "vm", "flavorRef": "1", "imageRef": "IMAGE", "metadata": []}}, "metadata"),
    ],
)
def test_bad_input_is_400_with_nothing_written_or_queued(member_client, flavor, image, casts, body, message):
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("IMAGE", str(image.id)))

    response = post(member_client, body)

    assert response.status_code == 400, response.content
    assert message in response.json()["badRequest"]["message"]
    assert response.json()["badRequest"]["code"] == 400
    assert Instance.objects.count() == 0 and InstanceAction.objects.count() == 0
    assert casts("scheduler") == []


def test_unknown_and_malformed_ids_are_404(member_client, db):
    for server_id in ("3fa85f64-5717-4562-b3fc-2c963f66afa6", "not-a-uuid"):
        response = member_client.get(f"/v2.1/servers/{server_id}")
        assert response.status_code == 404
        assert response.json() == {
            "itemNotFound": {"code": 404, "message": f"Instance {server_id} could not be found."}
        }


def test_projects_see_only_their_own_servers(member_client, member, flavor, image):
    mine = make_instance(member, flavor, image, name="mine")
    theirs = make_instance(make_user(), flavor, image, name="theirs")

    listed = member_client.get("/v2.1/servers").json()["servers"]

    assert [s["id"] for s in listed] == [str(mine.uuid)]
    assert member_client.get(f"/v2.1/servers/{theirs.uuid}").status_code == 404
    assert member_client.delete(f"/v2.1/servers/{theirs.uuid}").status_code == 404
    assert member_client.get("/v2.1/servers?all_tenants=1").status_code == 403


def test_admin_lists_all_tenants_and_sees_hosts(admin_client, member, flavor, image):
    instance = make_instance(member, flavor, image, host="node1", node="node1", task_state=TaskState.SPAWNING)

    servers = admin_client.get("/v2.1/servers/detail?all_tenants=1").json()["servers"]

    assert [(s["id"], s["OS-EXT-SRV-ATTR:host"]) for s in servers] == [(str(instance.uuid), "node1")]


def test_delete_without_a_host_is_immediate(member_client, member, flavor, image, casts):
    instance = make_instance(member, flavor, image, vm_state=VmState.ERROR, task_state=None)

    assert member_client.delete(f"/v2.1/servers/{instance.uuid}").status_code == 204

    instance.refresh_from_db()
    assert instance.vm_state == VmState.DELETED and instance.deleted_at is not None
    assert member_client.get(f"/v2.1/servers/{instance.uuid}").status_code == 404
    assert member_client.get("/v2.1/servers").json()["servers"] == []
    assert casts("compute.node1") == []


def test_delete_on_a_host_goes_through_its_compute_queue(member_client, member, flavor, image, casts):
    make_node("node1")
    instance = make_instance(
        member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="node1", node="node1"
    )

    response = member_client.delete(f"/v2.1/servers/{instance.uuid}")

    assert response.status_code == 204
    instance.refresh_from_db()
    assert instance.task_state == TaskState.DELETING
    assert casts("compute.node1") == [
        (
            "compute.terminate_instance",
            {"instance_uuid": str(instance.uuid), "request_id": response["x-openstack-request-id"]},
        )
    ]


def test_unauthenticated_is_401_and_the_api_is_browsable(member_client, client, db):
    response = client.get("/v2.1/servers")
    assert response.status_code == 401
    assert response.json()["unauthorized"]["code"] == 401
    assert response["WWW-Authenticate"].startswith("Keystone uri=")

    page = member_client.get("/v2.1/servers", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"<html" in page.content.lower()


def test_instance_actions_are_listed(member_client, member, flavor, image, casts):
    server = post(member_client, create_body(flavor, image)).json()["server"]

    actions = member_client.get(f"/v2.1/servers/{server['id']}/os-instance-actions").json()["instanceActions"]
    assert [a["action"] for a in actions] == ["create"]
    one = member_client.get(
        f"/v2.1/servers/{server['id']}/os-instance-actions/{actions[0]['request_id']}",
        HTTP_OPENSTACK_API_VERSION="compute 2.51",  # events for non-admins from 2.51
    )
    assert one.json()["instanceAction"]["events"] == []


def test_multiple_create_names_each_server(member_client, flavor, image, casts):
    response = post(member_client, create_body(flavor, image, min_count=2, max_count=3))

    assert response.status_code == 202
    assert sorted(Instance.objects.values_list("name", flat=True)) == ["vm1-1", "vm1-2", "vm1-3"]
    assert len(casts("scheduler")[0][1]["instance_uuids"]) == 3


def test_delete_on_a_down_host_is_local_and_frees_the_claim(member_client, member, flavor, image, casts):
    make_node("gone", up=False)
    instance = make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="gone", node="gone")

    assert member_client.delete(f"/v2.1/servers/{instance.uuid}").status_code == 204

    instance.refresh_from_db()
    assert instance.vm_state == VmState.DELETED
    assert casts("compute.gone") == []
    assert member_client.delete(f"/v2.1/servers/{instance.uuid}").status_code == 404
