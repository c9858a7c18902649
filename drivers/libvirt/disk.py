"""Disks on the host: ``qemu-img`` and the cache of base images that root disks are overlays on.

A root disk is a qcow2 overlay on a base image kept once per host in ``<INSTANCES_PATH>/_base``.
Bases are fetched from the image store the control plane writes (the image's ``file_path``, or
``IMAGES_PATH/<image id>`` when the store is mounted elsewhere on this host), checked against the
image's MD5 checksum, and used with the format the image declares, never the one the data
claims (a raw image whose bytes look like qcow2 must not get to name a backing file).
"""

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from drivers.base import DriverError

FORMATS = ("raw", "qcow2")
GiB = 1024**3


class DiskError(DriverError):
    """A disk operation failed; the message says which and why."""


def qemu_img(*args: str, timeout: float = 3600) -> str:
    try:
        done = subprocess.run(["qemu-img", *args], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise DiskError("qemu-img is not installed on this host (Debian package qemu-utils)") from None
    except subprocess.TimeoutExpired:
        raise DiskError(f"qemu-img {args[0]} took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise DiskError(f"qemu-img {args[0]} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def info(path: str | Path) -> dict:
    """qemu-img's view of a disk (readable while a guest uses it)."""
    return json.loads(qemu_img("info", "-U", "--output=json", str(path)))


def create_overlay(base: Path, base_format: str, path: Path, size_bytes: int) -> None:
    qemu_img("create", "-q", "-f", "qcow2", "-F", base_format, "-b", str(base), str(path), str(size_bytes))


def create_blank(path: Path, size: str) -> None:
    """An empty qcow2 disk of ``size`` (qemu-img's notation: ``10G``, ``512M``)."""
    qemu_img("create", "-q", "-f", "qcow2", str(path), size)


def convert(source: Path, target: Path, target_format: str) -> None:
    """Flatten ``source`` (and its backing chain) into a standalone ``target``."""
    qemu_img("convert", "-q", "-U", "-O", target_format, str(source), str(target))


def grow(path: Path, size_bytes: int) -> None:
    """Grow a disk to ``size_bytes``; never shrinks (Nova refuses to shrink a root disk too)."""
    if size_bytes > int(info(path)["virtual-size"]):
        qemu_img("resize", "-q", str(path), str(size_bytes))


def supports_direct_io(directory: Path) -> bool:
    """Whether files here can be opened with O_DIRECT (``cache='none'`` needs it; tmpfs cannot)."""
    flag = getattr(os, "O_DIRECT", None)
    if flag is None:
        return False
    fd, name = tempfile.mkstemp(dir=directory, prefix=".direct-io-")
    os.close(fd)
    try:
        os.close(os.open(name, os.O_RDWR | flag))
        return True
    except OSError:
        return False
    finally:
        os.unlink(name)


class ImageCache:
    """Base images on this host, fetched once and shared by every overlay made from them."""

    def __init__(self, base_dir: Path, images_path: Path | None):
        self.base_dir = base_dir
        self.images_path = images_path
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _source(self, image: dict) -> Path:
        candidates = []
        if image.get("file_path"):
            candidates.append(Path(image["file_path"]))
        if self.images_path and image.get("id"):
            candidates.append(self.images_path / str(image["id"]))
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        where = ", ".join(str(c) for c in candidates) or "no path given"
        raise DiskError(
            f"the data of image {image.get('id')} is not reachable from this host ({where}); "
            "mount the image store and set IMAGES_PATH"
        )

    def fetch(self, image: dict) -> tuple[Path, str]:
        """The cached base of ``image`` and its format, fetching and checking it on first use."""
        target, image_format, _fetched = self._fetch(image)
        return target, image_format

    def cache(self, image: dict) -> bool:
        """Fetch ``image`` ahead of a boot (Nova's image pre-caching): True if it was fetched now,
        False if it was cached already (its time is touched, as a use would)."""
        target, _format, fetched = self._fetch(image)
        if not fetched:
            os.utime(target)
        return fetched

    def _fetch(self, image: dict) -> tuple[Path, str, bool]:
        image_format = image.get("disk_format") or "raw"
        if image_format not in FORMATS:
            raise DiskError(f"image {image.get('id')} is {image_format}; this host boots {' and '.join(FORMATS)} only")
        key = hashlib.sha1(str(image.get("id")).encode(), usedforsecurity=False).hexdigest()
        target = self.base_dir / key
        with self._lock(key):
            if target.exists():
                return target, image_format, False
            self.base_dir.mkdir(parents=True, exist_ok=True)
            source = self._source(image)
            fd, partial = tempfile.mkstemp(dir=self.base_dir, prefix=f".{key}-")
            try:
                md5 = hashlib.md5(usedforsecurity=False)
                with open(source, "rb") as reader, os.fdopen(fd, "wb") as writer:
                    while chunk := reader.read(1 << 20):
                        md5.update(chunk)
                        writer.write(chunk)
                expected = image.get("checksum")
                if expected and md5.hexdigest() != expected:
                    raise DiskError(
                        f"image {image.get('id')} is corrupt: checksum {md5.hexdigest()}, expected {expected}"
                    )
                details = info(partial)
                if image_format == "qcow2" and (details.get("format") != "qcow2" or details.get("backing-filename")):
                    raise DiskError(f"image {image.get('id')} is not a standalone qcow2 image")
                os.chmod(partial, 0o644)
                os.replace(partial, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(partial)
        return target, image_format, True


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
