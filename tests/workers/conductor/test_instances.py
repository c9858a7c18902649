import pytest
from django.utils import timezone

from apps.compute.models import Instance, InstanceActionEvent, InstanceFault
from apps.compute.states import TaskState, VmState
from apps.hosts.models import Allocation, ComputeNode, Service
from core.power_state import PowerState
from tests.fixtures.factories import make_node, make_scheduled
from workers.conductor import instances, nodes

pytestmark = pytest.mark.django_db

ACTIVE = {"vm_state": VmState.ACTIVE, "task_state": None, "power_state": PowerState.RUNNING}


def event(name, result="Success", host="a"):
    now = timezone.now().isoformat()
    return {"event": name, "result": result, "host": host, "start_time": now, "finish_time": now}


@pytest.fixture
def placed(member, flavor, image, casts):
    """An instance the scheduler placed on node ``a`` (node ``b`` is its alternate)."""
    make_node("a", memory_mb=8192)
    make_node("b", memory_mb=4096)
    instance = make_scheduled(member, flavor, image)
    assert instance.host == "a"
    return instance


def update(instance, host="a", expected=TaskState.SPAWNING, attempt=None, **extra):
    return instances.instance_update(
        host=host,
        instance_uuid=str(instance.uuid),
        updates=dict(ACTIVE),
        expected_task_state=expected,
        attempt_id=attempt if attempt is not None else str(instance.attempt_id),
        request_id="req-1",
        **extra,
    )


def test_build_success_is_applied_once(placed):
    assert update(placed, event=event("compute_build_and_run_instance")) is True
    assert update(placed) is False  # delivered twice: the task_state no longer matches

    placed.refresh_from_db()
    assert (placed.vm_state, placed.task_state, placed.power_state) == (VmState.ACTIVE, None, PowerState.RUNNING)
    action = placed.actions.get()
    assert action.finish_time is not None
    assert [e.event for e in action.events.all()] == ["schedule_instances", "compute_build_and_run_instance"]


def test_reports_from_another_host_or_an_old_attempt_are_refused(placed):
    assert update(placed, host="b") is False
    assert update(placed, attempt="00000000-0000-0000-0000-000000000000") is False
    assert instances.instance_update("a", str(placed.uuid), {"host": "evil"}, TaskState.SPAWNING) is False
    placed.refresh_from_db()
    assert placed.vm_state == VmState.BUILDING and placed.host == "a"


def test_build_failure_reschedules_to_the_alternate(placed, casts, django_capture_on_commit_callbacks):
    old_attempt = str(placed.attempt_id)
    failure = event("compute_build_and_run_instance", "Error")
    with django_capture_on_commit_callbacks(execute=True):
        instances.build_failed("a", str(placed.uuid), old_attempt, "boom", event=failure, request_id="req-1")

    placed.refresh_from_db()
    assert (placed.host, placed.task_state, placed.attempts) == ("b", TaskState.SPAWNING, 2)
    assert list(Allocation.objects.values_list("node__hypervisor_hostname", flat=True)) == ["b"]
    assert ComputeNode.objects.get(hypervisor_hostname="a").vcpus_used == 0
    [(task, kwargs)] = casts("compute.b")
    assert task == "compute.build_and_run_instance" and kwargs["attempt_id"] == str(placed.attempt_id)
    # The same failure delivered again changes nothing.
    instances.build_failed("a", str(placed.uuid), old_attempt, "boom")
    placed.refresh_from_db()
    assert placed.host == "b" and Allocation.objects.count() == 1


def test_build_failure_with_no_alternate_left_is_error_with_a_fault(placed, casts):
    instances.build_failed("a", str(placed.uuid), str(placed.attempt_id), "boom")
    placed.refresh_from_db()
    instances.build_failed("b", str(placed.uuid), str(placed.attempt_id), "bang")

    placed.refresh_from_db()
    assert (placed.vm_state, placed.task_state, placed.host) == (VmState.ERROR, None, None)
    fault = InstanceFault.objects.get(instance=placed)
    assert fault.message.startswith("No valid host was found.") and "bang" in fault.details
    assert Allocation.objects.count() == 0
    assert set(ComputeNode.objects.values_list("vcpus_used", flat=True)) == {0}
    last = InstanceActionEvent.objects.filter(action__instance=placed).last()
    assert (last.event, last.result) == ("conductor_reschedule", "Error")


def test_max_attempts_stops_rescheduling(placed, settings, casts):
    settings.SCHEDULER_MAX_ATTEMPTS = 1
    instances.build_failed("a", str(placed.uuid), str(placed.attempt_id), "boom")
    placed.refresh_from_db()
    assert placed.vm_state == VmState.ERROR and casts("compute.b") == []


def test_deleted_report_frees_everything_and_is_idempotent(placed):
    update(placed)
    Instance.objects.filter(uuid=placed.uuid).update(task_state=TaskState.DELETING)

    instances.instance_deleted("a", str(placed.uuid), event=event("compute_terminate_instance"))
    instances.instance_deleted("a", str(placed.uuid))

    placed.refresh_from_db()
    assert placed.vm_state == VmState.DELETED and placed.deleted_at and placed.terminated_at
    assert Allocation.objects.count() == 0
    assert ComputeNode.objects.get(hypervisor_hostname="a").vcpus_used == 0


def test_a_build_that_finishes_after_delete_is_destroyed(placed, casts, django_capture_on_commit_callbacks):
    Instance.objects.filter(uuid=placed.uuid).update(task_state=TaskState.DELETING)
    instances.instance_deleted("a", str(placed.uuid))

    with django_capture_on_commit_callbacks(execute=True):
        assert update(placed) is False

    assert casts("compute.a")[-1][0] == "compute.terminate_instance"


def test_first_heartbeat_registers_and_reports_update_totals_only(db):
    nodes.service_heartbeat("new", "cloudcore-compute")
    nodes.node_report("new", {"vcpus": 8, "memory_mb": 1024, "local_gb": 10, "cpu_allocation_ratio": 2.0})
    ComputeNode.objects.filter(hypervisor_hostname="new").update(vcpus_used=3)

    nodes.service_heartbeat("new", "cloudcore-compute")
    nodes.node_report("new", {"vcpus": 16, "memory_mb": 2048, "local_gb": 20, "running_vms": 1})

    service = Service.objects.get(host="new")
    assert service.report_count == 2 and service.is_up(60)
    node = ComputeNode.objects.get(hypervisor_hostname="new")
    assert (node.vcpus, node.vcpus_used, node.cpu_allocation_ratio, node.running_vms) == (16, 3, 2.0, 1)


def test_a_node_report_before_any_heartbeat_registers_the_service(db):
    nodes.node_report("early", {"vcpus": 1, "memory_mb": 1, "local_gb": 1})
    assert ComputeNode.objects.get().service.host == "early"


def test_a_duplicate_report_cannot_complete_a_later_operation_of_the_same_kind(placed, member, casts):
    from apps.compute.servers.operation import begin
    from apps.identity.auth import context_for

    update(placed)
    ctx = context_for(member, member.default_project)
    stopped = {"vm_state": VmState.STOPPED, "task_state": None, "power_state": PowerState.SHUTDOWN}
    first = begin(ctx, str(placed.uuid), "stop", "stop", "req-a")
    first_report = dict(host="a", instance_uuid=str(placed.uuid), updates=stopped,
                        expected_task_state=TaskState.POWERING_OFF, task_id=str(first.task_id))  # fmt: skip
    assert instances.instance_update(**first_report)
    Instance.objects.filter(uuid=placed.uuid).update(vm_state=VmState.ACTIVE)
    begin(ctx, str(placed.uuid), "stop", "stop", "req-b")

    assert instances.instance_update(**first_report) is False  # the first stop's report, delivered again

    assert Instance.objects.get(uuid=placed.uuid).task_state == TaskState.POWERING_OFF
