"""The contract every driver passes: the same tests, run against each hypervisor.

A test module subclasses ``DriverContract`` and provides four fixtures:

- ``driver``: a connected driver for host ``node1``;
- ``other_driver``: one for host ``node2`` that can receive ``node1``'s guests in a migration;
- ``make_instance``: ``make_instance(name=..., flavor=...)`` -> an instance payload that boots;
- ``failing_instance``: a payload this driver's spawn must refuse.

Every operation is synchronous: when the call returns, the hypervisor shows its result.
"""

import uuid

import jsonschema
import pytest
from tempest.lib.api_schema.response.compute.v2_48 import servers as tempest_v2_48

from core import diagnostics
from core.power_state import PowerState
from drivers.base import DriverError, InstanceNotFound

SMALL = {"name": "m1.small", "vcpus": 1, "memory_mb": 64, "root_gb": 1, "ephemeral_gb": 0, "swap": 0}
LARGER = {"name": "m1.larger", "vcpus": 2, "memory_mb": 96, "root_gb": 2, "ephemeral_gb": 0, "swap": 0}


def new_uuid() -> str:
    return str(uuid.uuid4())


class DriverContract:
    def state(self, driver, instance) -> int:
        return driver.get_info(instance["uuid"]).power_state

    @pytest.fixture
    def running(self, driver, make_instance):
        instance = make_instance(name="contract-vm")
        driver.spawn(instance)
        return instance

    # -- building and removing -----------------------------------------------------------

    def test_spawn_runs_the_guest_with_the_flavor_size(self, driver, running):
        assert running["uuid"] in driver.list_instances()
        info = driver.get_info(running["uuid"])
        assert (info.power_state, info.vcpus, info.memory_mb) == (PowerState.RUNNING, 1, 64)

    def test_destroy_removes_the_guest_and_is_idempotent(self, driver, running):
        driver.destroy(running["uuid"])
        assert running["uuid"] not in driver.list_instances()
        with pytest.raises(InstanceNotFound):
            driver.get_info(running["uuid"])
        driver.destroy(running["uuid"])
        driver.destroy(new_uuid())

    def test_a_failed_spawn_leaves_nothing_behind(self, driver, failing_instance):
        before = set(driver.list_instances())
        with pytest.raises(DriverError):
            driver.spawn(failing_instance)
        assert set(driver.list_instances()) == before
        with pytest.raises(InstanceNotFound):
            driver.get_info(failing_instance["uuid"])

    def test_operations_on_an_unknown_instance_say_not_found(self, driver, make_instance):
        ghost = make_instance(name="ghost")
        for operation in (driver.power_off, driver.power_on, driver.pause, driver.suspend):
            with pytest.raises(InstanceNotFound):
                operation(ghost)
        with pytest.raises(InstanceNotFound):
            driver.get_console_output(ghost["uuid"])

    def test_each_host_sees_only_its_own_guests(self, driver, other_driver, running):
        assert running["uuid"] in driver.list_instances()
        assert running["uuid"] not in other_driver.list_instances()
        with pytest.raises(InstanceNotFound):
            other_driver.get_info(running["uuid"])
        other_driver.destroy(running["uuid"])  # an orphan clean-up elsewhere never touches it
        assert self.state(driver, running) == PowerState.RUNNING

    # -- power ---------------------------------------------------------------------------

    def test_stop_and_start(self, driver, running):
        driver.power_off(running)
        assert self.state(driver, running) == PowerState.SHUTDOWN
        driver.power_off(running)  # already off: nothing to do
        driver.power_on(running)
        assert self.state(driver, running) == PowerState.RUNNING

    def test_reboot_soft_and_hard(self, driver, running):
        driver.reboot(running, "SOFT")
        assert self.state(driver, running) == PowerState.RUNNING
        driver.reboot(running, "HARD")
        assert self.state(driver, running) == PowerState.RUNNING
        driver.power_off(running)
        with pytest.raises(DriverError):
            driver.reboot(running, "SOFT")
        driver.reboot(running, "HARD")  # a hard reboot starts a stopped guest
        assert self.state(driver, running) == PowerState.RUNNING

    def test_pause_and_unpause(self, driver, running):
        driver.pause(running)
        assert self.state(driver, running) == PowerState.PAUSED
        driver.unpause(running)
        assert self.state(driver, running) == PowerState.RUNNING

    def test_suspend_and_resume(self, driver, running):
        driver.suspend(running)
        assert self.state(driver, running) == PowerState.SUSPENDED
        assert running["uuid"] in driver.list_instances()
        driver.resume(running)
        assert self.state(driver, running) == PowerState.RUNNING

    # -- disks ---------------------------------------------------------------------------

    def test_rebuild_keeps_the_guest_and_its_power_choice(self, driver, running):
        driver.rebuild(running, power_on=True)
        assert self.state(driver, running) == PowerState.RUNNING
        driver.rebuild(running, power_on=False)
        assert self.state(driver, running) == PowerState.SHUTDOWN
        assert running["uuid"] in driver.list_instances()

    def test_snapshot_writes_an_image_and_leaves_the_guest_as_it_was(self, driver, running, tmp_path):
        target = tmp_path / "snapshot"
        disk_format = driver.snapshot(running, str(target))
        assert target.stat().st_size > 0
        assert disk_format in (None, "raw", "qcow2")
        assert self.state(driver, running) == PowerState.RUNNING

    # -- resize and cold migration --------------------------------------------------------

    def migrate(self, source, destination, instance) -> tuple[dict, dict]:
        migration = {"id": 7, "source_compute": source.host, "dest_compute": destination.host, "power_on": True}
        source.migrate_disk_and_power_off(instance, migration)
        assert instance["uuid"] not in source.list_instances()
        resized = {**instance, "flavor": LARGER}
        destination.finish_migration(resized, migration, power_on=True)
        return resized, migration

    def test_resize_to_another_host_then_confirm(self, driver, other_driver, running):
        resized, migration = self.migrate(driver, other_driver, running)
        info = other_driver.get_info(running["uuid"])
        assert (info.power_state, info.vcpus, info.memory_mb) == (PowerState.RUNNING, 2, 96)
        driver.confirm_migration(running, migration)
        driver.confirm_migration(running, migration)
        assert running["uuid"] not in driver.list_instances()
        assert other_driver.list_instances() == [running["uuid"]]
        other_driver.destroy(running["uuid"])

    def test_resize_then_revert_brings_the_old_guest_back(self, driver, other_driver, running):
        resized, migration = self.migrate(driver, other_driver, running)
        other_driver.revert_migration_dest(resized, migration)
        assert running["uuid"] not in other_driver.list_instances()
        driver.finish_revert_migration(running, migration, power_on=True)
        info = driver.get_info(running["uuid"])
        assert (info.power_state, info.vcpus, info.memory_mb) == (PowerState.RUNNING, 1, 64)

    # -- what the host reports -----------------------------------------------------------

    def test_available_resources(self, driver):
        resources = driver.get_available_resource()
        assert resources["hypervisor_hostname"] == driver.host
        for key in ("vcpus", "memory_mb", "local_gb"):
            assert isinstance(resources[key], int) and resources[key] > 0, key
        assert resources["hypervisor_type"] and resources["cpu_arch"]

    def test_console_output_is_text(self, driver, running):
        assert isinstance(driver.get_console_output(running["uuid"]), str)

    def test_diagnostics_of_a_running_guest_in_both_shapes(self, driver, running):
        instance = {**running, "launched_at": "2024-01-01T00:00:00+00:00"}

        standard = driver.get_instance_diagnostics(instance)
        jsonschema.validate(diagnostics.view(standard), tempest_v2_48.show_server_diagnostics["response_body"])
        assert (standard["state"], standard["num_cpus"], standard["memory_details"]["maximum"]) == ("running", 1, 64)
        assert standard["num_disks"] >= 1 and standard["uptime"] > 0
        free_form = driver.get_diagnostics(instance)
        assert free_form["memory"] == 64 * 1024 and "cpu0_time" in free_form  # libvirt's keys, in KiB

    def test_diagnostics_of_an_unknown_guest_say_not_found(self, driver, make_instance):
        ghost = make_instance(name="ghost")
        for operation in (driver.get_instance_diagnostics, driver.get_diagnostics):
            with pytest.raises(InstanceNotFound):
                operation(ghost)
