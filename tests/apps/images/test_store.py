"""The local image store: atomic writes, digests, deletion; and reading a request body in chunks."""

import hashlib
import io

import pytest

from apps.images.api.data import UploadInterrupted, UploadTooLarge, request_chunks
from apps.images.demo import boot_sector, digests
from apps.images.store import LocalStore, StoreFull, get_store


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
    with pytest.raises(ValueError):
        store.delete("relative/path")
    with pytest.raises(ValueError):
        store.delete(str(tmp_path))


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
