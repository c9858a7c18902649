"""Image records: create, show, update with JSON patch, delete, tags, and who may do what."""

import uuid

import pytest

from apps.images.models import Image
from tests.apps.images.helpers import BASE, create, listing, names, patch, show
from tests.fixtures.factories import client_for, make_image, make_user

pytestmark = pytest.mark.django_db


def test_create_answers_201_with_a_glance_shaped_queued_image(member_client, member):
    response = create(
        member_client,
        name="cirros",
        disk_format="qcow2",
        container_format="bare",
        min_disk=1,
        min_ram=64,
        tags=["a", "b", "a"],
        hw_disk_bus="scsi",
        **{"owner_specified.openstack.md5": "abc"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    image_id = body["id"]
    assert response["Location"].endswith(f"{BASE}/images/{image_id}")
    assert body == {
        "id": image_id,
        "name": "cirros",
        "status": "queued",
        "visibility": "shared",
        "protected": False,
        "os_hidden": False,
        "checksum": None,
        "os_hash_algo": None,
        "os_hash_value": None,
        "owner": member.default_project.id,
        "size": None,
        "virtual_size": None,
        "min_disk": 1,
        "min_ram": 64,
        "disk_format": "qcow2",
        "container_format": "bare",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "tags": ["a", "b"],
        "file": f"/v2/images/{image_id}/file",
        "self": f"/v2/images/{image_id}",
        "schema": "/v2/schemas/image",
        "hw_disk_bus": "scsi",
        "owner_specified.openstack.md5": "abc",
    }
    assert body["created_at"].endswith("Z") and "T" in body["created_at"]
    assert show(member_client, image_id).json() == body
    assert Image.objects.get(id=image_id).properties == {"hw_disk_bus": "scsi", "owner_specified.openstack.md5": "abc"}


def test_create_with_an_id_and_the_same_id_again(member_client):
    image_id = str(uuid.uuid4())

    assert create(member_client, id=image_id, name="fixed").json()["id"] == image_id
    assert create(member_client, id=image_id, name="fixed").status_code == 409
    assert create(member_client, id="not-a-uuid").status_code == 400


@pytest.mark.parametrize(
    "body, code",
    [
        ({"status": "active"}, 403),
        ({"size": 5}, 403),
        ({"checksum": "x"}, 403),
        ({"deleted": True}, 403),
        ({"os_glance_import_task": "x"}, 403),
        ({"visibility": "everyone"}, 400),
        ({"disk_format": "floppy"}, 400),
        ({"min_ram": "64"}, 400),
        ({"min_disk": -1}, 400),
        ({"protected": "yes"}, 400),
        ({"name": "x" * 256}, 400),
        ({"tags": "notalist"}, 400),
        ({"hw_disk_bus": 5}, 400),
    ],
)
def test_create_refuses_read_only_attributes_and_bad_values(member_client, body, code):
    assert create(member_client, **body).status_code == code
    assert not Image.objects.exists()


def test_only_an_admin_creates_a_public_image(member_client, admin_client):
    refused = create(member_client, name="pub", visibility="public")
    assert refused.status_code == 403
    assert "publicize_image" in refused.json()["forbidden"]["message"]

    assert create(admin_client, name="pub", visibility="public").status_code == 201
    for visibility in ("private", "shared", "community"):
        assert create(member_client, name=visibility, visibility=visibility).status_code == 201


def test_only_an_admin_creates_an_image_for_another_project(member_client, admin_client, member):
    other = make_user()

    assert create(member_client, name="x", owner=other.default_project.id).status_code == 403
    response = create(admin_client, name="x", owner=member.default_project.id)
    assert response.status_code == 201 and response.json()["owner"] == member.default_project.id


def test_another_projects_private_image_is_404_and_public_or_community_ones_are_visible(member_client, member):
    other = make_user()
    private = make_image("theirs-private", owner=other.default_project, visibility="private")
    shared = make_image("theirs-shared", owner=other.default_project, visibility="shared")
    public = make_image("theirs-public", owner=other.default_project, visibility="public")
    community = make_image("theirs-community", owner=other.default_project, visibility="community")

    assert show(member_client, private.id).status_code == 404
    assert show(member_client, shared.id).status_code == 404
    assert show(member_client, public.id).status_code == 200
    assert show(member_client, community.id).status_code == 200
    assert show(client_for(other), private.id).status_code == 200
    assert show(member_client, "nonexistent").status_code == 404


def test_patch_replaces_adds_and_removes(member_client):
    image_id = create(member_client, name="before", tags=["x"]).json()["id"]

    renamed = patch(member_client, image_id, [{"op": "replace", "path": "/name", "value": "after"}])
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"] == "after"

    added = patch(
        member_client,
        image_id,
        [
            {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
            {"op": "add", "path": "/min_ram", "value": 128},
            {"op": "add", "path": "/protected", "value": True},
            {"op": "replace", "path": "/tags", "value": ["y", "z"]},
            {"op": "add", "path": "/a~1b", "value": "slash"},
        ],
    )
    assert added.status_code == 200, added.content
    body = added.json()
    assert (body["hw_disk_bus"], body["min_ram"], body["protected"], body["tags"]) == ("scsi", 128, True, ["y", "z"])
    assert body["a/b"] == "slash"

    replaced = patch(member_client, image_id, [{"op": "replace", "path": "/hw_disk_bus", "value": "virtio"}])
    assert replaced.json()["hw_disk_bus"] == "virtio"

    removed = patch(member_client, image_id, [{"op": "remove", "path": "/hw_disk_bus"}])
    assert removed.status_code == 200 and "hw_disk_bus" not in removed.json()
    assert "hw_disk_bus" not in Image.objects.get(id=image_id).properties


def test_patch_accepts_plain_json_too(member_client):
    image_id = create(member_client, name="plain").json()["id"]

    response = patch(member_client, image_id, [{"op": "replace", "path": "/name", "value": "json"}], "application/json")

    assert response.status_code == 200 and response.json()["name"] == "json"


@pytest.mark.parametrize(
    "operations, code",
    [
        ([{"op": "replace", "path": "/status", "value": "active"}], 403),
        ([{"op": "replace", "path": "/id", "value": str(uuid.uuid4())}], 403),
        ([{"op": "add", "path": "/size", "value": 1}], 403),
        ([{"op": "replace", "path": "/checksum", "value": "x"}], 403),
        ([{"op": "remove", "path": "/name"}], 403),
        ([{"op": "replace", "path": "/visibility", "value": "public"}], 403),
        ([{"op": "remove", "path": "/missing"}], 409),
        ([{"op": "replace", "path": "/missing", "value": "x"}], 409),
        ([{"op": "move", "path": "/name", "from": "/x"}], 400),
        ([{"op": "add", "path": "/name"}], 400),
        ([{"op": "add", "path": "/tags/0", "value": "x"}], 400),
        ([{"op": "add", "path": "/custom", "value": 5}], 400),
        ([{"op": "replace", "path": "/min_disk", "value": "big"}], 400),
        ({"op": "replace", "path": "/name", "value": "x"}, 400),
    ],
)
def test_patch_refuses_read_only_attributes_and_bad_operations(member_client, operations, code):
    image_id = create(member_client, name="same").json()["id"]

    response = patch(member_client, image_id, operations)

    assert response.status_code == code, response.content
    assert show(member_client, image_id).json()["name"] == "same"


def test_patch_is_all_or_nothing(member_client):
    image_id = create(member_client, name="same").json()["id"]

    response = patch(
        member_client,
        image_id,
        [{"op": "replace", "path": "/name", "value": "changed"}, {"op": "remove", "path": "/missing"}],
    )

    assert response.status_code == 409
    assert show(member_client, image_id).json()["name"] == "same"


def test_disk_format_changes_only_while_queued(member_client):
    image_id = create(member_client, name="fmt").json()["id"]
    changed = patch(member_client, image_id, [{"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    assert changed.status_code == 200 and changed.json()["disk_format"] == "qcow2"
    Image.objects.filter(id=image_id).update(status="active")

    response = patch(member_client, image_id, [{"op": "replace", "path": "/disk_format", "value": "raw"}])

    assert response.status_code == 403


def test_only_the_owner_or_an_admin_modifies_or_deletes(member_client, admin_client, member):
    public = create(admin_client, name="admins", visibility="public").json()["id"]
    mine = create(member_client, name="mine").json()["id"]

    assert patch(member_client, public, [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 403
    assert member_client.delete(f"{BASE}/images/{public}").status_code == 403
    assert client_for(make_user()).delete(f"{BASE}/images/{mine}").status_code == 404
    assert patch(admin_client, mine, [{"op": "replace", "path": "/name", "value": "by admin"}]).status_code == 200
    made_public = patch(admin_client, mine, [{"op": "replace", "path": "/visibility", "value": "public"}])
    assert made_public.json()["visibility"] == "public"
    assert show(member_client, mine).json()["name"] == "by admin"


def test_a_protected_image_cannot_be_deleted_until_unprotected(member_client):
    image_id = create(member_client, name="keep", protected=True).json()["id"]

    refused = member_client.delete(f"{BASE}/images/{image_id}")
    assert refused.status_code == 403
    assert show(member_client, image_id).status_code == 200

    assert patch(member_client, image_id, [{"op": "replace", "path": "/protected", "value": False}]).status_code == 200
    assert member_client.delete(f"{BASE}/images/{image_id}").status_code == 204
    assert Image.objects.get(id=image_id).status == "deleted"
    assert create(member_client, id=image_id).status_code == 409  # Glance keeps deleted ids


def test_tags_are_added_and_removed_one_by_one(member_client):
    image_id = create(member_client, name="tagged", tags=["a"]).json()["id"]

    assert member_client.put(f"{BASE}/images/{image_id}/tags/b").status_code == 204
    assert member_client.put(f"{BASE}/images/{image_id}/tags/b").status_code == 204
    assert show(member_client, image_id).json()["tags"] == ["a", "b"]
    assert member_client.delete(f"{BASE}/images/{image_id}/tags/a").status_code == 204
    assert member_client.delete(f"{BASE}/images/{image_id}/tags/a").status_code == 404
    assert show(member_client, image_id).json()["tags"] == ["b"]
    assert names(listing(member_client, "?tag=b")) == ["tagged"]


def test_a_reader_reads_but_does_not_write(member):
    reader = client_for(make_user(project=member.default_project, role="reader"))
    image_id = create(client_for(member), name="mine").json()["id"]

    assert show(reader, image_id).status_code == 200
    assert create(reader, name="no").status_code == 403
    assert patch(reader, image_id, [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 403
    assert reader.delete(f"{BASE}/images/{image_id}").status_code == 403


def test_unauthenticated_requests_are_401():
    from rest_framework.test import APIClient

    assert APIClient().get(f"{BASE}/images").status_code == 401
