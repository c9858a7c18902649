"""The action API's refusals and bookkeeping (no workers needed: each case is decided by the API)."""

import pytest

from apps.compute.models import Instance, InstanceAction
from apps.compute.states import TaskState, VmState
from tests.fixtures.factories import make_flavor, make_instance, make_node, make_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_node(member, flavor, image):
    def make(vm_state=VmState.ACTIVE, task_state=None, **fields):
        return make_server(member, flavor, image, vm_state=vm_state, task_state=task_state, **fields)

    return make


def act(client, instance, body):
    return client.post(f"/v2.1/servers/{instance.uuid}/action", body, format="json")


STATE_CASES = [
    # (action body, vm_state, task_state, allowed)
    ({"os-stop": None}, VmState.ACTIVE, None, True),
    ({"os-stop": None}, VmState.ERROR, None, True),
    ({"os-stop": None}, VmState.STOPPED, None, False),
    ({"os-stop": None}, VmState.ACTIVE, TaskState.REBOOTING, False),
    ({"os-start": None}, VmState.STOPPED, None, True),
    ({"os-start": None}, VmState.ACTIVE, None, False),
    ({"reboot": {"type": "SOFT"}}, VmState.ACTIVE, None, True),
    ({"reboot": {"type": "SOFT"}}, VmState.STOPPED, None, False),
    ({"reboot": {"type": "HARD"}}, VmState.STOPPED, None, True),
    ({"reboot": {"type": "HARD"}}, VmState.PAUSED, None, True),
    ({"reboot": {"type": "HARD"}}, VmState.SUSPENDED, None, True),
    ({"reboot": {"type": "HARD"}}, VmState.ERROR, None, True),
    ({"reboot": {"type": "HARD"}}, VmState.ACTIVE, TaskState.REBOOTING, True),
    ({"reboot": {"type": "HARD"}}, VmState.RESIZED, None, False),
    ({"pause": None}, VmState.ACTIVE, None, True),
    ({"pause": None}, VmState.STOPPED, None, False),
    ({"unpause": None}, VmState.PAUSED, None, True),
    ({"unpause": None}, VmState.ACTIVE, None, False),
    ({"suspend": None}, VmState.ACTIVE, None, True),
    ({"suspend": None}, VmState.PAUSED, None, False),
    ({"resume": None}, VmState.SUSPENDED, None, True),
    ({"resume": None}, VmState.ACTIVE, None, False),
    ({"resize": {"flavorRef": "2"}}, VmState.ACTIVE, None, True),
    ({"resize": {"flavorRef": "2"}}, VmState.STOPPED, None, True),
    ({"resize": {"flavorRef": "2"}}, VmState.PAUSED, None, False),
    ({"migrate": None}, VmState.ACTIVE, None, True),
    ({"migrate": None}, VmState.ERROR, None, False),
    ({"confirmResize": None}, VmState.ACTIVE, None, False),
    ({"revertResize": None}, VmState.STOPPED, None, False),
    ({"createImage": {"name": "snap"}}, VmState.SUSPENDED, None, True),
    ({"createImage": {"name": "snap"}}, VmState.ERROR, None, False),
    ({"rebuild": {"imageRef": "IMAGE"}}, VmState.ERROR, None, True),
    ({"rebuild": {"imageRef": "IMAGE"}}, VmState.PAUSED, None, False),
]


@pytest.mark.parametrize(("body", "vm_state", "task_state", "ok"), STATE_CASES)
def test_the_state_table(admin_client, on_node, image, casts, body, vm_state, task_state, ok):
    make_flavor("2", "m1.small", 1, 2048, 20)
    if "rebuild" in body:
        body = {"rebuild": {"imageRef": str(image.id)}}
    instance = on_node(vm_state, task_state)

    response = act(admin_client, instance, body)

    if ok:
        assert response.status_code in (202, 204), response.content
        instance.refresh_from_db()
        assert instance.task_state not in (None, task_state)
    else:
        assert response.status_code == 409, response.content
        message = response.json()["conflictingRequest"]["message"]
        assert message.startswith("Cannot '") and str(instance.uuid) in message
        instance.refresh_from_db()
        assert (instance.vm_state, instance.task_state) == (vm_state, task_state)
        assert casts("compute.node1") == [] and casts("scheduler") == []


def test_stop_sets_the_task_state_records_the_action_and_casts_the_host(member_client, on_node, casts):
    instance = on_node()

    response = act(member_client, instance, {"os-stop": None})

    assert response.status_code == 202
    instance.refresh_from_db()
    assert instance.task_state == TaskState.POWERING_OFF
    action = InstanceAction.objects.get(instance=instance, action="stop")
    [(task, kwargs)] = casts("compute.node1")
    assert task == "compute.stop_instance" and kwargs["request_id"] == action.request_id
    assert kwargs["instance"]["uuid"] == str(instance.uuid)


def test_a_locked_server_refuses_its_owner_until_unlocked(member_client, admin_client, on_node, casts):
    instance = on_node()
    assert act(member_client, instance, {"lock": {"locked_reason": "maintenance"}}).status_code == 202

    refused = act(member_client, instance, {"os-stop": None})
    assert refused.status_code == 409 and "locked" in refused.json()["conflictingRequest"]["message"]
    assert member_client.delete(f"/v2.1/servers/{instance.uuid}").status_code == 409
    shown = member_client.get(f"/v2.1/servers/{instance.uuid}", HTTP_OPENSTACK_API_VERSION="compute 2.9").json()
    assert shown["server"]["locked"] is True
    instance.refresh_from_db()
    assert instance.locked_reason is None  # a reason is kept from 2.73; before, Nova ignores it

    assert act(admin_client, instance, {"os-stop": None}).status_code == 202  # admins pass locks
    assert act(member_client, instance, {"unlock": None}).status_code == 202
    assert Instance.objects.get(uuid=instance.uuid).locked is False


def test_an_admin_lock_cannot_be_lifted_by_the_owner(member_client, admin_client, on_node):
    instance = on_node()
    assert act(admin_client, instance, {"lock": None}).status_code == 202
    assert act(member_client, instance, {"unlock": None}).status_code == 403


def test_unknown_or_malformed_actions_are_400(member_client, on_node):
    instance = on_node()
    assert act(member_client, instance, {"explode": None}).json()["badRequest"]["message"] == (
        "There is no such action: explode"
    )
    assert act(member_client, instance, {"os-stop": None, "os-start": None}).status_code == 400
    assert act(member_client, instance, {"reboot": {"type": "GENTLE"}}).status_code == 400
    assert act(member_client, instance, {"reboot": "HARD"}).status_code == 400
    assert act(member_client, instance, {"resize": {}}).status_code == 400
    assert act(member_client, instance, {"resize": {"flavorRef": "1"}}).json()["badRequest"]["message"] == (
        "When resizing, instances must change flavor!"
    )
    assert act(member_client, instance, {"createImage": {}}).status_code == 400


def test_operator_actions_are_admin_only(member_client, admin_client, on_node, casts):
    instance = on_node()
    assert act(member_client, instance, {"os-resetState": {"state": "error"}}).status_code == 403
    assert act(member_client, instance, {"migrate": None}).status_code == 403
    assert act(admin_client, instance, {"os-resetState": {"state": "sideways"}}).status_code == 400

    assert act(admin_client, instance, {"os-resetState": {"state": "error"}}).status_code == 202

    instance.refresh_from_db()
    assert (instance.vm_state, instance.task_state) == (VmState.ERROR, None)
    assert InstanceAction.objects.filter(instance=instance, action="resetState").exists()


def test_actions_on_another_projects_server_are_404(member_client, admin_user, flavor, image):
    theirs = make_instance(admin_user, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="node1")
    assert act(member_client, theirs, {"os-stop": None}).status_code == 404


def test_console_output_when_the_host_is_down_is_409(member_client, member, flavor, image):
    make_node("gone", up=False)
    instance = make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="gone", node="gone")
    response = act(member_client, instance, {"os-getConsoleOutput": {}})
    assert response.status_code == 409 and "gone" in response.json()["conflictingRequest"]["message"]


def test_console_output_when_the_host_does_not_answer_is_504(member_client, on_node, settings, casts):
    settings.CONSOLE_OUTPUT_TIMEOUT = 0.5
    instance = on_node()  # node1 heartbeats in the database, but no worker consumes its queue
    response = act(member_client, instance, {"os-getConsoleOutput": {"length": 5}})
    assert response.status_code == 504
    assert response.json()["gatewayTimeout"]["message"] == "Compute host node1 did not answer within 0.5 s"


@pytest.mark.parametrize(
    ("body", "lacking"),
    [
        ({"suspend": None}, "supports_suspend"),
        ({"pause": None}, "supports_pause"),
        ({"resize": {"flavorRef": "2"}}, "supports_migration"),
        ({"migrate": None}, "supports_migration"),
        ({"createImage": {"name": "snap"}}, "supports_snapshot"),
        ({"rebuild": {"imageRef": "IMAGE"}}, "supports_rebuild"),
    ],
)
def test_an_action_the_nodes_driver_lacks_is_a_409_before_anything_changes(admin_client, on_node, image, casts, body,
                                                                           lacking):  # fmt: skip
    from apps.hosts.models import ComputeNode
    from apps.images.models import Image
    from core import capabilities

    make_flavor("2", "m1.small", 1, 2048, 20)
    if "rebuild" in body:
        body = {"rebuild": {"imageRef": str(image.id)}}
    instance = on_node()
    ComputeNode.objects.filter(hypervisor_hostname="node1").update(
        capabilities={**capabilities.every(), lacking: False}
    )
    images_before = Image.objects.count()

    response = act(admin_client, instance, body)

    assert response.status_code == 409, response.content
    assert "does not support it" in response.json()["conflictingRequest"]["message"]
    instance.refresh_from_db()
    assert (instance.vm_state, instance.task_state) == (VmState.ACTIVE, None)
    assert Image.objects.count() == images_before and not InstanceAction.objects.filter(instance=instance).exists()
    assert casts("compute.node1") == [] and casts("scheduler") == []
    # The same node with the capability answers as usual.
    ComputeNode.objects.filter(hypervisor_hostname="node1").update(capabilities=capabilities.every())
    assert act(admin_client, instance, body).status_code in (202, 204)
