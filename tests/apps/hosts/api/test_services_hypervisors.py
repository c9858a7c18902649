import json

import pytest

from apps.compute.states import VmState
from apps.hosts.models import Service
from tests.fixtures.factories import client_for, make_instance, make_node

pytestmark = pytest.mark.django_db


def test_services_list_and_state(admin_client, member_client):
    make_node("up1")
    make_node("gone", up=False)
    assert member_client.get("/v2.1/os-services").status_code == 403

    services = {s["host"]: s for s in admin_client.get("/v2.1/os-services").json()["services"]}

    assert (services["up1"]["state"], services["up1"]["status"]) == ("up", "enabled")
    assert services["gone"]["state"] == "down"
    assert services["up1"]["binary"] == "cloudcore-compute" and services["up1"]["zone"] == "nova"
    assert admin_client.get("/v2.1/os-services?host=gone").json()["services"][0]["host"] == "gone"


@pytest.fixture
def up_to_2_53(monkeypatch):
    """Services and hypervisors by UUID are 2.53's; the API's maximum is lower until it gets there."""
    from apps.common import microversion

    monkeypatch.setattr(microversion, "MAX_VERSION", max(microversion.MAX_VERSION, (2, 53)))


def test_disable_force_down_and_delete_a_service(admin_user, member, flavor, image, up_to_2_53):
    admin_client = client_for(admin_user, "compute 2.53")  # services by UUID
    node = make_node("node1")
    url = f"/v2.1/os-services/{node.service.uuid}"

    body = admin_client.put(url, {"status": "disabled", "disabled_reason": "maintenance"}, format="json").json()
    assert (body["service"]["status"], body["service"]["disabled_reason"]) == ("disabled", "maintenance")
    assert admin_client.put(url, {"forced_down": True}, format="json").json()["service"]["state"] == "down"
    assert admin_client.put(url, {"status": "sideways"}, format="json").status_code == 400
    assert (
        admin_client.put(url, {"status": "enabled", "forced_down": False}, format="json").json()["service"]["state"]
        == "up"
    )

    instance = make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="node1")
    assert admin_client.delete(url).status_code == 409
    instance.delete()
    assert admin_client.delete(url).status_code == 204
    assert not Service.objects.filter(host="node1").exists()
    assert admin_client.delete(url).status_code == 404


def test_hypervisors(admin_user, admin_client, member_client, member, flavor, image, up_to_2_53):
    node = make_node("node1", vcpus=8, memory_mb=4096)
    make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="node1", node="node1")
    assert member_client.get("/v2.1/os-hypervisors").status_code == 403

    listed = admin_client.get("/v2.1/os-hypervisors").json()["hypervisors"]
    assert listed == [{"id": node.pk, "hypervisor_hostname": "node1", "state": "up", "status": "enabled"}]
    detail = admin_client.get("/v2.1/os-hypervisors/detail").json()["hypervisors"][0]
    assert (detail["vcpus"], detail["memory_mb"], detail["service"]["host"]) == (8, 4096, "node1")
    assert json.loads(detail["cpu_info"]) == {"arch": node.cpu_arch}  # JSON text until 2.28
    assert admin_client.get(f"/v2.1/os-hypervisors/{node.pk}").json()["hypervisor"]["id"] == node.pk
    latest = client_for(admin_user, "compute 2.53")
    shown = latest.get(f"/v2.1/os-hypervisors/{node.uuid}?with_servers=true").json()["hypervisor"]
    assert shown["id"] == str(node.uuid) and len(shown["servers"]) == 1
    stats = admin_client.get("/v2.1/os-hypervisors/statistics").json()["hypervisor_statistics"]
    assert (stats["count"], stats["vcpus"]) == (1, 8)
    assert admin_client.get("/v2.1/os-hypervisors/nope").status_code == 404


def test_evacuate_rules(admin_client, member_client, member, flavor, image, casts):
    make_node("alive")
    make_node("dead", up=False)
    on_alive = make_instance(
        member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="alive", node="alive"
    )
    on_dead = make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="dead", node="dead")

    assert (
        member_client.post(f"/v2.1/servers/{on_dead.uuid}/action", {"evacuate": {}}, format="json").status_code == 403
    )
    assert (
        admin_client.post(f"/v2.1/servers/{on_alive.uuid}/action", {"evacuate": {}}, format="json").status_code == 400
    )

    response = admin_client.post(f"/v2.1/servers/{on_dead.uuid}/action", {"evacuate": {}}, format="json")

    assert response.status_code == 200 and "adminPass" in response.json()
    on_dead.refresh_from_db()
    assert (on_dead.host, on_dead.task_state) == (None, "scheduling")
    assert casts("scheduler")[-1][1]["instance_uuids"] == [str(on_dead.uuid)]


def test_before_2_53_services_are_changed_by_host_and_binary_as_openstackclient_does(admin_user, admin_client):
    node = make_node("node1")
    listed = admin_client.get("/v2.1/os-services").json()["services"]
    assert listed[0]["id"] == node.service.pk and "forced_down" not in listed[0]  # integer ids; forced_down 2.11

    disabled = admin_client.put("/v2.1/os-services/disable-log-reason", {"host": "node1", "binary": "nova-compute",
                                "disabled_reason": "maintenance"}, format="json")  # fmt: skip
    assert disabled.json() == {"service": {"host": "node1", "binary": "nova-compute", "status": "disabled",
                                           "disabled_reason": "maintenance"}}  # fmt: skip
    enabled = admin_client.put("/v2.1/os-services/enable", {"host": "node1", "binary": "cloudcore-compute"},
                               format="json")  # fmt: skip
    assert enabled.json()["service"]["status"] == "enabled"
    # Nova checks the body against the version's schema first: forced_down is unknown before 2.11 (400),
    # and so is the force-down action (404)
    early = admin_client.put("/v2.1/os-services/force-down", {"host": "node1", "binary": "nova-compute",
                                                              "forced_down": True}, format="json")  # fmt: skip
    assert early.status_code == 400 and "forced_down" in early.json()["badRequest"]["message"]
    early = admin_client.put("/v2.1/os-services/force-down", {"host": "node1", "binary": "nova-compute"}, format="json")
    assert early.status_code == 404
    down = client_for(admin_user, "compute 2.11").put(
        "/v2.1/os-services/force-down", {"host": "node1", "binary": "nova-compute", "forced_down": True}, format="json"
    )
    assert down.json() == {"service": {"host": "node1", "binary": "nova-compute", "forced_down": True}}
    node.service.refresh_from_db()
    assert (node.service.disabled, node.service.forced_down) == (False, True)
    assert admin_client.put(f"/v2.1/os-services/{node.service.uuid}", {"host": "node1", "binary": "nova-compute"},
                            format="json").status_code == 404  # fmt: skip
    assert (
        admin_client.put(f"/v2.1/os-services/{node.service.uuid}", {"status": "disabled"}, format="json").status_code
        == 400
    )  # fmt: skip (the 2.53 body)
    assert admin_client.put("/v2.1/os-services/disable", {"host": "nowhere", "binary": "nova-compute"},
                            format="json").status_code == 404  # fmt: skip
