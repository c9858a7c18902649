"""The connection's side: KVM detection, the TCG fallback, and lifecycle events from libvirt."""

import logging
import threading

import libvirt
import pytest

from core.power_state import PowerState
from drivers.libvirt import host as host_module
from drivers.libvirt.host import Host, kvm_usable_by_qemu


def test_kvm_needs_the_device_open_to_qemu(tmp_path):
    device = tmp_path / "kvm"
    device.touch()
    device.chmod(0o600)
    usable, why = kvm_usable_by_qemu(device)
    assert not usable and "group kvm" in why
    device.chmod(0o666)
    assert kvm_usable_by_qemu(device) == (True, "")
    assert kvm_usable_by_qemu(tmp_path / "absent")[0] is False


def test_kvm_falls_back_to_tcg_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(host_module, "kvm_usable_by_qemu", lambda: (False, "/dev/kvm is crw-------"))
    with caplog.at_level(logging.WARNING, logger="drivers.libvirt.host"):
        assert Host("qemu:///system").resolve_virt_type("kvm") == "qemu"
    assert "falling back to qemu (TCG" in caplog.text and "crw-------" in caplog.text
    assert Host("qemu:///system").resolve_virt_type("qemu") == "qemu"
    monkeypatch.setattr(host_module, "kvm_usable_by_qemu", lambda: (True, ""))
    assert Host("qemu:///system").resolve_virt_type("kvm") == "kvm"


def test_an_unreachable_libvirt_is_a_driver_error():
    from drivers.base import DriverError

    with pytest.raises(DriverError, match="cannot connect to libvirt"):
        Host("qemu+unix:///system?socket=/nonexistent/sock").connection()


def test_lifecycle_events_reach_listeners(test_hypervisor):
    driver = test_hypervisor.driver("node1")
    seen: list[tuple[str, int]] = []
    arrived = threading.Condition()

    def listener(instance_uuid, state):
        with arrived:
            seen.append((instance_uuid, state))
            arrived.notify_all()

    def wait_for(event):
        with arrived:
            assert arrived.wait_for(lambda: event in seen, timeout=10), seen

    driver.register_lifecycle_listener(listener)
    instance = test_hypervisor.instance()
    driver.spawn(instance)
    wait_for((instance["uuid"], PowerState.RUNNING))

    # A change nobody asked cloudcore for: another client of the same hypervisor stops the guest.
    outsider = libvirt.open("test:///default")
    outsider.lookupByUUIDString(instance["uuid"]).destroy()
    wait_for((instance["uuid"], PowerState.SHUTDOWN))
    outsider.lookupByUUIDString(instance["uuid"]).create()
    driver.suspend(instance)
    wait_for((instance["uuid"], PowerState.SUSPENDED))
    outsider.close()
