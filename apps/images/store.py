"""Where image data lives: a small store interface and the local-disk store behind it.

An image's ``file_path`` is the absolute path of its data on local disk, as the compute hosts read
it (or find it again as ``IMAGES_PATH/<image id>`` where the store is mounted elsewhere). So the
local store names each image's data ``<root>/<image id>``; snapshots written by the compute side
follow the same rule, and the conductor computes that path itself (``path_for``) rather than take
one from a host.

The store never follows a path out of its root: ``open`` and ``delete`` refuse any path that does
not resolve under it (symlinks included), and ``describe`` reads data a compute host wrote only if
it is a plain file of its own (not a link to something else, not a second name of another file).

``get_store()`` returns the configured store (``IMAGE_STORE``, a dotted path, the local store by
default), so an object store can follow without touching the API.
"""

import contextlib
import errno
import hashlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.conf import settings
from django.utils.module_loading import import_string

LOG = logging.getLogger(__name__)

DEFAULT_STORE = "apps.images.store.LocalStore"
FILE_MODE = 0o644


class Stored(NamedTuple):
    """What a completed write left in the store: where, how big, and its digests (hex)."""

    path: str
    size: int
    md5: str
    sha512: str

    def image_fields(self) -> dict:
        """The Image columns this data fills in."""
        return {"file_path": self.path, "size": self.size, "checksum": self.md5, "os_hash_algo": "sha512",
                "os_hash_value": self.sha512}  # fmt: skip


class StoreError(Exception):
    """The store could not keep the data (full disk, unreachable backend...)."""


class StoreFull(StoreError):
    """No room left for the data."""


class UnsafePath(StoreError, ValueError):
    """A path that is not image data of this store (outside its root, through a link, a directory)."""


QCOW2_MAGIC = b"QFI\xfb"


def sniff_format(head: bytes) -> str:
    """The disk format the data's first bytes show: ``qcow2`` or, for anything else, ``raw``."""
    return "qcow2" if head.startswith(QCOW2_MAGIC) else "raw"


class Store:
    """The interface every image store implements."""

    def put(self, image_id: str, chunks: Iterable[bytes]) -> Stored:
        """Write ``chunks`` as the data of ``image_id``; all of it or, on any error, nothing."""
        raise NotImplementedError

    def path_for(self, image_id: str) -> Path:
        """Where the data of ``image_id`` lives (whether or not it exists yet)."""
        raise NotImplementedError

    def open(self, path: str) -> BinaryIO:
        """A binary file object reading the data stored at ``path``; ``UnsafePath`` if ``path`` is
        not this store's."""
        raise NotImplementedError

    def delete(self, path: str) -> None:
        """Remove the data at ``path``; data already gone is not an error; ``UnsafePath`` if ``path``
        is not this store's."""
        raise NotImplementedError

    def describe(self, image_id: str) -> tuple[Stored, str]:
        """Size, digests and disk format of the data someone else wrote for ``image_id``, read by the
        store itself. ``UnsafePath`` if it is not a plain file of its own; FileNotFoundError if absent."""
        raise NotImplementedError


class LocalStore(Store):
    """Files in ``DATA_DIR/images`` (or ``root``), written to a temporary file and renamed into place."""

    def __init__(self, root: str | Path | None = None):
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        return (self._root or Path(settings.DATA_DIR) / "images").absolute()

    def path_for(self, image_id: str) -> Path:
        name = str(image_id)
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"not an image id: {image_id!r}")
        return self.root / name

    def put(self, image_id: str, chunks: Iterable[bytes]) -> Stored:
        target = self.path_for(image_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{image_id}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), FILE_MODE)  # mkstemp makes 0600; compute hosts read the store
                for chunk in chunks:
                    if not chunk:
                        continue
                    handle.write(chunk)
                    md5.update(chunk)
                    sha512.update(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StoreFull("Image storage media is full.") from exc
            raise
        _fsync_dir(target.parent)
        return Stored(str(target), size, md5.hexdigest(), sha512.hexdigest())

    def confine(self, path: str | Path) -> Path:
        """``path`` with every link resolved, if that names a file directly in the store's root.

        Raises ``UnsafePath`` otherwise: a relative path, a path elsewhere, a link that leads out
        of the root (or to another name inside it), the root itself.
        """
        target = Path(path)
        if not str(path) or not target.is_absolute():
            raise UnsafePath(f"not the path of image data: {str(path)!r}")
        root = self.root.resolve()
        resolved = target.resolve()
        if resolved.parent != root or resolved != root / target.name or target.parent.resolve() != root:
            raise UnsafePath(f"not the path of image data in the store: {str(path)!r}")
        return resolved

    def open(self, path: str) -> BinaryIO:
        target = self.confine(path)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # replaced by a link since confine() looked
                raise UnsafePath(f"not the path of image data in the store: {path!r}") from None
            raise
        return os.fdopen(fd, "rb")  # the caller (a streaming response) closes it

    def delete(self, path: str) -> None:
        if not path:
            return
        target = self.confine(path)
        if target.is_dir():
            raise UnsafePath(f"not the path of image data: {path!r}")
        target.unlink(missing_ok=True)

    def describe(self, image_id: str) -> tuple[Stored, str]:
        target = self.path_for(image_id)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafePath(f"the data of image {image_id} is a link") from None
            raise
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            what = "not a regular file" if not stat.S_ISREG(info.st_mode) else "another file's second name"
            raise UnsafePath(f"the data of image {image_id} is {what}")
        md5, sha512, size, head = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0, b""
        with os.fdopen(fd, "rb") as handle:
            while chunk := handle.read(1 << 20):
                head = head or chunk[:16]
                md5.update(chunk)
                sha512.update(chunk)
                size += len(chunk)
        return Stored(str(target), size, md5.hexdigest(), sha512.hexdigest()), sniff_format(head)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some filesystems refuse to open a directory, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def discard(path: str) -> None:
    """Delete image data after a commit: a path that is not the store's is logged, not raised."""
    try:
        get_store().delete(path)
    except UnsafePath as exc:
        LOG.error("image data not deleted: %s", exc)


def get_store() -> Store:
    """The configured image store (``settings.IMAGE_STORE``, a dotted class path)."""
    return import_string(getattr(settings, "IMAGE_STORE", DEFAULT_STORE))()
