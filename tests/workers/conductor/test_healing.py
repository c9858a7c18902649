import pytest
from django.utils import timezone

from apps.compute.models import Instance, InstanceAction, InstanceFault
from apps.compute.states import TaskState, VmState
from apps.hosts.models import Allocation, ComputeNode, Service
from core.power_state import PowerState
from tests.fixtures.factories import make_instance, make_node, make_scheduled
from workers.conductor import healing

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timezone.timedelta(hours=2)


@pytest.fixture
def node_a(db, settings):
    """Node a (most RAM: every placement goes there) and node b (the alternate)."""
    settings.SCHEDULER_WEIGHERS = ["RAMWeigher"]
    make_node("b", memory_mb=2048)
    return make_node("a", memory_mb=8192)


def placed(member, flavor, image, casts, **fields):
    instance = make_scheduled(member, flavor, image)
    if fields:
        Instance.objects.filter(uuid=instance.uuid).update(**fields)
    instance.refresh_from_db()
    return instance


def sync(host, inventory, startup=False, idle_only=False):
    collected = (timezone.now() + timezone.timedelta(seconds=1)).isoformat()
    return healing.sync_instances(host, {str(k): v for k, v in inventory.items()}, collected, startup, idle_only)


def test_orphans_on_a_host_are_destroyed(node_a, casts):
    counts = sync("a", {"11111111-1111-1111-1111-111111111111": PowerState.RUNNING})
    assert counts["orphans"] == 1
    assert casts("compute.a") == [
        ("compute.terminate_instance", {"instance_uuid": "11111111-1111-1111-1111-111111111111"})
    ]


def test_active_but_shut_down_on_the_host_becomes_stopped_with_an_action(node_a, member, flavor, image, casts):
    instance = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=None)

    counts = sync("a", {instance.uuid: PowerState.SHUTDOWN})

    instance.refresh_from_db()
    assert counts["power_synced"] == 1
    assert (instance.vm_state, instance.power_state) == (VmState.STOPPED, PowerState.SHUTDOWN)
    action = InstanceAction.objects.get(instance=instance, action="stop")
    assert action.finish_time and action.events.get().event == "compute_sync_power_state"


def test_an_event_driven_inventory_corrects_idle_instances_only(node_a, member, flavor, image, casts):
    idle = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=None)
    busy = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=TaskState.POWERING_OFF)
    orphan = "11111111-1111-1111-1111-111111111111"

    counts = sync("a", {idle.uuid: PowerState.SHUTDOWN, busy.uuid: PowerState.SHUTDOWN, orphan: 1}, idle_only=True)

    assert (counts["power_synced"], counts["recovered"], counts["orphans"]) == (1, 0, 0)
    idle.refresh_from_db()
    busy.refresh_from_db()
    assert idle.vm_state == VmState.STOPPED
    assert (busy.vm_state, busy.task_state) == (VmState.ACTIVE, TaskState.POWERING_OFF)  # its own report finishes it
    assert not [task for task, _ in casts("compute.a") if task == "compute.terminate_instance"]


def test_stopped_but_running_on_the_host_is_stopped_again(node_a, member, flavor, image, casts,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    instance = placed(member, flavor, image, casts, vm_state=VmState.STOPPED, task_state=None)
    queues_before = len(casts("compute.a"))

    with django_capture_on_commit_callbacks(execute=True):
        sync("a", {instance.uuid: PowerState.RUNNING})

    instance.refresh_from_db()
    assert instance.task_state == TaskState.POWERING_OFF
    assert casts("compute.a")[queues_before:][0][0] == "compute.stop_instance"


def test_an_inventory_older_than_the_instance_changes_nothing(node_a, member, flavor, image, casts):
    instance = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=None)
    stale = (timezone.now() - timezone.timedelta(minutes=1)).isoformat()
    healing.sync_instances("a", {str(instance.uuid): PowerState.SHUTDOWN}, stale)
    assert Instance.objects.get(uuid=instance.uuid).vm_state == VmState.ACTIVE


def test_restart_recovery(node_a, member, flavor, image, casts, django_capture_on_commit_callbacks):
    lost_build = placed(member, flavor, image, casts)  # spawning, the guest never appeared
    done_build = placed(member, flavor, image, casts)  # spawning, but the guest is there
    stopping = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=TaskState.POWERING_OFF)

    with django_capture_on_commit_callbacks(execute=True):
        counts = sync("a", {done_build.uuid: PowerState.RUNNING, stopping.uuid: PowerState.SHUTDOWN}, startup=True)

    assert counts["recovered"] == 3
    lost_build.refresh_from_db()
    assert (lost_build.host, lost_build.task_state) == ("b", TaskState.SPAWNING)  # rescheduled to the alternate
    assert Allocation.objects.get(instance=lost_build).node.hypervisor_hostname == "b"
    done_build.refresh_from_db()
    assert (done_build.vm_state, done_build.task_state) == (VmState.ACTIVE, None)
    stopping.refresh_from_db()
    assert (stopping.vm_state, stopping.task_state) == (VmState.STOPPED, None)


def test_usage_that_drifted_from_allocations_is_corrected(node_a, member, flavor, image, casts):
    placed(member, flavor, image, casts)
    ComputeNode.objects.filter(pk=node_a.pk).update(vcpus_used=7, memory_mb_used=99)

    assert healing.reconcile_usage() == 1

    node_a.refresh_from_db()
    assert (node_a.vcpus_used, node_a.memory_mb_used, node_a.local_gb_used) == (1, 512, 1)


def test_reconcile_resends_and_times_out(node_a, member, flavor, image, casts, settings,
                                         django_capture_on_commit_callbacks):  # fmt: skip
    settings.RESEND_AFTER = 60
    settings.BUILD_TIMEOUT = 600
    waiting = make_instance(member, flavor, image)
    Instance.objects.filter(uuid=waiting.uuid).update(updated_at=LONG_AGO)
    expired = make_instance(member, flavor, image)
    Instance.objects.filter(uuid=expired.uuid).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    building = placed(member, flavor, image, casts)
    Instance.objects.filter(uuid=building.uuid).update(updated_at=LONG_AGO)

    with django_capture_on_commit_callbacks(execute=True):
        done = healing.reconcile()

    assert done["resent"] == 2 and done["timed_out"] == 1
    assert ("scheduler.select_destinations", {"instance_uuids": [str(waiting.uuid)]}) in casts("scheduler")
    assert casts("compute.a")[-1][0] == "compute.build_and_run_instance"
    expired.refresh_from_db()
    assert expired.vm_state == VmState.ERROR and "timed out" in InstanceFault.objects.get(instance=expired).message
    again = healing.reconcile()
    assert again["resent"] == 0  # resending moved updated_at


def test_reconcile_handles_a_down_host(node_a, member, flavor, image, casts):
    building = placed(member, flavor, image, casts)
    deleting = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=TaskState.DELETING)
    rebooting = placed(member, flavor, image, casts, vm_state=VmState.ACTIVE, task_state=TaskState.REBOOTING)
    Instance.objects.all().update(updated_at=LONG_AGO)
    Service.objects.filter(host="a").update(last_seen_up=LONG_AGO)

    done = healing.reconcile()

    assert (done["rescheduled"], done["deleted"], done["timed_out"]) == (1, 1, 1)
    assert Instance.objects.get(uuid=building.uuid).host == "b"
    assert Instance.objects.get(uuid=deleting.uuid).vm_state == VmState.DELETED
    rebooting.refresh_from_db()
    assert rebooting.task_state is None and InstanceFault.objects.filter(instance=rebooting).exists()
    assert not Allocation.objects.filter(instance_id__in=[deleting.uuid]).exists()
    assert ComputeNode.objects.get(hypervisor_hostname="a").vcpus_used == 1  # only the rebooting one


def test_orphaned_allocations_are_freed(node_a, member, flavor, image, casts):
    instance = placed(member, flavor, image, casts)
    Instance.objects.filter(uuid=instance.uuid).update(deleted_at=timezone.now(), vm_state=VmState.DELETED)

    assert healing.free_orphaned_allocations() == 1

    assert Allocation.objects.count() == 0
    assert ComputeNode.objects.get(pk=node_a.pk).vcpus_used == 0
