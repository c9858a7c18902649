"""The conductor believes nothing a host sends that it can check: each forged field is refused,
counted by reason, and changes nothing; what it only records is bounded."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.compute.models import Instance, InstanceActionEvent, InstanceFault, Migration
from apps.compute.servers import move
from apps.compute.servers.operation import begin
from apps.compute.servers.snapshot import create_image
from apps.compute.states import TaskState, VmState
from apps.hosts.models import ComputeNode
from apps.identity.auth import context_for
from apps.images.demo import digests
from apps.images.models import Image
from apps.images.store import get_store
from core.observability import metrics
from core.power_state import PowerState
from tests.fixtures.factories import make_instance, make_node, make_scheduled
from workers.conductor import healing, instances, nodes, resize, snapshots, trust
from workers.scheduler import manager as scheduler

pytestmark = pytest.mark.django_db


def refused() -> Counter:
    counters, _ = metrics.read()
    counts = Counter()
    for labels, value in counters.get(trust.REFUSED_METRIC, {}).items():
        counts[labels] += value
    return counts


def refusal(task: str, reason: str) -> str:
    return metrics._labels({"task": task, "reason": reason})


@pytest.fixture
def active(member, flavor, image, casts):
    """An ACTIVE instance on node ``a`` (``b`` is another node), with its create action."""
    make_node("a", memory_mb=8192)
    make_node("b", memory_mb=8192)
    instance = make_scheduled(member, flavor, image)
    assert instances.instance_update(
        "a", str(instance.uuid), {"vm_state": VmState.ACTIVE, "task_state": None, "power_state": 1},
        TaskState.SPAWNING, attempt_id=str(instance.attempt_id),
    )  # fmt: skip
    instance.refresh_from_db()
    return instance


def stopping(instance, member) -> str:
    """Start a stop on ``instance``; returns its task id."""
    ctx = context_for(member, member.default_project)
    return str(begin(ctx, str(instance.uuid), "stop", "stop", "req-stop").task_id)


STOPPED = {"vm_state": VmState.STOPPED, "task_state": None, "power_state": PowerState.SHUTDOWN}


@pytest.mark.parametrize(
    ("updates", "expected"),
    [
        ({**STOPPED, "host": "b"}, TaskState.POWERING_OFF),
        ({**STOPPED, "node": "b"}, TaskState.POWERING_OFF),
        ({**STOPPED, "task_state": TaskState.DELETING}, TaskState.POWERING_OFF),
        ({**STOPPED, "vm_state": VmState.DELETED}, TaskState.POWERING_OFF),
        ({**STOPPED, "power_state": 42}, TaskState.POWERING_OFF),
        ({**STOPPED, "power_state": "1"}, TaskState.POWERING_OFF),
        (STOPPED, TaskState.SCHEDULING),
        ("not a dict", TaskState.POWERING_OFF),
    ],
)
def test_an_update_outside_the_operation_is_refused(active, member, updates, expected):
    task_id = stopping(active, member)
    before = refused()

    assert instances.instance_update("a", str(active.uuid), updates, expected, task_id=task_id) is False

    assert refused() - before == Counter({refusal("instance_update", "bad_field"): 1})
    active.refresh_from_db()
    assert (active.host, active.vm_state, active.task_state) == ("a", VmState.ACTIVE, TaskState.POWERING_OFF)


def test_a_build_failure_cannot_be_reported_as_an_update(member, flavor, image, casts):
    make_node("a")
    instance = make_instance(member, flavor, image)
    scheduler.select_destinations([str(instance.uuid)])
    instance.refresh_from_db()

    assert not instances.instance_update("a", str(instance.uuid), {"task_state": None}, TaskState.SPAWNING,
                                       attempt_id=str(instance.attempt_id), fault="gone")  # fmt: skip

    assert Instance.objects.get(uuid=instance.uuid).task_state == TaskState.SPAWNING


def test_an_update_needs_the_operation_in_flight_and_the_instance_on_the_sender(active, member):
    task_id = stopping(active, member)
    before = refused()

    assert not instances.instance_update("a", str(active.uuid), STOPPED, TaskState.POWERING_OFF)
    assert not instances.instance_update("a", str(active.uuid), STOPPED, TaskState.POWERING_OFF, task_id="x")
    assert not instances.instance_update("b", str(active.uuid), STOPPED, TaskState.POWERING_OFF, task_id=task_id)
    assert not instances.instance_update("a", "not-a-uuid", STOPPED, TaskState.POWERING_OFF, task_id=task_id)

    assert refused() - before == Counter({
        refusal("instance_update", "not_in_flight"): 2,
        refusal("instance_update", "wrong_host"): 1,
        refusal("instance_update", "bad_field"): 1,
    })  # fmt: skip
    assert instances.instance_update("a", str(active.uuid), STOPPED, TaskState.POWERING_OFF, task_id=task_id)


def test_a_message_with_fields_no_task_takes_or_a_bad_host_name_is_refused(active):
    before = refused()

    assert instances.instance_update("a", str(active.uuid), STOPPED, TaskState.POWERING_OFF, node="b") is False
    assert instances.instance_update("../a", str(active.uuid), STOPPED, TaskState.POWERING_OFF) is False
    nodes.service_heartbeat("x" * 300)

    assert refused() - before == Counter({
        refusal("instance_update", "bad_field"): 2, refusal("service_heartbeat", "bad_field"): 1,
    })  # fmt: skip


def test_what_a_host_only_records_is_bounded_and_named_by_the_conductor(active, member):
    task_id = stopping(active, member)
    future = (timezone.now() + timedelta(days=365)).isoformat()
    forged = {"event": "schedule_instances", "host": "b", "result": "Success", "start_time": future,
              "finish_time": future, "traceback": "t" * 100_000, "details": "d" * 100_000}  # fmt: skip

    assert instances.instance_update("a", str(active.uuid), {"task_state": None}, TaskState.POWERING_OFF,
                                   task_id=task_id, event=forged, fault="f" * 100_000)  # fmt: skip

    event = InstanceActionEvent.objects.filter(action__instance=active).latest("id")
    assert (event.event, event.host, event.result) == ("compute_stop_instance", "a", "Error")
    assert event.finish_time <= timezone.now() and event.start_time <= event.finish_time
    assert len(event.traceback) == trust.MAX_TRACEBACK and len(event.details) == trust.MAX_TEXT
    assert len(InstanceFault.objects.get(instance=active).message) <= 255


def test_launched_at_comes_from_the_conductors_clock(member, flavor, image, casts):
    make_node("a")
    instance = make_instance(member, flavor, image)
    scheduler.select_destinations([str(instance.uuid)])
    instance.refresh_from_db()
    updates = {"vm_state": VmState.ACTIVE, "task_state": None, "launched_at": "1999-01-01T00:00:00+00:00"}

    assert instances.instance_update("a", str(instance.uuid), updates, TaskState.SPAWNING,
                                   attempt_id=str(instance.attempt_id))  # fmt: skip

    instance.refresh_from_db()
    assert instance.launched_at > timezone.now() - timedelta(minutes=1)


def test_a_node_report_cannot_touch_another_node_or_add_a_second(db):
    make_node("a", vcpus=4)
    make_node("b", vcpus=4)
    before = refused()

    nodes.node_report("a", {"hypervisor_hostname": "b", "vcpus": 1000, "memory_mb": 1, "local_gb": 1})
    nodes.node_report("a", {"hypervisor_hostname": "a-extra", "vcpus": 1000, "memory_mb": 1, "local_gb": 1})
    bad_fields = [{"vcpus": -1}, {"vcpus": 10**9}, {"vcpus": 1.5}, {"memory_mb": "1"}, {"cpu_allocation_ratio": 0}]
    bad_fields += [{"ram_allocation_ratio": 1e9}, {"hypervisor_hostname": "a/b"}]
    for bad in bad_fields:
        nodes.node_report("a", {"vcpus": 8, "memory_mb": 1, "local_gb": 1, **bad})

    assert refused() - before == Counter({
        refusal("node_report", "wrong_host"): 2, refusal("node_report", "bad_field"): 7,
    })  # fmt: skip
    assert sorted(ComputeNode.objects.values_list("hypervisor_hostname", "vcpus")) == [("a", 4), ("b", 4)]


def test_a_heartbeat_registers_only_a_compute_service(db):
    service = nodes.service_heartbeat("new", binary="cloudcore-scheduler")
    assert service.binary == "cloudcore-compute"


def test_a_bad_inventory_is_refused_whole(active):
    before = refused()
    now = timezone.now().isoformat()

    for inventory in ({str(active.uuid): 99}, {"not-a-uuid": 1}, "list", {str(i): 1 for i in range(10_001)}):
        assert healing.sync_instances("a", inventory, now) == {}

    assert refused() - before == Counter({refusal("sync_instances", "bad_field"): 4})
    active.refresh_from_db()
    assert active.vm_state == VmState.ACTIVE


@pytest.fixture
def resizing(active, member, casts):
    ctx = context_for(member, member.default_project)
    migration = move.resize(ctx, str(active.uuid), "2", "req-resize")
    scheduler.select_migration_destination(migration.id)
    migration.refresh_from_db()
    assert migration.status == Migration.Status.MIGRATING
    return migration


@pytest.fixture
def flavor_two(db):
    from tests.fixtures.factories import make_flavor

    return make_flavor("2", "m1.small", 1, 1024, 1)


def test_a_resize_step_is_taken_from_the_migration_not_the_report(flavor_two, resizing):
    before = refused()
    uuid = str(resizing.instance_id)

    # The destination reports a failure while the source moves the disk: no step of its runs now.
    resize.resize_failed(resizing.dest_compute, uuid, resizing.id, fault="x")
    resize.resize_failed(resizing.source_compute, uuid, resizing.id, step="compute_resize_instance", fault="x")
    resize.resize_migrated(resizing.source_compute, "00000000-0000-0000-0000-000000000000", resizing.id)
    resize.resize_migrated(resizing.source_compute, uuid, str(resizing.id))
    resize.resize_migrated(resizing.source_compute, uuid, resizing.id, power_state=-1)
    resize.resize_migrated(resizing.source_compute, uuid, resizing.id)  # a power state is not optional

    assert refused() - before == Counter({
        refusal("resize_failed", "not_in_flight"): 1,
        refusal("resize_failed", "bad_field"): 1,  # a step named by the host is not a field it may send
        refusal("resize_migrated", "bad_field"): 4,
    })  # fmt: skip
    resizing.refresh_from_db()
    assert resizing.status == Migration.Status.MIGRATING


def test_a_request_id_is_kept_only_if_it_is_one_of_the_instances_actions(
    member, flavor, image, flavor_two, resizing, casts, django_capture_on_commit_callbacks
):
    uuid, source, dest = str(resizing.instance_id), resizing.source_compute, resizing.dest_compute
    other = make_scheduled(member, flavor, image, request_id="req-theirs")

    # Another instance's request id is ignored: this instance's latest action records the event,
    # and the destination is not handed the forged id.
    with django_capture_on_commit_callbacks(execute=True):
        resize.resize_migrated(source, uuid, resizing.id, power_state=PowerState.SHUTDOWN, request_id="req-theirs")

    assert [kwargs["request_id"] for _, kwargs in casts(f"compute.{dest}")] == [None]
    assert other.actions.get().events.filter(event="compute_resize_instance").count() == 0
    event = InstanceActionEvent.objects.get(action__instance_id=uuid, event="compute_resize_instance")
    assert event.action.request_id == "req-resize"  # the instance's latest action


def test_a_report_of_the_right_operation_goes_on_with_its_request_id(
    flavor_two, resizing, casts, django_capture_on_commit_callbacks
):
    uuid, source, dest = str(resizing.instance_id), resizing.source_compute, resizing.dest_compute

    with django_capture_on_commit_callbacks(execute=True):
        resize.resize_migrated(source, uuid, resizing.id, power_state=PowerState.SHUTDOWN, request_id="req-resize")

    assert [kwargs["request_id"] for _, kwargs in casts(f"compute.{dest}")] == ["req-resize"]


# Values of every kind a JSON message can carry, and text PostgreSQL cannot store.
ODD_VALUES = (None, 1.5, True, [], ["x"], {"x": 1}, "a\x00b", "x" * 5000)


def assert_no_value_fails(task, report: dict) -> None:
    """Each field of ``report`` in turn gets each of ``ODD_VALUES``: the task must refuse it or
    ignore it, never raise (each try is rolled back)."""
    failures = []
    for field in report:
        for value in ODD_VALUES:
            savepoint = transaction.savepoint()
            try:
                task(**{**report, field: value})
            except Exception as exc:  # noqa: BLE001 - collected to name every failing field
                failures.append(f"{field}={value!r:.30}: {type(exc).__name__}: {exc}")
            finally:
                transaction.savepoint_rollback(savepoint)
    assert failures == []


def test_no_value_a_host_sends_fails_an_update(active, member):
    task_id = stopping(active, member)
    event = {"start_time": "x\x00", "details": "d\x00", "traceback": "t\x00"}
    report = {"host": "a", "instance_uuid": str(active.uuid), "updates": {"task_state": None}, "task_id": task_id,
              "expected_task_state": TaskState.POWERING_OFF, "fault": "f\x00", "event": event,
              "request_id": "req-stop"}  # fmt: skip

    assert_no_value_fails(instances.instance_update, report)
    assert instances.instance_update(**report)  # the report as sent is applied
    fault = InstanceFault.objects.get(instance=active)
    assert (fault.message, InstanceActionEvent.objects.latest("id").details) == ("f", "d")


def test_no_value_a_host_sends_fails_a_resize_step(flavor_two, resizing):
    step = {"host": resizing.source_compute, "instance_uuid": str(resizing.instance_id), "migration_id": resizing.id,
            "event": {}, "request_id": "req-resize"}  # fmt: skip

    assert_no_value_fails(resize.resize_migrated, {**step, "power_state": PowerState.SHUTDOWN})
    assert_no_value_fails(resize.resize_failed, {**step, "fault": "boom"})


# -- snapshots ------------------------------------------------------------------------------


@pytest.fixture
def snapshotting(active, member, settings, tmp_path, casts):
    settings.DATA_DIR = tmp_path
    ctx = context_for(member, member.default_project)
    image = create_image(ctx, str(active.uuid), "snap", {}, "req-snap")
    active.refresh_from_db()
    return active, image


def report(instance, image, data: bytes | None, **extra):
    kwargs = {"instance_uuid": str(instance.uuid), "image_id": str(image.id), "task_id": str(instance.task_id),
              "image_file": None if data is None else digests(data)}  # fmt: skip
    return snapshots.snapshot_done("a", **{**kwargs, **extra})


def test_a_snapshot_is_activated_with_the_stores_own_figures(snapshotting):
    instance, image = snapshotting
    data = b"QFI\xfb" + bytes(100)
    get_store().path_for(str(image.id)).parent.mkdir(parents=True, exist_ok=True)
    get_store().path_for(str(image.id)).write_bytes(data)

    report(instance, image, data, image_file={"path": "/etc/passwd", "disk_format": "raw",
                                              **digests(data)})  # fmt: skip

    image.refresh_from_db()
    assert (image.status, image.size, image.disk_format) == (Image.Status.ACTIVE, 104, "qcow2")
    assert image.file_path == str(get_store().path_for(str(image.id)))
    assert Instance.objects.get(uuid=instance.uuid).task_state is None


def test_a_failed_snapshot_deletes_its_own_image_only(snapshotting, member, image):
    instance, snap = snapshotting
    before = refused()

    report(instance, image, None, image_id=str(image.id), fault="boom")  # the boot image is not this snapshot
    assert refused() - before == Counter({refusal("snapshot_done", "wrong_image"): 1})
    report(instance, snap, None, fault="boom")

    assert not Image.objects.filter(id=snap.id).exists() and Image.objects.filter(id=image.id).exists()
    assert InstanceFault.objects.get(instance=instance).message == "Snapshot failed: boom"


def test_a_snapshot_of_an_image_deleted_meanwhile_drops_the_data(snapshotting, django_capture_on_commit_callbacks):
    instance, image = snapshotting
    path = get_store().path_for(str(image.id))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"data")
    Image.objects.filter(id=image.id).update(status=Image.Status.DELETED)

    with django_capture_on_commit_callbacks(execute=True):
        report(instance, image, b"data")

    assert Image.objects.get(id=image.id).status == Image.Status.DELETED and not path.exists()
    assert Instance.objects.get(uuid=instance.uuid).task_state is None


def test_a_node_reports_its_capabilities_by_known_name_only(db):
    from core import capabilities

    make_node("a")
    before = refused()

    nodes.node_report("a", {"vcpus": 8, "memory_mb": 1, "local_gb": 1, "capabilities": {"supports_pause": "yes"}})
    nodes.node_report("a", {"vcpus": 8, "memory_mb": 1, "local_gb": 1,
                            "capabilities": {"supports_pause": True, "supports_teleport": True}})  # fmt: skip

    assert refused() - before == Counter({refusal("node_report", "bad_field"): 1})
    reported = ComputeNode.objects.get(hypervisor_hostname="a").capabilities
    assert reported == {**capabilities.none(), "supports_pause": True}
