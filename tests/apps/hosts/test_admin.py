"""The Django admin for hosts: services' actions, evacuation through the domain, nodes' usage."""

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.test import Client
from django.urls import reverse

from apps.compute.states import TaskState, VmState
from apps.hosts.models import Aggregate, AggregateHost, Service
from tests.fixtures.factories import make_instance, make_node

pytestmark = pytest.mark.django_db

SERVICES = "/admin/hosts/service/"


@pytest.fixture
def web(admin_user):
    """A browser logged in to the Django admin as a superuser."""
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(admin_user)
    return client


def run_action(web, action, *services, **extra):
    data = {"action": action, "index": "0", "_selected_action": [str(s.pk) for s in services], **extra}
    return web.post(SERVICES, data)


def reported(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def row_of(web, host: str) -> str:
    """The changelist row of ``host`` as text."""
    text = web.get(SERVICES).content.decode()
    start = text.index(f">{host}</a>")
    return text[start : text.index("</tr>", start)]


def test_the_service_list_shows_zone_status_and_state(web):
    make_node("node1")
    make_node("gone", up=False)
    Service.objects.create(host="ctl", binary="cloudcore-scheduler")
    AggregateHost.objects.create(aggregate=Aggregate.objects.create(name="r1", metadata={"availability_zone": "az1"}),
                                 host="node1")  # fmt: skip

    assert "az1" in row_of(web, "node1") and ">up<" in row_of(web, "node1") and ">enabled<" in row_of(web, "node1")
    assert ">down<" in row_of(web, "gone") and "nova" in row_of(web, "gone")
    assert "internal" in row_of(web, "ctl")
    assert web.get(SERVICES, {"state": "down"}).context["cl"].result_count == 2
    assert web.get(SERVICES, {"state": "up"}).context["cl"].result_count == 1
    assert web.get(f"{SERVICES}add/").status_code == 403


def test_disable_asks_for_a_reason_then_enable_clears_it(web):
    service = make_node("node1").service
    before = service.updated_at

    form = run_action(web, "disable_services", service)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    no_reason = run_action(web, "disable_services", service, apply="yes", reason="")
    assert no_reason.status_code == 200 and not Service.objects.get(pk=service.pk).disabled

    done = run_action(web, "disable_services", service, apply="yes", reason="disk swap, ticket 42")

    assert done.status_code == 302 and reported(done) == [(SUCCESS, "cloudcore-compute@node1: disabled")]
    service.refresh_from_db()
    assert (service.disabled, service.disabled_reason) == (True, "disk swap, ticket 42")
    assert service.updated_at > before  # schedulers watch it
    assert "disabled (disk swap, ticket 42)" in row_of(web, "node1")

    run_action(web, "enable_services", service)
    service.refresh_from_db()
    assert (service.disabled, service.disabled_reason) == (False, "")
    assert ">enabled<" in row_of(web, "node1")


def test_force_down_and_back(web):
    service = make_node("node1").service

    run_action(web, "force_down", service)
    service.refresh_from_db()
    assert service.forced_down and ">down<" in row_of(web, "node1")

    run_action(web, "unforce_down", service)
    service.refresh_from_db()
    assert not service.forced_down and ">up<" in row_of(web, "node1")


def test_the_service_page_offers_the_actions_and_lists_its_servers(web, member, flavor, image):
    service = make_node("node1").service
    make_instance(member, flavor, image, name="vm-on-node1", vm_state=VmState.ACTIVE, task_state=None, host="node1")
    url = reverse("admin:hosts_service_change", args=[service.pk])

    text = web.get(url).content.decode()

    assert 'value="disable_services"' in text and 'value="evacuate_hosts"' in text and "vm-on-node1" in text
    back = run_action(web, "force_down", service, _return_to=url)
    assert back.status_code == 302 and back.url == url


def test_evacuate_a_down_host_calls_the_domain_for_each_server(web, member, flavor, image, casts):
    make_node("alive")
    dead = make_node("dead", up=False).service

    def on(host, name, **fields):
        fields.setdefault("vm_state", VmState.ACTIVE)
        fields.setdefault("task_state", None)
        return make_instance(member, flavor, image, name=name, host=host, node=host, **fields)

    first, second = on("dead", "a"), on("dead", "b", vm_state=VmState.STOPPED)
    busy = on("dead", "busy", task_state=TaskState.REBOOTING)
    elsewhere = on("alive", "elsewhere")

    asked = run_action(web, "evacuate_hosts", dead)
    assert asked.status_code == 200 and "busy" in asked.content.decode() and "elsewhere" not in asked.content.decode()
    assert casts("scheduler") == []

    done = run_action(web, "evacuate_hosts", dead, apply="yes")

    assert done.status_code == 302
    for server in (first, second):
        server.refresh_from_db()
        assert (server.host, server.vm_state, server.task_state) == (None, VmState.BUILDING, TaskState.SCHEDULING)
        assert server.actions.filter(action="evacuate").exists()
    busy.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (busy.host, busy.task_state) == ("dead", TaskState.REBOOTING)
    assert elsewhere.host == "alive"
    evacuated = sorted(kwargs["instance_uuids"][0] for _task, kwargs in casts("scheduler"))
    assert evacuated == sorted([str(first.uuid), str(second.uuid)])
    messages = reported(done)
    assert sorted(level for level, _ in messages) == [SUCCESS, SUCCESS, ERROR]
    assert any(level == ERROR and "busy" in text and "task_state rebooting" in text for level, text in messages)


def test_evacuating_a_live_host_is_refused_per_server(web, member, flavor, image, casts):
    alive = make_node("alive").service
    server = make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="alive", node="alive")

    done = run_action(web, "evacuate_hosts", alive, apply="yes")

    [(level, text)] = reported(done)
    assert level == ERROR and "still in use" in text
    server.refresh_from_db()
    assert server.host == "alive" and casts("scheduler") == []


def test_a_service_hosting_servers_cannot_be_deleted(web, member, flavor, image):
    busy = make_node("busy").service
    idle = make_node("idle").service
    make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="busy", node="busy")

    assert web.get(reverse("admin:hosts_service_delete", args=[busy.pk])).status_code == 403
    assert web.post(reverse("admin:hosts_service_delete", args=[idle.pk]), {"post": "yes"}).status_code == 302
    assert not Service.objects.filter(pk=idle.pk).exists()


def test_compute_nodes_show_usage_against_capacity(web):
    make_node("node1", vcpus=4, memory_mb=4096, local_gb=100, cpu_allocation_ratio=16.0, vcpus_used=8,
              memory_mb_used=1024, local_gb_used=10, running_vms=3)  # fmt: skip

    text = web.get("/admin/hosts/computenode/").content.decode()

    assert "8 / 4 (x16 = 64), 12%" in text and "1024 / 4096, 25%" in text and "10 / 100, 10%" in text


def test_an_aggregate_keeps_a_host_in_one_zone(web):
    make_node("node1")
    AggregateHost.objects.create(aggregate=Aggregate.objects.create(name="r1", metadata={"availability_zone": "az1"}),
                                 host="node1")  # fmt: skip
    data = {
        "name": "r2", "metadata": '{"availability_zone": "az2"}',
        "hosts-TOTAL_FORMS": "1", "hosts-INITIAL_FORMS": "0", "hosts-0-host": "node1",
    }  # fmt: skip

    refused = web.post("/admin/hosts/aggregate/add/", data)

    assert refused.status_code == 200 and "already in availability zone az1" in refused.content.decode()
    assert web.post("/admin/hosts/aggregate/add/", {**data, "hosts-0-host": "nowhere"}).status_code == 200
    data["metadata"] = '{"availability_zone": "az1"}'
    assert web.post("/admin/hosts/aggregate/add/", data).status_code == 302
    assert AggregateHost.objects.filter(aggregate__name="r2", host="node1").exists()
