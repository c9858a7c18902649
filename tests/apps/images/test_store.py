"""The local image store: atomic writes, digests, deletion; and reading a request body in chunks."""

import hashlib
import io
import os

import pytest

from apps.images.api.data import UploadInterrupted, UploadTooLarge, request_chunks
from apps.images.demo import boot_sector, digests
from apps.images.store import LocalStore, StoreFull, UnsafePath, get_store


def test_put_writes_the_data_and_returns_its_digests(data_dir):
    data = boot_sector()

    path, size, md5, sha512 = LocalStore().put("abc", [data[:100], b"", data[100:]])

    assert path == str(data_dir / "images" / "abc")
    expected = digests(data)
    assert (size, md5, sha512) == (512, expected["checksum"], expected["os_hash_value"])
    with LocalStore().open(path) as handle:
        assert handle.read() == data


def test_a_failed_write_leaves_nothing_and_keeps_earlier_data(tmp_path):
    store = LocalStore(tmp_path)
    store.put("img", [b"old"])

    def chunks():
        yield b"new data"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        store.put("img", chunks())

    assert [p.name for p in tmp_path.iterdir()] == ["img"]
    assert (tmp_path / "img").read_bytes() == b"old"


def test_a_full_disk_is_store_full(tmp_path):
    def chunks():
        yield b"x"
        raise OSError(28, "No space left on device")

    with pytest.raises(StoreFull):
        LocalStore(tmp_path).put("img", chunks())
    assert list(tmp_path.iterdir()) == []


def test_delete_removes_the_file_and_tolerates_missing_data(tmp_path):
    store = LocalStore(tmp_path)
    path = store.put("img", [b"data"]).path

    store.delete(path)
    store.delete(path)
    store.delete("")

    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UnsafePath):
        store.delete("relative/path")
    with pytest.raises(UnsafePath):
        store.delete(str(tmp_path))


def test_open_and_delete_refuse_paths_outside_the_root(tmp_path):
    root, outside = tmp_path / "images", tmp_path / "secret"
    store = LocalStore(root)
    store.put("img", [b"data"])
    outside.write_bytes(b"not image data")
    (root / "link-out").symlink_to(outside)
    (root / "link-in").symlink_to(root / "img")
    (root / "sub").mkdir()
    (root / "sub" / "deeper").write_bytes(b"x")

    for path in (outside, root / "link-out", root / "link-in", root / ".." / "secret", root / "sub" / "deeper", root):
        with pytest.raises(UnsafePath):
            store.open(str(path))
        with pytest.raises(UnsafePath):
            store.delete(str(path))
    assert outside.read_bytes() == b"not image data" and (root / "img").read_bytes() == b"data"
    with store.open(str(root / "img")) as handle:
        assert handle.read() == b"data"


def test_a_store_reached_through_a_link_still_opens_its_own_data(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    store = LocalStore(tmp_path / "alias")
    path = store.put("img", [b"data"]).path

    with store.open(path) as handle:
        assert handle.read() == b"data"
    store.delete(path)
    assert list((tmp_path / "real").iterdir()) == []


def test_describe_reads_only_a_plain_file_of_its_own(tmp_path):
    root = tmp_path / "images"
    store = LocalStore(root)
    store.put("other", [b"another tenant's data"])
    qcow2 = b"QFI\xfb" + bytes(60)
    (root / "snap").write_bytes(qcow2)

    stored, disk_format = store.describe("snap")
    assert (stored.path, stored.size, disk_format) == (str(root / "snap"), 64, "qcow2")
    assert stored.md5 == hashlib.md5(qcow2, usedforsecurity=False).hexdigest()
    assert store.describe("other")[1] == "raw"

    (root / "linked").symlink_to(root / "other")
    os.link(root / "other", root / "second-name")
    (root / "dir").mkdir()
    for name in ("linked", "second-name", "dir"):
        with pytest.raises(UnsafePath):
            store.describe(name)
    with pytest.raises(FileNotFoundError):
        store.describe("missing")


def test_image_ids_cannot_escape_the_store(tmp_path):
    for bad in ("../etc", ".hidden", ""):
        with pytest.raises(ValueError):
            LocalStore(tmp_path).put(bad, [b"x"])


def test_get_store_is_configurable(settings):
    assert isinstance(get_store(), LocalStore)
    settings.IMAGE_STORE = "tests.apps.images.test_store.FakeStore"
    assert isinstance(get_store(), FakeStore)


class FakeStore(LocalStore):
    pass


class FakeRequest:
    def __init__(self, body: bytes, meta: dict):
        self.META = meta
        self.stream = io.BytesIO(body) if body else None


def test_request_chunks_reads_the_body_by_chunks():
    body = bytes(range(256)) * 1024  # 256 KiB: several chunks
    request = FakeRequest(body, {"CONTENT_LENGTH": str(len(body))})

    chunks = list(request_chunks(request, cap=1 << 20))

    assert len(chunks) > 1 and b"".join(chunks) == body


def test_a_body_shorter_than_its_content_length_is_an_interrupted_upload():
    request = FakeRequest(b"abc", {"CONTENT_LENGTH": "10"})

    with pytest.raises(UploadInterrupted):
        list(request_chunks(request, cap=100))


def test_a_chunked_body_is_read_from_wsgi_input():
    request = FakeRequest(b"", {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"chunked data")})

    assert b"".join(request_chunks(request, cap=100)) == b"chunked data"
    request = FakeRequest(b"", {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"x" * 101)})
    with pytest.raises(UploadTooLarge):
        list(request_chunks(request, cap=100))


def test_md5_is_not_used_for_security():
    # The store must work on FIPS hosts, where a plain hashlib.md5() raises.
    assert hashlib.md5(b"", usedforsecurity=False).hexdigest() == "d41d8cd98f00b204e9800998ecf8427e"
