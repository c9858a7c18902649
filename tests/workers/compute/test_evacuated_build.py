"""A build asked to leave the server stopped (an evacuation at 2.95, or of a stopped server):
the guest is built, powered off, and reported STOPPED; if it will not power off it is reported
running rather than failing a build that succeeded."""

import re

from core.power_state import PowerState
from tests.fixtures.compute import instance_payload
from workers.compute import build


def test_the_build_powers_the_guest_off_and_reports_stopped(compute_node):
    instance = instance_payload(leave_stopped=True)

    build.build_and_run_instance(instance, attempt_id="a-1")

    [(task, fields)] = compute_node.take()
    assert task == "conductor.instance_update" and "fault" not in fields
    assert (fields["updates"]["vm_state"], fields["updates"]["power_state"]) == ("stopped", PowerState.SHUTDOWN)
    assert compute_node.driver.get_info(instance["uuid"]).power_state == PowerState.SHUTDOWN


def test_a_guest_that_will_not_power_off_is_reported_running(compute_node):
    compute_node.driver.fail_ops = re.compile("^power_off:")

    build.build_and_run_instance(instance_payload(leave_stopped=True), attempt_id="a-1")

    [(task, fields)] = compute_node.take()
    assert task == "conductor.instance_update"
    assert (fields["updates"]["vm_state"], fields["updates"]["power_state"]) == ("active", PowerState.RUNNING)


def test_an_ordinary_build_stays_running(compute_node):
    build.build_and_run_instance(instance_payload(leave_stopped=False), attempt_id="a-1")

    [(_task, fields)] = compute_node.take()
    assert fields["updates"]["vm_state"] == "active"
