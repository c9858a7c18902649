"""The Image API's request bodies, described once (``apps/images/api/request_schemas.py``): each refusal is
Glance's error body (400, or 403 for a read-only or reserved attribute) with nothing stored, and the OpenAPI
document shows the very schemas the views validate with."""

import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

from apps.images.api import request_schemas
from apps.images.api.base import JSON_PATCH
from apps.images.models import Image, ImageTag
from tests.apps.images.helpers import create, patch, show

pytestmark = pytest.mark.django_db

MISMATCH = "Provided object does not match schema 'image': "


def refused(response, code: int = 400) -> str:
    """The message of Glance's error body, which must be the only member of the answer."""
    assert response.status_code == code, response.content
    kind = {400: "badRequest", 403: "forbidden"}[code]
    body = response.json()
    assert list(body) == [kind] and body[kind]["code"] == code, body
    return body[kind]["message"]


# -- POST /v2/images ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ({"id": "not-a-uuid"}, MISMATCH + "id: 'not-a-uuid' is not a 'uuid'"),
        ({"id": 5}, MISMATCH + "id: 5 is not of type 'string'"),
        ({"name": "x" * 256}, MISMATCH + "name: "),
        ({"name": 5}, MISMATCH + "name: 5 is not of type 'string', 'null'"),
        ({"name": "a\x00b"}, MISMATCH + "name: 'a\\x00b' contains a NUL character or an unpaired surrogate"),
        ({"name": "\ud800"}, MISMATCH + "name: '\\ud800' contains a NUL character or an unpaired surrogate"),
        ({"visibility": "everyone"}, MISMATCH + "visibility: 'everyone' is not one of"),
        ({"visibility": None}, MISMATCH + "visibility: None is not of type 'string'"),
        ({"protected": "yes"}, MISMATCH + "protected: 'yes' is not of type 'boolean'"),
        ({"os_hidden": 1}, MISMATCH + "os_hidden: 1 is not of type 'boolean'"),
        ({"disk_format": "floppy"}, MISMATCH + "disk_format: 'floppy' is not one of"),
        ({"disk_format": None}, MISMATCH + "disk_format: None is not of type 'string'"),
        ({"container_format": "tarball"}, MISMATCH + "container_format: 'tarball' is not one of"),
        ({"min_disk": -1}, MISMATCH + "min_disk: -1 is less than the minimum of 0"),
        ({"min_disk": 2**31}, MISMATCH + "min_disk: 2147483648 is greater than the maximum of 2147483647"),
        ({"min_ram": "64"}, MISMATCH + "min_ram: '64' is not of type 'integer'"),
        ({"min_ram": True}, MISMATCH + "min_ram: True is not of type 'integer'"),
        ({"min_ram": 1.5}, MISMATCH + "min_ram: 1.5 is not of type 'integer'"),
        ({"tags": "notalist"}, MISMATCH + "tags: 'notalist' is not of type 'array'"),
        ({"tags": ["a", ""]}, MISMATCH + "tags: '' should be non-empty"),
        ({"tags": ["t" * 256]}, MISMATCH + "tags: "),
        ({"tags": [5]}, MISMATCH + "tags: 5 is not of type 'string'"),
        ({"owner": 5}, MISMATCH + "owner: 5 is not of type 'string', 'null'"),
        ({"owner": "o" * 256}, MISMATCH + "owner: "),
        ({"hw_disk_bus": 5}, MISMATCH + "hw_disk_bus: 5 is not of type 'string'"),
        ({"hw_disk_bus": None}, MISMATCH + "hw_disk_bus: None is not of type 'string'"),
        ({"site": "x" * 65536}, MISMATCH + "site: "),
        ({"site": "a\x00b"}, MISMATCH + "site: 'a\\x00b' contains a NUL character or an unpaired surrogate"),
        ({"site": "\udfff"}, MISMATCH + "site: '\\udfff' contains a NUL character or an unpaired surrogate"),
        ({"": "x"}, MISMATCH + "invalid property name: '' should be non-empty"),
        ({"p" * 256: "x"}, MISMATCH + "invalid property name: "),
        ({"a\x00b": "x"}, MISMATCH + "invalid property name: 'a\\x00b' contains a NUL character"),
    ],
)
def test_create_refuses_what_the_schema_refuses_with_a_400(member_client, body, message):
    assert refused(create(member_client, **body)).startswith(message)
    assert not Image.objects.exists() and not ImageTag.objects.exists()


@pytest.mark.parametrize("raw", [b"[]", b'"image"', b"5", b"null", b"[{}]"])
def test_create_refuses_a_body_that_is_not_an_object(member_client, raw):
    message = refused(member_client.post("/image/v2/images", raw, content_type="application/json"))
    assert message.startswith(MISMATCH) and message.endswith("is not of type 'object'")
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    "attr, kind",
    [
        ("status", "read-only"),
        ("size", "read-only"),
        ("virtual_size", "read-only"),
        ("checksum", "read-only"),
        ("os_hash_value", "read-only"),
        ("created_at", "read-only"),
        ("self", "read-only"),
        ("file", "read-only"),
        ("schema", "read-only"),
        ("locations", "read-only"),
        ("direct_url", "read-only"),
        ("location", "reserved"),
        ("deleted", "reserved"),
        ("deleted_at", "reserved"),
        ("os_glance_import_task", "reserved"),
    ],
)
def test_create_refuses_read_only_and_reserved_attributes_with_a_403_first(member_client, attr, kind):
    # Before any other fault of the body, as Glance checks them before its schema.
    response = create(member_client, **{attr: "x", "visibility": "everyone", "min_disk": -1})

    assert refused(response, 403) == f"Attribute '{attr}' is {kind}."
    assert not Image.objects.exists()


def test_create_accepts_every_bound_at_its_limit(member_client, member):
    image_id = str(uuid.uuid4())
    body = {
        "id": image_id,
        "name": "n" * 255,
        "visibility": "community",
        "protected": True,
        "os_hidden": True,
        "disk_format": "ploop",
        "container_format": "compressed",
        "min_disk": 2**31 - 1,
        "min_ram": 0,
        "tags": ["t" * 255, "é"],
        "owner": member.default_project.id,
        "p" * 255: "v" * 65535,
        "a/b~c": "",
        "unicode ☃": "☃",
    }

    response = create(member_client, **body)

    assert response.status_code == 201, response.content
    image = Image.objects.get(id=image_id)
    assert (image.name, image.min_disk, image.tag_list) == ("n" * 255, 2**31 - 1, ["t" * 255, "é"])
    assert image.properties == {"p" * 255: "v" * 65535, "a/b~c": "", "unicode ☃": "☃"}


def test_create_null_name_and_integral_number(member_client):
    response = create(member_client, name=None, min_ram=64.0)

    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["min_ram"]) == (None, 64)


def test_create_checks_in_code_what_the_schema_cannot_say(member_client):
    assert refused(create(member_client, owner="nobody"), 403).startswith("You are not permitted")
    assert "publicize_image" in refused(create(member_client, visibility="public"), 403)
    assert not Image.objects.exists()


def test_an_admin_cannot_give_an_image_to_a_project_that_does_not_exist(admin_client):
    assert refused(create(admin_client, owner="nobody")) == "Project nobody could not be found."
    assert not Image.objects.exists()


def test_over_the_quotas_is_413(member_client, settings):
    settings.IMAGE_TAG_QUOTA = 2
    settings.IMAGE_PROPERTY_QUOTA = 1

    assert create(member_client, tags=["a", "b", "a"]).status_code == 201  # duplicates count once
    assert create(member_client, tags=["a", "b", "c"]).status_code == 413
    assert create(member_client, p1="x", p2="y").status_code == 413
    assert Image.objects.count() == 1


# -- PATCH /v2/images/<id> ----------------------------------------------------------------------------------------


@pytest.fixture
def image_id(member_client):
    return create(member_client, name="same", tags=["t"], site="lab").json()["id"]


def unchanged(client, image_id) -> None:
    body = show(client, image_id).json()
    assert (body["name"], body["tags"], body["site"], body["min_ram"]) == ("same", ["t"], "lab", 0)
    assert Image.objects.get(id=image_id).properties == {"site": "lab"}


OPS = "It must be one of the following: add, remove, replace."


@pytest.mark.parametrize(
    "operations, message",
    [
        ({"op": "replace", "path": "/name", "value": "x"}, "Request body must be a JSON array of operation objects."),
        ("replace", "Request body must be a JSON array of operation objects."),
        ([["replace", "/name", "x"]], "Operations must be JSON objects."),
        ([{"path": "/name", "value": "x"}], f"Unable to find `op` in JSON Schema change. {OPS}"),
        ([{"op": "replace", "value": "x"}], "Unable to find 'path' in JSON Schema change"),
        ([{"op": "move", "path": "/name", "from": "/x"}], f"Invalid operation: `move`. {OPS}"),
        ([{"op": "test", "path": "/name", "value": "same"}], f"Invalid operation: `test`. {OPS}"),
        ([{"op": "add", "path": "/name"}], 'Operation "add" requires a member named "value".'),
        ([{"op": "replace", "path": "/site"}], 'Operation "replace" requires a member named "value".'),
        ([{"op": "add", "path": "/tags/0", "value": "x"}], "Invalid JSON pointer for this resource: '/tags/0'"),
        ([{"op": "add", "path": "name", "value": "x"}], "Invalid JSON pointer for this resource: 'name'"),
        ([{"op": "add", "path": "/", "value": "x"}], "Invalid JSON pointer for this resource: '/'"),
        ([{"op": "add", "path": "/a~2b", "value": "x"}], "Invalid JSON pointer for this resource: '/a~2b'"),
        ([{"op": "add", "path": "/a~", "value": "x"}], "Invalid JSON pointer for this resource: '/a~'"),
        ([{"op": "add", "path": 5, "value": "x"}], "Invalid JSON pointer for this resource: 5"),
        ([{"op": "add", "path": "/" + "p" * 256, "value": "x"}], "Invalid JSON pointer for this resource: "),
        ([{"op": "add", "path": "/a\x00", "value": "x"}], "Invalid JSON pointer for this resource: "),
        ([{"op": "replace", "path": "/name", "value": "x" * 256}], MISMATCH),
        ([{"op": "replace", "path": "/name", "value": 5}], MISMATCH + "5 is not of type 'string', 'null'"),
        ([{"op": "replace", "path": "/visibility", "value": "everyone"}], MISMATCH + "'everyone' is not one of"),
        ([{"op": "replace", "path": "/protected", "value": "true"}], MISMATCH + "'true' is not of type 'boolean'"),
        ([{"op": "replace", "path": "/os_hidden", "value": None}], MISMATCH + "None is not of type 'boolean'"),
        ([{"op": "replace", "path": "/disk_format", "value": "floppy"}], MISMATCH + "'floppy' is not one of"),
        ([{"op": "replace", "path": "/container_format", "value": None}], MISMATCH + "None is not of type 'string'"),
        ([{"op": "replace", "path": "/min_disk", "value": "big"}], MISMATCH + "'big' is not of type 'integer'"),
        ([{"op": "add", "path": "/min_ram", "value": -1}], MISMATCH + "-1 is less than the minimum of 0"),
        ([{"op": "replace", "path": "/tags", "value": "t"}], MISMATCH + "'t' is not of type 'array'"),
        ([{"op": "replace", "path": "/tags", "value": ["ok", ""]}], MISMATCH + "'' should be non-empty"),
        ([{"op": "replace", "path": "/owner", "value": 5}], MISMATCH + "5 is not of type 'string', 'null'"),
        ([{"op": "add", "path": "/custom", "value": 5}], MISMATCH + "5 is not of type 'string'"),
        ([{"op": "replace", "path": "/site", "value": None}], MISMATCH + "None is not of type 'string'"),
        ([{"op": "add", "path": "/custom", "value": "x" * 65536}], MISMATCH),
        ([{"op": "add", "path": "/custom", "value": "a\x00"}], MISMATCH + "'a\\x00' contains a NUL character"),
        ([{"op": "add", "path": "/custom", "value": "\ud800"}], MISMATCH + "'\\ud800' contains a NUL character"),
        # all or nothing: a valid operation before a wrong one changes nothing
        ([{"op": "replace", "path": "/name", "value": "x"}, {"op": "add", "path": "/min_ram"}], 'Operation "add"'),
    ],
)
def test_patch_refuses_what_the_schema_refuses_with_a_400(member_client, image_id, operations, message):
    assert refused(patch(member_client, image_id, operations)).startswith(message)
    unchanged(member_client, image_id)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/status", "read-only"),
        ("/id", "read-only"),
        ("/size", "read-only"),
        ("/checksum", "read-only"),
        ("/updated_at", "read-only"),
        ("/locations", "read-only"),
        ("/deleted", "reserved"),
        ("/location", "reserved"),
        ("/os_glance_import_task", "reserved"),
    ],
)
@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_patch_refuses_read_only_and_reserved_attributes_with_a_403(member_client, image_id, path, kind, op):
    # A value the member could never take does not make it a 400: the 403 comes first.
    response = patch(member_client, image_id, [{"op": op, "path": path, "value": 5}])

    assert refused(response, 403) == f"Attribute '{path[1:]}' is {kind}."
    unchanged(member_client, image_id)


def test_patch_checks_in_code_what_the_schema_cannot_say(member_client, image_id):
    assert refused(patch(member_client, image_id, [{"op": "remove", "path": "/name"}]), 403) == (
        "Property name may not be removed."
    )
    assert patch(member_client, image_id, [{"op": "remove", "path": "/missing"}]).status_code == 409
    assert patch(member_client, image_id, [{"op": "replace", "path": "/missing", "value": "x"}]).status_code == 409
    owner = [{"op": "replace", "path": "/owner", "value": "nobody"}]
    assert refused(patch(member_client, image_id, owner), 403).startswith("You are not permitted")
    unchanged(member_client, image_id)


def test_patch_accepts_what_glance_accepts(member_client, image_id):
    operations = [
        {"op": "replace", "path": "/name", "value": None},
        {"op": "add", "path": "/min_ram", "value": 128.0},
        {"op": "add", "path": "/a~1b~0c", "value": "slash and tilde", "ignored": True},
        {"op": "add", "path": "/" + "p" * 255, "value": "v" * 65535},
        {"op": "remove", "path": "/site", "value": "ignored with remove"},
        {"op": "replace", "path": "/tags", "value": ["b", "a", "b"]},
    ]

    response = patch(member_client, image_id, operations, content_type="application/json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["min_ram"], body["tags"], body["a/b~c"]) == (None, 128, ["b", "a"], "slash and tilde")
    assert "site" not in body and body["p" * 255] == "v" * 65535


def test_patch_says_404_before_anything_about_the_body(member_client):
    response = patch(member_client, uuid.uuid4(), "not a patch")

    assert response.status_code == 404


# -- one description: the schemas, and the OpenAPI document -------------------------------------------------------


@pytest.mark.parametrize("body", [request_schemas.CREATE, request_schemas.PATCH])
def test_the_schemas_are_valid_and_their_examples_match(body):
    schema = body.described()
    Draft202012Validator.check_schema(schema)
    for example in schema["examples"]:
        Draft202012Validator(schema).validate(example)


def test_the_openapi_document_shows_the_schemas_the_views_validate_with():
    doc = SchemaGenerator().get_schema(request=None, public=True)
    images = doc["paths"]["/image/v2/images"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert images == {"$ref": "#/components/schemas/ImageCreate"}
    assert doc["components"]["schemas"]["ImageCreate"] == request_schemas.CREATE.described()
    content = doc["paths"]["/image/v2/images/{image_id}"]["patch"]["requestBody"]["content"]
    assert set(content) == {JSON_PATCH, "application/json"}
    assert all(media["schema"] == request_schemas.PATCH.described() for media in content.values())
