"""The Django admin for servers: what it shows, and that its actions go through the domain."""

import pytest
from django.contrib import admin
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.compute.audit import add_fault, record_event, start_action
from apps.compute.models import Instance, InstanceAction, KeyPair, Migration, QuotaLimit, ServerGroup
from apps.compute.states import TaskState, VmState
from apps.hosts.models import Aggregate, AggregateHost, Allocation
from apps.identity import tokens
from apps.images.models import Image
from apps.network import ipam
from core.power_state import PowerState
from tests.apps.network.factories import make_network
from tests.fixtures.factories import make_image, make_instance, make_node, make_server

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/compute/instance/"


@pytest.fixture
def web(admin_user):
    """A browser logged in to the Django admin as a superuser."""
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def server(member, flavor, image):
    return make_server(member, flavor, image, name="web-1")


def run_action(web, action, *servers, **extra):
    """Post an admin action as the changelist's form does; returns the response (not followed)."""
    data = {"action": action, "index": "0", "_selected_action": [str(s.uuid) for s in servers], **extra}
    return web.post(CHANGELIST, data)


def reported(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def test_the_server_list_shows_status_host_flavor_and_filters(web, server, member, flavor):
    gone = make_instance(member, flavor, name="gone-1", vm_state=VmState.DELETED, task_state=None)
    gone.deleted_at = gone.created_at
    gone.save()

    page = web.get(CHANGELIST)

    assert page.status_code == 200
    text = page.content.decode()
    assert "web-1" in text and "ACTIVE" in text and "node1" in text and "m1.tiny" in text
    assert "?vm_state=active" in text and "?host=node1" in text and "project__id__exact=" in text
    assert "gone-1" not in text  # deleted servers only when asked for
    assert "gone-1" in web.get(CHANGELIST, {"deleted": "yes"}).content.decode()
    assert web.get(CHANGELIST, {"q": str(server.uuid)[:8]}).context["cl"].result_count == 1
    assert web.get(CHANGELIST, {"q": "web-"}).context["cl"].result_count == 1
    assert "delete_selected" not in text and "stop_servers" in text
    assert web.get(f"{CHANGELIST}add/").status_code == 403


def test_the_server_page_shows_actions_events_and_the_latest_fault(web, server):
    action = start_action(server, "reboot", "req-abc", server.user_id, server.project_id)
    event = {"event": "compute_reboot_instance", "host": "node1", "result": "Error",
             "traceback": "Traceback: the guest <would not> stop"}  # fmt: skip
    record_event(server.uuid, "req-abc", event, finish=True)
    add_fault(server.uuid, "Old failure", host="node1")
    add_fault(server.uuid, "Reboot failed: guest hung", details="stack here", host="node1")

    page = web.get(reverse("admin:compute_instance_change", args=[server.uuid]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "req-abc" in text and "compute_reboot_instance" in text and "Error" in text
    assert "the guest &lt;would not&gt; stop" in text  # escaped
    latest = text.index("Reboot failed: guest hung")
    assert "errornote" in text[latest - 200 : latest] and latest < text.index("req-abc")
    assert "Old failure" in text  # in the faults inline
    assert 'name="vm_state"' not in text and 'name="host"' not in text and 'name="name"' in text
    assert 'value="stop_servers"' in text  # the page offers the server actions
    assert action.events.count() == 1


def test_stop_goes_through_the_domain_and_casts_the_host(web, server, casts):
    response = run_action(web, "stop_servers", server)

    assert response.status_code == 302
    server.refresh_from_db()
    assert server.task_state == TaskState.POWERING_OFF
    action = InstanceAction.objects.get(instance=server, action="stop")
    [(task, kwargs)] = casts("compute.node1")
    assert task == "compute.stop_instance" and kwargs["instance"]["uuid"] == str(server.uuid)
    assert kwargs["request_id"] == action.request_id == response.wsgi_request.request_id
    assert reported(response) == [(SUCCESS, f"web-1 ({server.uuid}): stopping")]


def test_a_refused_action_is_reported_and_changes_nothing(web, server, casts):
    Instance.objects.filter(pk=server.pk).update(vm_state=VmState.STOPPED, power_state=PowerState.SHUTDOWN)

    response = run_action(web, "stop_servers", server)

    assert response.status_code == 302
    [(level, message)] = reported(response)
    assert level == ERROR and f"Cannot 'stop' instance {server.uuid} while it is in vm_state stopped" in message
    server.refresh_from_db()
    assert (server.vm_state, server.task_state) == (VmState.STOPPED, None)
    assert casts("compute.node1") == [] and not InstanceAction.objects.filter(instance=server).exists()


def test_start_and_reboot_use_their_domain_rules(web, server, casts):
    assert reported(run_action(web, "start_servers", server))[0][0] == ERROR  # ACTIVE cannot start
    run_action(web, "reboot_servers", server)
    server.refresh_from_db()
    assert server.task_state == TaskState.REBOOTING
    [(task, kwargs)] = casts("compute.node1")
    assert (task, kwargs["reboot_type"]) == ("compute.reboot_instance", "SOFT")


def test_delete_asks_then_deletes_through_the_domain(web, server, member, flavor, casts):
    unplaced = make_instance(member, flavor, name="never-placed", vm_state=VmState.ERROR, task_state=None)

    asked = run_action(web, "delete_servers", server, unplaced)

    assert asked.status_code == 200 and "never-placed" in asked.content.decode()
    assert Instance.objects.filter(deleted_at__isnull=True, task_state__isnull=True).count() == 2

    done = run_action(web, "delete_servers", server, unplaced, apply="yes")

    assert done.status_code == 302
    server.refresh_from_db()
    unplaced.refresh_from_db()
    assert server.task_state == TaskState.DELETING and server.deleted_at is None  # the host destroys it
    assert casts("compute.node1")[0][0] == "compute.terminate_instance"
    assert unplaced.deleted_at is not None and unplaced.vm_state == VmState.DELETED  # no host: at once
    assert InstanceAction.objects.filter(action="delete").count() == 2


def test_the_delete_button_uses_the_domain_too(web, server, casts):
    url = reverse("admin:compute_instance_delete", args=[server.uuid])

    page = web.get(url)
    assert page.status_code == 200 and 'value="delete_servers"' in page.content.decode()

    response = web.post(url, {"apply": "yes"})

    assert response.status_code == 302
    assert Instance.objects.filter(pk=server.pk).exists()
    assert Instance.objects.get(pk=server.pk).task_state == TaskState.DELETING
    assert casts("compute.node1")[0][0] == "compute.terminate_instance"


def test_reset_state_to_error_and_back_to_active(web, server):
    Instance.objects.filter(pk=server.pk).update(task_state=TaskState.REBOOTING)

    run_action(web, "reset_to_error", server)
    server.refresh_from_db()
    assert (server.vm_state, server.task_state) == (VmState.ERROR, None)

    run_action(web, "reset_to_active", server)
    server.refresh_from_db()
    assert server.vm_state == VmState.ACTIVE
    assert list(server.actions.values_list("action", flat=True)) == ["resetState", "resetState"]


def test_an_action_from_the_server_page_returns_to_it(web, server, casts):
    page_url = reverse("admin:compute_instance_change", args=[server.uuid])

    response = run_action(web, "stop_servers", server, _return_to=page_url)

    assert response.status_code == 302 and response.url == page_url
    assert run_action(web, "stop_servers", server, _return_to="https://evil.example/").url == CHANGELIST


def change_form_data(page) -> dict:
    """What the change page's form would post back unchanged (its fields and inline management forms)."""
    form = page.context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
    return data


def test_fields_the_state_machine_owns_cannot_be_changed_by_posting_the_form(web, server):
    url = reverse("admin:compute_instance_change", args=[server.uuid])
    data = change_form_data(web.get(url))
    data.update(name="renamed", metadata='{"role": "web"}', vm_state="deleted", task_state="deleting", host="evil",
                power_state="4", flavor='{"name": "huge"}', locked="on")  # fmt: skip

    response = web.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    server.refresh_from_db()
    assert (server.name, server.metadata) == ("renamed", {"role": "web"})
    assert (server.vm_state, server.task_state, server.host, server.power_state) == (
        VmState.ACTIVE, None, "node1", PowerState.RUNNING,
    )  # fmt: skip
    assert server.flavor["name"] == "m1.tiny" and server.locked is False


def test_the_form_checks_what_the_api_checks(web, server):
    url = reverse("admin:compute_instance_change", args=[server.uuid])
    data = {**change_form_data(web.get(url)), "name": "bad\tname", "metadata": '{"n": 1}'}

    response = web.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "control characters" in errors["name"][0] and "metadata" in errors
    assert Instance.objects.get(pk=server.pk).name == "web-1"


@pytest.fixture
def one_of_everything(admin_user, member, server, flavor):
    """A row of every registered model, so each changelist and change page renders real data."""
    node = make_node("node2")
    Allocation.objects.create(instance=server, node=node, vcpus=1, memory_mb=512, disk_gb=1)
    action = start_action(server, "create", "req-1", member.id, member.default_project_id)
    record_event(server.uuid, "req-1", {"event": "schedule", "host": "node1"}, finish=True)
    add_fault(server.uuid, "boom")
    KeyPair.objects.create(user=member, name="key", public_key="ssh-ed25519 AAAA test", fingerprint="aa:bb")
    QuotaLimit.objects.create(project=member.default_project, resource="cores", hard_limit=40)
    group = ServerGroup.objects.create(name="g", project=member.default_project, user=member, policy="affinity")
    group.members.add(server)
    Migration.objects.create(instance=server, migration_type="migration", source_compute="node1", source_node="node1",
                             old_flavor=server.flavor, new_flavor=server.flavor)  # fmt: skip
    aggregate = Aggregate.objects.create(name="rack1", metadata={"availability_zone": "az1"})
    AggregateHost.objects.create(aggregate=aggregate, host="node1")
    network = make_network("net1", shared=True)
    ipam.allocate_port(instance_uuid=str(server.uuid), project=member.default_project, network_id=str(network.id))
    tokens.issue(admin_user, admin_user.default_project, ["password"])
    return action


def test_every_registered_model_has_a_working_changelist_add_and_change_page(web, admin_user, one_of_everything):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"{opts.app_label}.{opts.model_name}"
        changelist = web.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, name
        add = web.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == (200 if model_admin.has_add_permission(request) else 403), name
        obj = model.objects.first()
        if obj is not None:
            change = web.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            assert change.status_code == 200, name


def test_secrets_are_never_shown(web, admin_user, member):
    raw, token = tokens.issue(admin_user, admin_user.default_project, ["password"])
    KeyPair.objects.create(user=member, name="key", public_key="ssh-ed25519 AAAA test", fingerprint="aa:bb")

    tokens_page = web.get("/admin/identity/token/").content.decode()

    assert token.audit_id in tokens_page and raw not in tokens_page
    assert f"/admin/identity/token/{token.digest}/change/" not in tokens_page
    keypair = KeyPair.objects.get(name="key")
    assert "aa:bb" in web.get(reverse("admin:compute_keypair_change", args=[keypair.pk])).content.decode()


def test_images_are_deleted_as_the_image_api_does(web):
    kept = make_image("golden", protected=True)
    spare = make_image("spare", file_path="")

    response = web.post("/admin/images/image/", {"action": "delete_images", "index": "0",
                                                 "_selected_action": [str(kept.id), str(spare.id)]})  # fmt: skip

    assert sorted(level for level, _ in reported(response)) == [SUCCESS, ERROR]
    assert Image.objects.get(pk=kept.pk).status == Image.Status.ACTIVE
    assert Image.objects.get(pk=spare.pk).status == Image.Status.DELETED  # the row stays, as in Glance
    assert web.get(reverse("admin:images_image_delete", args=[kept.pk])).status_code == 403
