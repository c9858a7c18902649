"""The driver contract on libvirt's test hypervisor (every run) and on a real libvirtd with QEMU."""

import pytest

from tests.drivers.contract import DriverContract


class LibvirtContract(DriverContract):
    @pytest.fixture
    def hypervisor(self):
        raise NotImplementedError

    @pytest.fixture
    def driver(self, hypervisor):
        return hypervisor.driver("node1")

    @pytest.fixture
    def other_driver(self, hypervisor):
        return hypervisor.driver("node2")

    @pytest.fixture
    def make_instance(self, hypervisor):
        return hypervisor.instance

    @pytest.fixture
    def failing_instance(self, hypervisor):
        missing = {**hypervisor.image, "id": "00000000-0000-0000-0000-000000000000", "file_path": "/nonexistent"}
        return hypervisor.instance(name="no-image", image=missing)


class TestOnTestHypervisor(LibvirtContract):
    @pytest.fixture
    def hypervisor(self, test_hypervisor):
        return test_hypervisor


class TestOnRealQemu(LibvirtContract):
    @pytest.fixture
    def hypervisor(self, qemu_hypervisor):
        return qemu_hypervisor
