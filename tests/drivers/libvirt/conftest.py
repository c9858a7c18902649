"""Fixtures for the libvirt driver's tests: the demo boot image on disk, and drivers on a URI."""

import contextlib
import uuid
from pathlib import Path

import pytest

from apps.images.demo import boot_sector, digests
from drivers import load_driver
from drivers.libvirt import LibvirtDriver
from tests.drivers.contract import SMALL


def write_demo_image(images: Path) -> dict:
    """The demo image as the image store holds it, and its payload as the control plane sends it."""
    images.mkdir(parents=True, exist_ok=True)
    image_id = str(uuid.uuid4())
    data = boot_sector()
    (images / image_id).write_bytes(data)
    return {"id": image_id, "name": "demo", "disk_format": "raw", "file_path": str(images / image_id),
            **{k: v for k, v in digests(data).items() if k in ("size", "checksum")}}  # fmt: skip


class Drivers:
    """Drivers for several hosts over one libvirt URI, sharing an image store and a migration path."""

    def __init__(self, uri: str, root: Path, **options: str):
        self.uri = uri
        self.root = root
        self.options = options
        self.image = write_demo_image(root / "images")
        self.made: list[LibvirtDriver] = []

    def driver(self, host: str) -> LibvirtDriver:
        options = {
            "LIBVIRT_URI": self.uri,
            "INSTANCES_PATH": str(self.root / "instances" / host),
            "IMAGES_PATH": str(self.root / "images"),
            "LIBVIRT_MIGRATION_PATH": str(self.root / "migrations"),
            "LIBVIRT_SHUTDOWN_TIMEOUT": "0.5",
            **self.options,
        }
        driver = load_driver("libvirt.LibvirtDriver", host, options)
        driver.init_host()
        self.made.append(driver)
        return driver

    def instance(self, name: str = "vm1", flavor: dict | None = None, image: dict | None = None) -> dict:
        return {"uuid": str(uuid.uuid4()), "name": name, "flavor": dict(flavor or SMALL), "image": image or self.image}

    def clean(self) -> None:
        for driver in self.made:
            for instance_uuid in driver.list_instances():
                with contextlib.suppress(Exception):
                    driver.destroy(instance_uuid)


@pytest.fixture
def test_hypervisor(tmp_path):
    """Drivers on libvirt's in-process test hypervisor."""
    drivers = Drivers("test:///default", tmp_path)
    yield drivers
    drivers.clean()


@pytest.fixture
def qemu_hypervisor(real_libvirtd, qemu_workspace):
    """Drivers on the real libvirtd, booting real QEMU guests."""
    drivers = Drivers(real_libvirtd, qemu_workspace)
    yield drivers
    drivers.clean()
