"""The libvirt driver's image pre-caching (2.81): the base image lands in ``_base`` exactly as a
boot would fetch it, so the next boot only makes its overlay."""

import os
import shutil

import pytest

from drivers.libvirt import disk
from tests.drivers.libvirt.conftest import write_demo_image

pytestmark = pytest.mark.skipif(not shutil.which("qemu-img"), reason="qemu-img missing (Debian package qemu-utils)")


def test_a_pre_cached_image_is_fetched_once_and_its_time_touched_after(tmp_path):
    image = write_demo_image(tmp_path / "images")
    cache = disk.ImageCache(tmp_path / "_base", None)

    assert cache.cache(image) is True
    base, _format = cache.fetch(image)
    os.utime(base, (1_000_000, 1_000_000))
    assert cache.cache(image) is False  # already there: not fetched again, but marked as used
    assert base.stat().st_mtime > 1_000_000
    assert [p.name for p in (tmp_path / "_base").iterdir()] == [base.name]


def test_a_corrupt_image_is_not_cached(tmp_path):
    image = write_demo_image(tmp_path / "images")
    cache = disk.ImageCache(tmp_path / "_base", None)

    with pytest.raises(disk.DiskError, match="corrupt"):
        cache.cache({**image, "checksum": "0" * 32})
    assert list((tmp_path / "_base").iterdir()) == []


def test_the_driver_caches_into_its_base_directory(tmp_path):
    from drivers.libvirt import LibvirtDriver

    image = write_demo_image(tmp_path / "images")
    driver = LibvirtDriver("node1", {"INSTANCES_PATH": str(tmp_path / "instances"), "LIBVIRT_URI": "test:///default"})

    assert driver.cache_image(image) is True
    assert driver.cache_image(image) is False
    assert len(list((tmp_path / "instances" / "_base").iterdir())) == 1
