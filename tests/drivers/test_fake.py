"""The fake driver against the driver contract (the libvirt driver will pass the same suite)."""

import pytest

from drivers import load_driver, power_state
from drivers.base import ComputeDriver, InstanceNotFound, SpawnFailed
from drivers.fake import FakeDriver


def instance(name="vm1", uuid="11111111-1111-1111-1111-111111111111"):
    return {"uuid": uuid, "name": name, "flavor": {"vcpus": 2, "memory_mb": 1024, "root_gb": 1}, "image": {}}


@pytest.fixture
def driver() -> ComputeDriver:
    return load_driver("fake.FakeDriver", "node1", {"FAKE_VCPUS": "8", "FAKE_MEMORY_MB": "4096"})


def test_spawn_then_destroy(driver):
    driver.spawn(instance())
    assert driver.list_instances() == [instance()["uuid"]]
    info = driver.get_info(instance()["uuid"])
    assert (info.power_state, info.vcpus, info.memory_mb) == (power_state.RUNNING, 2, 1024)

    driver.destroy(instance()["uuid"])
    assert driver.list_instances() == []
    with pytest.raises(InstanceNotFound):
        driver.get_info(instance()["uuid"])


def test_destroy_is_idempotent(driver):
    driver.destroy("22222222-2222-2222-2222-222222222222")
    assert driver.list_instances() == []


def test_resources_are_what_it_was_told(driver):
    resources = driver.get_available_resource()
    assert (resources["vcpus"], resources["memory_mb"], resources["hypervisor_hostname"]) == (8, 4096, "node1")


def test_failure_injection_by_name_leaves_nothing_behind():
    driver = FakeDriver("node1", {"FAKE_FAIL_SPAWN": "^doomed"})
    with pytest.raises(SpawnFailed, match="told to fail"):
        driver.spawn(instance(name="doomed-1"))
    assert driver.list_instances() == []
    driver.spawn(instance(name="fine"))
    assert len(driver.list_instances()) == 1


def test_load_driver_refuses_bad_names():
    with pytest.raises(ValueError):
        load_driver("FakeDriver", "node1")
    with pytest.raises(ValueError):
        load_driver("power_state.RUNNING", "node1")
