"""Compute tasks on the fake driver, with the conductor recorded: each operation sends exactly one
report, and a failed one carries a fault."""

import re

import pytest

from core.power_state import PowerState
from tests.fixtures.compute import instance_payload
from workers.compute import build, power, resize, snapshot

FAILURE_FIELDS = {"fault"}


def spawned(node, **extra) -> dict:
    instance = instance_payload(**extra)
    build.build_and_run_instance(instance, attempt_id="a-1")
    node.take()
    return instance


def fail_everything(node) -> None:
    node.driver.fail_ops = re.compile(".*")
    node.driver.fail_spawn = re.compile(".*")


def test_a_build_reports_active_with_its_attempt(compute_node):
    instance = instance_payload()

    build.build_and_run_instance(instance, attempt_id="a-1", request_id="req-1")

    [(task, fields)] = compute_node.take()
    assert task == "conductor.instance_update"
    # The signature names the sender; the report itself never does.
    assert "host" not in fields and (fields["instance_uuid"], fields["attempt_id"]) == (instance["uuid"], "a-1")
    assert fields["updates"]["vm_state"] == "active" and fields["updates"]["power_state"] == PowerState.RUNNING
    assert fields["request_id"] == "req-1" and fields["event"]["result"] == "Success" and "fault" not in fields
    assert compute_node.driver.list_instances() == [instance["uuid"]]


def test_a_redelivered_build_does_not_spawn_twice(compute_node):
    instance = spawned(compute_node)
    build.build_and_run_instance(instance, attempt_id="a-1")
    assert compute_node.driver.list_instances() == [instance["uuid"]]
    assert [task for task, _ in compute_node.take()] == ["conductor.instance_update"]


@pytest.mark.parametrize(
    ("task", "args", "expected"),
    [
        (power.stop_instance, (), ("powering-off", "stopped", PowerState.SHUTDOWN)),
        (power.pause_instance, (), ("pausing", "paused", PowerState.PAUSED)),
        (power.suspend_instance, (), ("suspending", "suspended", PowerState.SUSPENDED)),
        (power.reboot_instance, ("HARD",), ("rebooting_hard", "active", PowerState.RUNNING)),
        (power.rebuild_instance, (False,), ("rebuilding", "stopped", PowerState.SHUTDOWN)),
    ],
)
def test_an_operation_reports_its_outcome_with_its_task_id(compute_node, task, args, expected):
    instance = spawned(compute_node)

    task(instance, *args)

    [(name, fields)] = compute_node.take()
    updates = fields["updates"]
    assert name == "conductor.instance_update" and fields["task_id"] == instance["task_id"]
    assert (fields["expected_task_state"], updates["vm_state"], updates["power_state"]) == expected
    assert updates["task_state"] is None and not FAILURE_FIELDS & set(fields)


def every_task(instance: dict, node):
    """Each compute task that changes something, as (name, call) pairs."""
    migration = {"id": 7, "source_compute": "node1", "dest_compute": "node1", "power_on": True}
    return [
        ("build", lambda: build.build_and_run_instance(instance, attempt_id="a-1")),
        ("terminate", lambda: build.terminate_instance(instance["uuid"])),
        ("stop", lambda: power.stop_instance(instance)),
        ("start", lambda: power.start_instance(instance)),
        ("reboot", lambda: power.reboot_instance(instance, "SOFT")),
        ("pause", lambda: power.pause_instance(instance)),
        ("unpause", lambda: power.unpause_instance(instance)),
        ("suspend", lambda: power.suspend_instance(instance)),
        ("resume", lambda: power.resume_instance(instance)),
        ("rebuild", lambda: power.rebuild_instance(instance, True)),
        ("snapshot", lambda: snapshot.snapshot_instance(instance, "img-1")),
        ("resize", lambda: resize.resize_instance(instance, migration)),
        ("finish_resize", lambda: resize.finish_resize(instance, migration)),
        ("confirm", lambda: resize.confirm_resize(instance, migration)),
        ("revert", lambda: resize.revert_resize(instance, migration)),
        ("finish_revert", lambda: resize.finish_revert_resize(instance, migration)),
    ]


def failure_report_tasks():
    return {
        "build": "conductor.build_failed",
        "terminate": "conductor.instance_update",
        "snapshot": "conductor.snapshot_done",
        "resize": "conductor.resize_failed",
        "finish_resize": "conductor.resize_failed",
        "confirm": "conductor.resize_failed",
        "revert": "conductor.resize_failed",
        "finish_revert": "conductor.resize_failed",
    }


@pytest.mark.parametrize("name", [name for name, _ in every_task(instance_payload(), None)])
def test_a_failed_task_sends_exactly_one_report_carrying_a_fault(compute_node, name):
    instance = spawned(compute_node) if name != "build" else instance_payload()
    fail_everything(compute_node)
    call = dict(every_task(instance, compute_node))[name]

    call()

    [(task, fields)] = compute_node.take()
    assert task == failure_report_tasks().get(name, "conductor.instance_update")
    assert "was told to fail" in fields["fault"]
    assert fields["event"]["result"] == "Error" and "was told to fail" in fields["event"]["traceback"]
    assert "host" not in fields and fields.get("instance_uuid") == instance["uuid"]


def test_a_failed_rebuild_leaves_error_and_a_failed_stop_leaves_the_vm_state(compute_node):
    instance = spawned(compute_node)
    fail_everything(compute_node)

    power.rebuild_instance(instance, True)
    power.stop_instance(instance)

    (_, rebuilt), (_, stopped) = compute_node.take()
    assert rebuilt["updates"]["vm_state"] == "error"
    assert "vm_state" not in stopped["updates"] and stopped["updates"]["power_state"] == PowerState.RUNNING


def test_a_snapshot_reports_the_figures_of_what_it_wrote_and_no_path(compute_node):
    instance = spawned(compute_node)

    snapshot.snapshot_instance(instance, "img-1")

    [(task, fields)] = compute_node.take()
    written = compute_node.config.images_path / "img-1"
    assert task == "conductor.snapshot_done" and fields["task_id"] == instance["task_id"]
    assert fields["image_file"]["size"] == written.stat().st_size and "path" not in fields["image_file"]


def test_a_failed_snapshot_leaves_no_file(compute_node):
    instance = spawned(compute_node)
    compute_node.driver.fail_ops = re.compile("snapshot")

    snapshot.snapshot_instance(instance, "img-1")

    assert not (compute_node.config.images_path / "img-1").exists()
    [(_, fields)] = compute_node.take()
    assert fields["fault"] and "image_file" not in fields
