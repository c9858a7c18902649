"""Where image data lives: a small store interface and the local-disk store behind it.

An image's ``file_path`` is the absolute path of its data on local disk, as the compute hosts read
it (or find it again as ``IMAGES_PATH/<image id>`` where the store is mounted elsewhere). So the
local store names each image's data ``<root>/<image id>``; snapshots written by the compute side
follow the same rule.

``get_store()`` returns the configured store (``IMAGE_STORE``, a dotted path, the local store by
default), so an object store can follow without touching the API.
"""

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_STORE = "apps.images.store.LocalStore"
FILE_MODE = 0o644


class Stored(NamedTuple):
    """What a completed write left in the store: where, how big, and its digests (hex)."""

    path: str
    size: int
    md5: str
    sha512: str


class StoreError(Exception):
    """The store could not keep the data (full disk, unreachable backend...)."""


class StoreFull(StoreError):
    """No room left for the data."""


class Store:
    """The interface every image store implements."""

    def put(self, image_id: str, chunks: Iterable[bytes]) -> Stored:
        """Write ``chunks`` as the data of ``image_id``; all of it or, on any error, nothing."""
        raise NotImplementedError

    def open(self, path: str) -> BinaryIO:
        """A binary file object reading the data stored at ``path``."""
        raise NotImplementedError

    def delete(self, path: str) -> None:
        """Remove the data at ``path``; data already gone is not an error."""
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

    def open(self, path: str) -> BinaryIO:
        return open(path, "rb")  # noqa: SIM115 - the caller (a streaming response) closes it

    def delete(self, path: str) -> None:
        if not path:
            return
        target = Path(path)
        if not target.is_absolute() or target.is_dir():
            raise ValueError(f"not the path of image data: {path!r}")
        target.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some filesystems refuse to open a directory, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def get_store() -> Store:
    """The configured image store (``settings.IMAGE_STORE``, a dotted class path)."""
    return import_string(getattr(settings, "IMAGE_STORE", DEFAULT_STORE))()
