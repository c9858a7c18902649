"""What the contract does not cover: real guests' console output and clean-up, and foreign domains."""

import libvirt
import pytest

from core.power_state import PowerState
from tests.fixtures.polling import wait_until


def test_foreign_domains_are_never_listed(test_hypervisor):
    driver = test_hypervisor.driver("node1")
    foreign = libvirt.open("test:///default")
    assert any(d.name() == "test" for d in foreign.listAllDomains())  # libvirt's own sample domain
    assert driver.list_instances() == []
    foreign.close()


def test_a_snapshot_is_a_standalone_qcow2(test_hypervisor, tmp_path):
    from drivers.libvirt import disk

    driver = test_hypervisor.driver("node1")
    instance = test_hypervisor.instance()
    driver.spawn(instance)
    assert driver.snapshot(instance, str(tmp_path / "snap")) == "qcow2"
    details = disk.info(tmp_path / "snap")
    assert details["format"] == "qcow2" and "backing-filename" not in details


def test_a_flavor_smaller_than_the_image_is_refused(test_hypervisor):
    from drivers.base import SpawnFailed
    from drivers.libvirt import disk

    driver = test_hypervisor.driver("node1")
    disk.create_blank(test_hypervisor.root / "images" / "big", "2G")  # sparse: a 2 GiB disk in a few KiB
    big = {"id": "big", "name": "big", "disk_format": "qcow2"}
    instance = test_hypervisor.instance(image=big)
    with pytest.raises(SpawnFailed, match="larger than the flavor"):
        driver.spawn(instance)
    assert not (driver.instances_path / instance["uuid"]).exists()


# -- a real libvirtd with QEMU ---------------------------------------------------------------


def wait_for_console(driver, instance_uuid, text, timeout=60.0) -> str:
    return wait_until(lambda: text in (output := driver.get_console_output(instance_uuid)) and output,
                      timeout=timeout, message=f"{text!r} on the console")  # fmt: skip


def test_a_real_guest_boots_the_demo_image_and_leaves_nothing_when_destroyed(qemu_hypervisor):
    from apps.images.demo import BANNER

    driver = qemu_hypervisor.driver("node1")
    instance = qemu_hypervisor.instance(name="banner")
    driver.spawn(instance)
    wait_for_console(driver, instance["uuid"], BANNER.decode().strip())
    assert driver.get_info(instance["uuid"]).power_state == PowerState.RUNNING
    resources = driver.get_available_resource()
    assert resources["hypervisor_type"] == "QEMU" and resources["free_memory_mb"] > 0

    driver.destroy(instance["uuid"])
    conn = libvirt.open(qemu_hypervisor.uri)
    with pytest.raises(libvirt.libvirtError):
        conn.lookupByUUIDString(instance["uuid"])
    conn.close()
    assert not (driver.instances_path / instance["uuid"]).exists()
