"""Cold migration to a named host (2.56) and evacuate's ``force`` (2.29-2.67) and stopped
destination (2.95), from the API through the scheduler and the destination's build report."""

import pytest

from apps.compute.models import Instance, Migration
from apps.compute.states import TaskState, VmState
from apps.identity.models import RoleName
from core.power_state import PowerState
from tests.fixtures.factories import client_for, make_node, make_server, make_user
from workers.conductor import instances as conductor
from workers.scheduler import manager as scheduler

pytestmark = pytest.mark.django_db


def act(client, server, body, version):
    return client.post(f"/v2.1/servers/{server.uuid}/action", body, format="json",
                       HTTP_OPENSTACK_API_VERSION=f"compute {version}")  # fmt: skip


@pytest.fixture
def cloud(admin_user, member, flavor, image, casts):
    """Three nodes; a member's server on node1."""
    for host in ("node1", "node2", "node3"):
        make_node(host, vcpus=8, memory_mb=8192)
    server = make_server(member, flavor, image, host="node1")
    return {"admin": client_for(admin_user), "server": server, "casts": casts}


# -- migrate with a host (2.56) ------------------------------------------------------------------


def test_an_admin_names_the_destination_and_the_scheduler_places_it_there(cloud):
    response = act(cloud["admin"], cloud["server"], {"migrate": {"host": "node3"}}, "2.56")

    assert response.status_code == 202, response.content
    server = Instance.objects.get(uuid=cloud["server"].uuid)
    assert server.request_spec["requested_destination"] == "node3"
    migration = Migration.objects.get(instance=server)
    scheduler.select_migration_destination(migration.id, "req-1")
    migration.refresh_from_db()
    assert (migration.dest_compute, migration.status) == ("node3", Migration.Status.MIGRATING)


def test_a_destination_that_cannot_take_it_fails_the_migration_as_no_valid_host(cloud):
    make_node("tiny", vcpus=1, memory_mb=64)
    act(cloud["admin"], cloud["server"], {"migrate": {"host": "tiny"}}, "2.56")
    migration = Migration.objects.get(instance=cloud["server"])

    scheduler.select_migration_destination(migration.id, "req-1")

    migration.refresh_from_db()
    server = Instance.objects.get(uuid=cloud["server"].uuid)
    assert (migration.status, server.host, server.task_state) == (Migration.Status.ERROR, "node1", None)
    assert server.faults.get().message.startswith("No valid host was found.")


def test_a_migration_without_a_host_goes_anywhere_and_forgets_an_earlier_one(cloud):
    Instance.objects.filter(uuid=cloud["server"].uuid).update(request_spec={"requested_destination": "node3"})

    assert act(cloud["admin"], cloud["server"], {"migrate": None}, "2.56").status_code == 202

    assert "requested_destination" not in Instance.objects.get(uuid=cloud["server"].uuid).request_spec


@pytest.mark.parametrize(
    ("host", "message"),
    [("node1", "Cannot migrate to the host where the server exists."), ("nowhere", "Compute host nowhere could "
                                                                                   "not be found.")],
)  # fmt: skip
def test_the_same_host_or_an_unknown_one_is_a_400_and_changes_nothing(cloud, host, message):
    response = act(cloud["admin"], cloud["server"], {"migrate": {"host": host}}, "2.56")

    assert response.status_code == 400 and response.json()["badRequest"]["message"] == message
    server = Instance.objects.get(uuid=cloud["server"].uuid)
    assert (server.task_state, server.actions.count(), Migration.objects.count()) == (None, 0, 0)
    assert cloud["casts"]("scheduler") == []


def test_only_admins_name_a_host_and_before_2_56_it_is_not_read(cloud, member):
    manager = make_user(project=member.default_project, role=RoleName.MANAGER)
    forbidden = act(client_for(manager), cloud["server"], {"migrate": {"host": "node3"}}, "2.56")
    assert forbidden.status_code == 403
    assert "os-migrate-server:migrate:host" in forbidden.json()["forbidden"]["message"]
    assert act(client_for(manager), cloud["server"], {"migrate": None}, "2.56").status_code == 202

    Instance.objects.filter(uuid=cloud["server"].uuid).update(task_state=None)
    early = act(cloud["admin"], cloud["server"], {"migrate": {"host": "node3"}}, "2.55")
    assert early.status_code == 202  # the body's keys are ignored before 2.56, as in Nova
    assert "requested_destination" not in Instance.objects.get(uuid=cloud["server"].uuid).request_spec
    bad = act(cloud["admin"], cloud["server"], {"migrate": {"host": "no spaces"}}, "2.56")
    assert bad.status_code == 400


def test_a_migration_records_who_asked(cloud, admin_user):
    act(cloud["admin"], cloud["server"], {"migrate": None}, "2.1")

    migration = Migration.objects.get()
    assert (migration.user_id, migration.project_id) == (admin_user.id, admin_user.default_project_id)


# -- evacuate ------------------------------------------------------------------------------------


@pytest.fixture
def stranded(admin_user, member, flavor, image, casts):
    make_node("dead", up=False)
    make_node("alive")
    return make_server(member, flavor, image, host="dead")


def evacuate(admin_user, server, body, version):
    return act(client_for(admin_user), server, {"evacuate": body}, version)


def test_force_needs_a_host_from_2_29_and_is_gone_at_2_68(admin_user, stranded):
    forced = evacuate(admin_user, stranded, {"force": True}, "2.29")
    assert forced.status_code == 400
    assert forced.json()["badRequest"]["message"] == "Can't force to a non-provided destination"
    assert evacuate(admin_user, stranded, {"force": True}, "2.14").status_code == 400  # not known yet
    assert evacuate(admin_user, stranded, {"host": "alive", "force": True}, "2.68").status_code == 400
    assert evacuate(admin_user, stranded, {"host": "alive", "force": "true"}, "2.67").status_code == 200
    assert Instance.objects.get(uuid=stranded.uuid).request_spec["force_host"] == "alive"


def test_an_unknown_or_the_same_host(admin_user, stranded):
    unknown = evacuate(admin_user, stranded, {"host": "nowhere"}, "2.68")
    assert unknown.status_code == 404
    assert unknown.json()["itemNotFound"]["message"] == "Compute host nowhere not found."
    same = evacuate(admin_user, stranded, {"host": "dead"}, "2.68")
    assert same.status_code == 400
    assert same.json()["badRequest"]["message"] == "The target host can't be the same one."


@pytest.mark.parametrize(
    ("version", "vm_state", "stopped"),
    [("2.94", VmState.ACTIVE, False), ("2.94", VmState.STOPPED, True), ("2.95", VmState.ACTIVE, True),
     ("2.95", VmState.ERROR, True)],
)  # fmt: skip
def test_from_2_95_the_evacuated_server_is_left_stopped(admin_user, stranded, version, vm_state, stopped):
    Instance.objects.filter(uuid=stranded.uuid).update(vm_state=vm_state)

    assert evacuate(admin_user, stranded, {}, version).status_code == 200

    server = Instance.objects.get(uuid=stranded.uuid)
    assert server.request_spec["leave_stopped"] is stopped
    assert server.payload()["leave_stopped"] is stopped  # what the destination's build is told


def test_the_destination_reports_the_stopped_build(admin_user, stranded, casts):
    evacuate(admin_user, stranded, {}, "2.95")
    scheduler.select_destinations([str(stranded.uuid)], "req-evac")
    server = Instance.objects.get(uuid=stranded.uuid)
    [(_task, build)] = casts("compute.alive")
    assert build["instance"]["leave_stopped"] is True and server.task_state == TaskState.SPAWNING

    done = conductor.instance_update(
        host="alive", instance_uuid=str(server.uuid), expected_task_state=TaskState.SPAWNING,
        attempt_id=str(server.attempt_id),
        updates={"vm_state": VmState.STOPPED, "task_state": None, "power_state": PowerState.SHUTDOWN},
    )  # fmt: skip

    server.refresh_from_db()
    assert done is True and (server.vm_state, server.host, server.power_state) == ("stopped", "alive", 4)


def test_a_build_not_asked_to_stay_stopped_may_not_report_stopped(admin_user, stranded, casts):
    evacuate(admin_user, stranded, {}, "2.94")
    scheduler.select_destinations([str(stranded.uuid)], "req-evac")
    server = Instance.objects.get(uuid=stranded.uuid)

    done = conductor.instance_update(
        host="alive", instance_uuid=str(server.uuid), expected_task_state=TaskState.SPAWNING,
        attempt_id=str(server.attempt_id),
        updates={"vm_state": VmState.STOPPED, "task_state": None, "power_state": PowerState.SHUTDOWN},
    )  # fmt: skip

    server.refresh_from_db()
    assert done is False and (server.vm_state, server.task_state) == (VmState.BUILDING, TaskState.SPAWNING)
