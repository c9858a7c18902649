"""Image data: upload (queued -> saving -> active), download, failed uploads, deletion, booting."""

import hashlib
import json
from pathlib import Path

import pytest

from apps.compute.models import Instance
from apps.images.demo import boot_sector, digests
from apps.images.models import Image
from apps.images.store import LocalStore, Stored
from tests.apps.images.helpers import BASE, create, show, upload

pytestmark = pytest.mark.django_db


def test_create_upload_download_and_delete_the_demo_boot_sector(
    member_client, member, data_dir, django_capture_on_commit_callbacks
):
    data = boot_sector()
    created = create(member_client, name="demo-upload", disk_format="raw", container_format="bare")
    assert created.status_code == 201, created.content
    image_id = created.json()["id"]
    assert created.json()["status"] == "queued" and created.json()["size"] is None

    uploaded = upload(member_client, image_id, data)

    assert uploaded.status_code == 204, uploaded.content
    assert uploaded.content == b""
    assert uploaded["x-openstack-request-id"].startswith("req-")
    body = show(member_client, image_id).json()
    expected = digests(data)
    assert body["status"] == "active"
    assert body["size"] == 512 == expected["size"]
    assert body["checksum"] == expected["checksum"]
    assert body["os_hash_algo"] == "sha512" and body["os_hash_value"] == expected["os_hash_value"]
    image = Image.objects.get(id=image_id)
    assert image.file_path == str(data_dir / "images" / image_id)
    assert Path(image.file_path).read_bytes() == data
    assert [p.name for p in (data_dir / "images").iterdir()] == [image_id]  # no temporary file left

    downloaded = member_client.get(f"{BASE}/images/{image_id}/file")
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == "application/octet-stream"
    assert downloaded["Content-MD5"] == expected["checksum"]
    assert downloaded["Content-Length"] == "512"
    assert b"".join(downloaded.streaming_content) == data

    with django_capture_on_commit_callbacks(execute=True):  # the data goes once the deletion is committed
        deleted = member_client.delete(f"{BASE}/images/{image_id}")
    assert deleted.status_code == 204
    assert not Path(image.file_path).exists()
    assert show(member_client, image_id).status_code == 404
    assert member_client.get(f"{BASE}/images/{image_id}/file").status_code == 404


def test_a_second_upload_to_an_active_image_is_409_and_keeps_the_data(member_client):
    image_id = create(member_client, name="once").json()["id"]
    assert upload(member_client, image_id, boot_sector()).status_code == 204

    again = upload(member_client, image_id, b"other data")

    assert again.status_code == 409
    assert "active" in again.json()["conflictingRequest"]["message"]
    assert Path(Image.objects.get(id=image_id).file_path).read_bytes() == boot_sector()


def test_download_of_an_image_without_data_is_204(member_client):
    image_id = create(member_client, name="empty").json()["id"]

    response = member_client.get(f"{BASE}/images/{image_id}/file")

    assert response.status_code == 204 and response.content == b""


def test_an_empty_upload_makes_an_active_image_of_size_zero(member_client):
    image_id = create(member_client, name="zero").json()["id"]

    assert upload(member_client, image_id, b"").status_code == 204

    body = show(member_client, image_id).json()
    assert body["status"] == "active" and body["size"] == 0
    assert body["checksum"] == hashlib.md5(b"", usedforsecurity=False).hexdigest()


def test_upload_needs_octet_stream(member_client):
    image_id = create(member_client, name="typed").json()["id"]

    response = upload(member_client, image_id, b"{}", content_type="application/json")

    assert response.status_code == 415
    assert show(member_client, image_id).json()["status"] == "queued"


class BrokenStore(LocalStore):
    """Writes the first chunk, then the disk 'fails': the local store must leave nothing behind."""

    def put(self, image_id, chunks) -> Stored:
        def failing():
            for chunk in chunks:
                yield chunk
                raise OSError(5, "Input/output error")

        return super().put(image_id, failing())


def test_a_failed_upload_puts_the_image_back_to_queued_and_leaves_no_data(member_client, settings, data_dir):
    image_id = create(member_client, name="broken").json()["id"]
    settings.IMAGE_STORE = "tests.apps.images.test_image_data.BrokenStore"
    response = upload(member_client, image_id, boot_sector())

    assert response.status_code == 500
    image = Image.objects.get(id=image_id)
    assert (image.status, image.file_path, image.size, image.checksum) == ("queued", "", None, "")
    assert list((data_dir / "images").iterdir()) == []
    del settings.IMAGE_STORE
    assert upload(member_client, image_id, boot_sector()).status_code == 204  # and it can be uploaded again
    assert show(member_client, image_id).json()["status"] == "active"


def test_an_upload_over_the_size_cap_is_413_and_requeued(member_client, settings, data_dir):
    settings.IMAGE_SIZE_CAP = 100
    image_id = create(member_client, name="big").json()["id"]

    response = upload(member_client, image_id, boot_sector())

    assert response.status_code == 413
    assert show(member_client, image_id).json()["status"] == "queued"
    assert list((data_dir / "images").iterdir()) == []


def test_uploading_to_another_projects_public_image_is_403(admin_client, member_client):
    image_id = create(admin_client, name="theirs", visibility="public").json()["id"]

    assert upload(member_client, image_id, boot_sector()).status_code == 403
    assert show(admin_client, image_id).json()["status"] == "queued"


def test_a_reader_cannot_upload(member):
    from tests.fixtures.factories import client_for, make_user

    reader = make_user(project=member.default_project, role="reader")
    image_id = create(client_for(member), name="mine").json()["id"]

    assert upload(client_for(reader), image_id, boot_sector()).status_code == 403
    assert show(client_for(reader), image_id).status_code == 200


def test_a_server_boots_from_an_uploaded_image(member_client, member, flavor, casts):
    image_id = create(member_client, name="bootable", disk_format="raw", container_format="bare").json()["id"]
    queued_boot = member_client.post(
        "/v2.1/servers",
        json.dumps({"server": {"name": "vm", "flavorRef": flavor.flavorid, "imageRef": image_id, "networks": "none"}}),
        content_type="application/json",
    )
    assert queued_boot.status_code == 400  # not active yet: no data
    assert upload(member_client, image_id, boot_sector()).status_code == 204

    response = member_client.post(
        "/v2.1/servers",
        json.dumps({"server": {"name": "vm", "flavorRef": flavor.flavorid, "imageRef": image_id, "networks": "none"}}),
        content_type="application/json",
    )

    assert response.status_code == 202, response.content
    server_id = response.json()["server"]["id"]
    instance = Instance.objects.get(uuid=server_id)
    assert instance.image_id == Image.objects.get(id=image_id).pk
    payload = instance.image.payload()
    assert Path(payload["file_path"]).read_bytes() == boot_sector()
    assert payload["checksum"] == digests(boot_sector())["checksum"]
    [(task, kwargs)] = casts("scheduler")
    assert task == "scheduler.select_destinations" and kwargs["instance_uuids"] == [server_id]


def test_an_upload_while_another_is_saving_is_409(member_client):
    image_id = create(member_client, name="busy").json()["id"]
    Image.objects.filter(id=image_id).update(status="saving")  # another request is uploading

    response = upload(member_client, image_id, boot_sector())

    assert response.status_code == 409
    assert "saving to saving" in response.json()["conflictingRequest"]["message"]


class DeletingStore(LocalStore):
    """The image is deleted (by another request) while its data is being written."""

    def put(self, image_id, chunks) -> Stored:
        stored = super().put(image_id, chunks)
        Image.objects.filter(id=image_id).update(status="deleted")
        return stored


def test_an_image_deleted_during_its_upload_keeps_no_data(member_client, settings, data_dir):
    image_id = create(member_client, name="short-lived").json()["id"]
    settings.IMAGE_STORE = "tests.apps.images.test_image_data.DeletingStore"

    response = upload(member_client, image_id, boot_sector())

    assert response.status_code == 410
    assert list((data_dir / "images").iterdir()) == []
    assert Image.objects.get(id=image_id).file_path == ""
