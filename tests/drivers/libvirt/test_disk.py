"""Disks and the base-image cache, with the real qemu-img."""

import shutil

import pytest

from drivers.libvirt import disk
from tests.drivers.libvirt.conftest import write_demo_image

pytestmark = pytest.mark.skipif(not shutil.which("qemu-img"), reason="qemu-img missing (Debian package qemu-utils)")


def test_a_base_is_fetched_once_checked_and_overlaid(tmp_path):
    image = write_demo_image(tmp_path / "images")
    cache = disk.ImageCache(tmp_path / "_base", None)
    base, base_format = cache.fetch(image)
    assert base_format == "raw" and base.read_bytes() == (tmp_path / "images" / image["id"]).read_bytes()
    (tmp_path / "images" / image["id"]).unlink()
    assert cache.fetch(image) == (base, "raw")  # cached: the store is not read again

    overlay = tmp_path / "disk"
    disk.create_overlay(base, "raw", overlay, disk.GiB)
    details = disk.info(overlay)
    assert (details["format"], details["virtual-size"], details["backing-filename"]) == ("qcow2", disk.GiB, str(base))
    disk.grow(overlay, 2 * disk.GiB)
    disk.grow(overlay, disk.GiB)  # never shrinks
    assert disk.info(overlay)["virtual-size"] == 2 * disk.GiB


def test_a_corrupt_image_is_refused_and_not_cached(tmp_path):
    image = write_demo_image(tmp_path / "images")
    cache = disk.ImageCache(tmp_path / "_base", None)
    with pytest.raises(disk.DiskError, match="corrupt"):
        cache.fetch({**image, "checksum": "0" * 32})
    assert not [p for p in (tmp_path / "_base").iterdir()]


def test_the_store_is_found_through_images_path(tmp_path):
    image = write_demo_image(tmp_path / "store")
    cache = disk.ImageCache(tmp_path / "_base", tmp_path / "store")
    base, _ = cache.fetch({**image, "file_path": "/path/seen/by/the/api/only"})
    assert base.exists()
    lost = disk.ImageCache(tmp_path / "_base2", tmp_path / "elsewhere")
    with pytest.raises(disk.DiskError, match="IMAGES_PATH"):
        lost.fetch({**image, "file_path": "/path/seen/by/the/api/only"})


def test_qcow2_images_must_stand_alone_and_formats_are_limited(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    disk.create_blank(store / "backing", "1M")
    disk.create_overlay(store / "backing", "qcow2", store / "layered", 1 << 20)
    cache = disk.ImageCache(tmp_path / "_base", store)
    with pytest.raises(disk.DiskError, match="standalone"):
        cache.fetch({"id": "layered", "disk_format": "qcow2"})
    with pytest.raises(disk.DiskError, match="boots raw and qcow2"):
        cache.fetch({"id": "x", "disk_format": "vmdk"})
    assert cache.fetch({"id": "backing", "disk_format": "qcow2"})[1] == "qcow2"


def test_qemu_img_failures_say_why(tmp_path):
    with pytest.raises(disk.DiskError, match="qemu-img info failed"):
        disk.info(tmp_path / "absent")
