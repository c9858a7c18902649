"""The fake driver: the driver contract, and what only the simulator does (failure injection)."""

import pytest

from drivers import load_driver
from drivers.base import ComputeDriver, SpawnFailed
from drivers.fake import FakeDriver
from tests.drivers.contract import SMALL, DriverContract, new_uuid


def fake_instance(name="vm1", flavor=None) -> dict:
    return {"uuid": new_uuid(), "name": name, "flavor": dict(flavor or SMALL), "image": {"name": "demo"}}


class TestFakeDriverContract(DriverContract):
    @pytest.fixture
    def driver(self) -> ComputeDriver:
        driver = load_driver(
            "fake.FakeDriver", "node1", {"FAKE_VCPUS": "8", "FAKE_MEMORY_MB": "4096", "FAKE_FAIL_SPAWN": "^doomed"}
        )
        driver.init_host()
        return driver

    @pytest.fixture
    def other_driver(self) -> ComputeDriver:
        return load_driver("fake.FakeDriver", "node2")

    @pytest.fixture
    def make_instance(self):
        return fake_instance

    @pytest.fixture
    def failing_instance(self):
        return fake_instance(name="doomed-1")


def test_resources_are_what_it_was_told():
    driver = load_driver("fake.FakeDriver", "node1", {"FAKE_VCPUS": "8", "FAKE_MEMORY_MB": "4096"})
    resources = driver.get_available_resource()
    assert (resources["vcpus"], resources["memory_mb"], resources["hypervisor_hostname"]) == (8, 4096, "node1")


def test_failure_injection_by_name_then_other_builds_still_work():
    driver = FakeDriver("node1", {"FAKE_FAIL_SPAWN": "^doomed"})
    with pytest.raises(SpawnFailed, match="told to fail"):
        driver.spawn(fake_instance(name="doomed-1"))
    driver.spawn(fake_instance(name="fine"))
    assert len(driver.list_instances()) == 1


def test_load_driver_refuses_bad_names():
    with pytest.raises(ValueError):
        load_driver("FakeDriver", "node1")
    with pytest.raises(ValueError):
        load_driver("base.InstanceInfo", "node1")  # a class, but no driver
