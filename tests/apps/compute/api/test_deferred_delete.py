"""Deferred delete (``RECLAIM_INSTANCE_INTERVAL`` > 0): soft delete, restore, forceDelete and the
reclaim, through the API and the conductor's handling of the host's reports (the host's side runs
for real in ``tests/integration/test_deferred_delete.py``)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.compute.models import Instance
from apps.compute.states import TaskState, VmState
from apps.hosts.models import Allocation, Service
from core.power_state import PowerState
from tests.fixtures.factories import make_node, make_scheduled
from workers.conductor import healing, instances, reclaim

pytestmark = pytest.mark.django_db

QUEUE = "compute.a"


@pytest.fixture
def deferred(settings):
    settings.RECLAIM_INSTANCE_INTERVAL = 60


@pytest.fixture
def running(member, flavor, image, casts):
    """An ACTIVE server on node ``a`` that has run (its build reported), holding its claim."""
    make_node("a", memory_mb=8192)
    instance = make_scheduled(member, flavor, image)
    assert instances.instance_update(
        "a", str(instance.uuid), {"vm_state": VmState.ACTIVE, "task_state": None, "power_state": PowerState.RUNNING},
        TaskState.SPAWNING, attempt_id=str(instance.attempt_id),
    )  # fmt: skip
    casts.clear()
    instance.refresh_from_db()
    return instance


def report(instance, expected, vm_state, power):
    instance.refresh_from_db()
    return instances.instance_update(
        "a", str(instance.uuid), {"vm_state": vm_state, "task_state": None, "power_state": power}, expected,
        task_id=str(instance.task_id),
    )  # fmt: skip


def act(client, instance, body):
    return client.post(f"/v2.1/servers/{instance.uuid}/action", body, format="json")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``call`` and then what its transactions left for after their commit (the casts)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def test_delete_powers_off_and_keeps_everything_until_restored(committed, deferred, running, member_client, casts):
    assert committed(member_client.delete, f"/v2.1/servers/{running.uuid}").status_code == 204

    running.refresh_from_db()
    assert (running.vm_state, running.task_state) == (VmState.ACTIVE, TaskState.SOFT_DELETING)
    assert running.soft_deleted_at is not None and running.deleted_at is None
    [(task, fields)] = casts(QUEUE)
    assert task == "compute.soft_delete_instance" and fields["instance"]["task_id"] == str(running.task_id)

    assert report(running, TaskState.SOFT_DELETING, VmState.SOFT_DELETED, PowerState.SHUTDOWN)
    body = member_client.get(f"/v2.1/servers/{running.uuid}").json()["server"]
    assert (body["status"], body["OS-EXT-STS:vm_state"]) == ("SOFT_DELETED", "soft-delete")
    assert Allocation.objects.filter(instance_id=running.uuid).exists()  # still claimed
    # A second delete changes nothing: the clock keeps running from the first.
    since = Instance.objects.get(uuid=running.uuid).soft_deleted_at
    assert committed(member_client.delete, f"/v2.1/servers/{running.uuid}").status_code == 204
    assert Instance.objects.get(uuid=running.uuid).soft_deleted_at == since

    casts.clear()
    assert act(member_client, running, {"restore": None}).status_code == 202
    [(task, _fields)] = casts(QUEUE)
    assert task == "compute.restore_instance"
    assert report(running, TaskState.RESTORING, VmState.ACTIVE, PowerState.RUNNING)
    running.refresh_from_db()
    assert (running.vm_state, running.task_state, running.soft_deleted_at) == (VmState.ACTIVE, None, None)
    actions = [a["action"] for a in member_client.get(f"/v2.1/servers/{running.uuid}/os-instance-actions").json()[
        "instanceActions"]]  # fmt: skip
    assert actions == ["restore", "delete", "create"]


def test_restore_is_only_for_a_soft_deleted_server(deferred, running, member_client):
    response = act(member_client, running, {"restore": None})
    assert response.status_code == 409
    assert "vm_state active" in response.json()["conflictingRequest"]["message"]


def test_force_delete_deletes_a_soft_deleted_server_at_once(committed, deferred, running, member_client, casts):
    committed(member_client.delete, f"/v2.1/servers/{running.uuid}")
    report(running, TaskState.SOFT_DELETING, VmState.SOFT_DELETED, PowerState.SHUTDOWN)
    casts.clear()

    assert act(member_client, running, {"forceDelete": None}).status_code == 202

    running.refresh_from_db()
    assert running.task_state == TaskState.DELETING
    assert [task for task, _ in casts(QUEUE)] == ["compute.terminate_instance"]
    instances.instance_deleted("a", str(running.uuid))
    assert Instance.objects.get(uuid=running.uuid).deleted
    assert not Allocation.objects.filter(instance_id=running.uuid).exists()


def test_force_delete_waits_for_a_task_in_flight(committed, deferred, running, member_client):
    committed(member_client.delete, f"/v2.1/servers/{running.uuid}")  # soft-deleting now

    response = act(member_client, running, {"forceDelete": None})

    assert response.status_code == 409
    assert "task_state soft-deleting" in response.json()["conflictingRequest"]["message"]


def test_reclaim_deletes_only_expired_soft_deleted_servers(
    committed, deferred, settings, running, member, flavor, image, casts
):
    Instance.objects.filter(uuid=running.uuid).update(
        vm_state=VmState.SOFT_DELETED, task_state=None, soft_deleted_at=timezone.now() - timedelta(seconds=61)
    )
    fresh = make_scheduled(member, flavor, image, request_id="req-2")
    Instance.objects.filter(uuid=fresh.uuid).update(
        vm_state=VmState.SOFT_DELETED, task_state=None, soft_deleted_at=timezone.now()
    )
    casts.clear()

    assert committed(reclaim.reclaim_queued_deletes) == 1
    assert reclaim.reclaim_queued_deletes() == 0  # the first is being deleted now: not again

    running.refresh_from_db()
    assert running.task_state == TaskState.DELETING
    assert [fields["instance_uuid"] for task, fields in casts(QUEUE) if task == "compute.terminate_instance"] == [
        str(running.uuid)
    ]
    assert Allocation.objects.filter(instance_id=running.uuid).exists()  # freed when the host reports it gone
    action = running.actions.order_by("-start_time").first()
    assert action.action == "delete" and action.events.get().event == "conductor_reclaim_queued_deletes"
    assert Instance.objects.get(uuid=fresh.uuid).vm_state == VmState.SOFT_DELETED

    settings.RECLAIM_INSTANCE_INTERVAL = 0
    Instance.objects.filter(uuid=fresh.uuid).update(soft_deleted_at=timezone.now() - timedelta(days=1))
    assert reclaim.reclaim_queued_deletes() == 0  # deferred delete off: nothing is reclaimed


def test_reclaim_of_a_server_on_a_down_host_frees_it_at_once(deferred, running):
    Instance.objects.filter(uuid=running.uuid).update(
        vm_state=VmState.SOFT_DELETED, task_state=None, soft_deleted_at=timezone.now() - timedelta(hours=1)
    )
    Service.objects.filter(host="a").update(last_seen_up=timezone.now() - timedelta(hours=1))

    assert reclaim.reclaim_queued_deletes() == 1

    assert Instance.objects.get(uuid=running.uuid).deleted
    assert not Allocation.objects.filter(instance_id=running.uuid).exists()


def test_a_server_that_never_ran_is_deleted_at_once(committed, deferred, member, flavor, image, member_client, casts):
    make_node("a")
    instance = make_scheduled(member, flavor, image)  # spawning, never launched

    assert committed(member_client.delete, f"/v2.1/servers/{instance.uuid}").status_code == 204

    instance.refresh_from_db()
    assert instance.task_state == TaskState.DELETING
    assert [task for task, _ in casts(QUEUE)][-1] == "compute.terminate_instance"


def test_host_down_soft_deletes_and_restores_locally(committed, deferred, running, member_client, casts):
    Service.objects.filter(host="a").update(last_seen_up=timezone.now() - timedelta(hours=1))

    assert committed(member_client.delete, f"/v2.1/servers/{running.uuid}").status_code == 204
    running.refresh_from_db()
    assert (running.vm_state, running.task_state) == (VmState.SOFT_DELETED, None)

    assert act(member_client, running, {"restore": None}).status_code == 202
    running.refresh_from_db()
    assert (running.vm_state, running.task_state, running.soft_deleted_at) == (VmState.ACTIVE, None, None)
    assert casts(QUEUE) == []


def test_a_soft_delete_its_host_missed_powers_the_guest_off_when_it_reports(committed, deferred, running, casts):
    Instance.objects.filter(uuid=running.uuid).update(vm_state=VmState.SOFT_DELETED, soft_deleted_at=timezone.now())
    running.refresh_from_db()

    assert committed(healing._sync_power, running, PowerState.RUNNING)

    running.refresh_from_db()
    assert running.task_state == TaskState.SOFT_DELETING
    assert [task for task, _ in casts(QUEUE)] == ["compute.soft_delete_instance"]


def test_off_by_default_delete_is_immediate(committed, running, member_client, casts):
    assert committed(member_client.delete, f"/v2.1/servers/{running.uuid}").status_code == 204
    running.refresh_from_db()
    assert running.task_state == TaskState.DELETING
