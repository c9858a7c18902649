"""Image API v2 (a Glance subset): version discovery, images, their data and tags, and the image
schemas (``apps/images/api/*.py``)."""

from apps.images.api import request_schemas
from cloudcore.openapi_bodies.common import (
    BINARY,
    BOOL,
    DATE_TIME,
    INT,
    LIMIT,
    LINKS,
    LOCATION,
    NULL,
    NULLABLE_INT,
    NULLABLE_STR,
    OCTET_STREAM,
    STR,
    UUID,
    Op,
    Reply,
    array,
    described,
    enum,
    envelope,
    marker,
    obj,
    op,
    query,
    ref,
)

DISK_FORMATS = request_schemas.DISK_FORMATS
CONTAINER_FORMATS = request_schemas.CONTAINER_FORMATS
VISIBILITIES = request_schemas.VISIBILITIES
STATUSES = ("queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete",
            "deactivated")  # fmt: skip
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at",
             "visibility", "owner", "min_disk", "min_ram", "protected")  # fmt: skip
JSON_PATCH = "application/openstack-images-v2.1-json-patch"
CUSTOM_PROPERTY = request_schemas.CUSTOM_PROPERTY

VERSION = obj({"id": STR, "status": enum("CURRENT", "SUPPORTED"), "links": LINKS}, "all")
VERSIONS = envelope("versions", array(ref("ImageVersion")))

IMAGE = obj(
    {
        "id": UUID,
        "name": NULLABLE_STR,
        "status": enum(*STATUSES),
        "visibility": enum(*VISIBILITIES),
        "protected": BOOL,
        "os_hidden": BOOL,
        "checksum": described(NULLABLE_STR, "MD5 of the data"),
        "os_hash_algo": NULLABLE_STR,
        "os_hash_value": described(NULLABLE_STR, "SHA-512 of the data"),
        "owner": described(NULLABLE_STR, "The owning project's id"),
        "size": described(NULLABLE_INT, "Bytes, once uploaded"),
        "virtual_size": NULL,
        "min_disk": described(INT, "GiB"),
        "min_ram": described(INT, "MiB"),
        "disk_format": {"type": ["string", "null"], "enum": [*DISK_FORMATS, None]},
        "container_format": {"type": ["string", "null"], "enum": [*CONTAINER_FORMATS, None]},
        "created_at": DATE_TIME,
        "updated_at": DATE_TIME,
        "tags": array(STR),
        "file": described(STR, "The path of the image data"),
        "self": described(STR, "The path of the image"),
        "schema": STR,
    },
    "all",
    additionalProperties=CUSTOM_PROPERTY,
    description="An image as Glance shows it: its custom properties are top-level string members",
)
# The request bodies: the schemas the views validate with.
IMAGE_CREATE = request_schemas.CREATE.described()
IMAGE_PATCH = request_schemas.PATCH.described()
IMAGE_LIST = obj(
    {
        "images": array(ref("Image")),
        "schema": STR,
        "first": described(STR, "This listing's first page"),
        "next": described(STR, "The next page, when there is one"),
    },
    ["images", "schema", "first"],
)
JSON_SCHEMA = obj(
    {"name": STR, "properties": {"type": "object"}, "additionalProperties": {}, "links": array({"type": "object"})},
    ["name", "properties", "links"],
    closed=False,
    description="A JSON schema, as Glance serves it",
)


def _in(description: str) -> str:
    return f"{description}; 'in:a,b' for any of several"


IMAGE_FILTERS = (
    LIMIT,
    marker("id"),
    query("sort_key", "What to sort by (repeatable)", enum(*SORT_KEYS)),
    query("sort_dir", "asc or desc (default), one per sort_key", enum("asc", "desc")),
    query("sort", "Glance's other syntax: key:dir,key:dir (not with sort_key/sort_dir)"),
    query("visibility", "Only this visibility; 'all' adds community images", enum(*VISIBILITIES, "all")),
    query("id", _in("Only this image")),
    query("name", _in("Only images with this name")),
    query("status", _in("Only images with this status")),
    query("owner", _in("Only this project's images")),
    query("disk_format", _in("Only this disk format")),
    query("container_format", _in("Only this container format")),
    query("checksum", _in("Only images with this MD5")),
    query("os_hash_value", _in("Only images with this SHA-512")),
    query("tag", "Only images with this tag (repeatable: all of them)", array(STR), explode=True),
    query("protected", "Only protected (true) or unprotected (false) images", BOOL),
    query("os_hidden", "Hidden images instead of visible ones (default false)", BOOL),
    query("size_min", "At least this many bytes", INT),
    query("size_max", "At most this many bytes", INT),
    query("created_at", "gt:, gte:, lt:, lte:, eq: or neq: and an ISO 8601 time"),
    query("updated_at", "gt:, gte:, lt:, lte:, eq: or neq: and an ISO 8601 time"),
)

COMPONENTS = {
    "ImageVersion": VERSION,
    "Image": IMAGE,
    "ImageCreate": IMAGE_CREATE,
}

MULTIPLE_CHOICES = {300: Reply("Multiple choices: every version (follow the CURRENT one's link)", VERSIONS)}
VERSIONS_NOTE = "Glance's version discovery, also served at /image, /image/, /image/v2 and /image/v2/."

OPERATIONS = {
    ("/image", "GET"): Op("List Image API versions", MULTIPLE_CHOICES, description=VERSIONS_NOTE),
    ("/image/", "GET"): Op(
        "List Image API versions (/image/)",
        MULTIPLE_CHOICES,
        description=VERSIONS_NOTE,
        operation_id="listImageAPIVersionsSlash",
    ),
    ("/image/v2", "GET"): Op(
        "List Image API versions (/image/v2)",
        MULTIPLE_CHOICES,
        description=VERSIONS_NOTE,
        operation_id="listImageAPIVersionsV2",
    ),
    ("/image/v2/", "GET"): Op(
        "List Image API versions (/image/v2/)",
        MULTIPLE_CHOICES,
        description=VERSIONS_NOTE,
        operation_id="listImageAPIVersionsV2Slash",
    ),
    ("/image/versions", "GET"): op(
        "List Image API versions (200)", VERSIONS, operation_id="listImageAPIVersionsOk", description=VERSIONS_NOTE
    ),
    ("/image/v2/images", "GET"): op(
        "List images",
        IMAGE_LIST,
        parameters=IMAGE_FILTERS,
        errors=(400,),
        description="Public images and the caller's own by default (25 a page); any other parameter filters on a "
        "custom property.",
    ),
    ("/image/v2/images", "POST"): op(
        "Create an image",
        ref("Image"),
        status=201,
        headers=LOCATION,
        request=ref("ImageCreate"),
        errors=(403, 409, 413),
        description="The image is queued until its data is uploaded to its file.",
    ),
    ("/image/v2/images/{image_id}", "GET"): op("Show an image", ref("Image")),
    ("/image/v2/images/{image_id}", "PATCH"): op(
        "Update an image",
        ref("Image"),
        request=IMAGE_PATCH,
        request_media_types=(JSON_PATCH, "application/json"),
        errors=(403, 409, 413),
        description="Only the owning project (or an admin); read-only attributes are a 403.",
    ),
    ("/image/v2/images/{image_id}", "DELETE"): op(
        "Delete an image", status=204, errors=(403,), description="403 for a protected image."
    ),
    ("/image/v2/images/{image_id}/file", "PUT"): op(
        "Upload an image's data",
        status=204,
        request=BINARY,
        request_media_types=(OCTET_STREAM,),
        request_description="The image data, streamed (chunked transfer encoding works too)",
        errors=(403, 409, 410, 413, 415),
        description="Once, while the image is queued: 409 otherwise. Size, MD5 and SHA-512 are computed on the way.",
    ),
    ("/image/v2/images/{image_id}/file", "GET"): Op(
        "Download an image's data",
        {
            200: Reply(
                "The data",
                BINARY,
                media_type=OCTET_STREAM,
                headers={"Content-MD5": ("The data's MD5, hex", STR)},
            ),
            204: Reply("The image has no data yet"),
        },
    ),
    ("/image/v2/images/{image_id}/tags/{tag}", "PUT"): op("Add an image tag", status=204, errors=(400, 403, 413)),
    ("/image/v2/images/{image_id}/tags/{tag}", "DELETE"): op("Delete an image tag", status=204, errors=(403,)),
    ("/image/v2/schemas/image", "GET"): op("Show the image schema", JSON_SCHEMA),
    ("/image/v2/schemas/images", "GET"): op("Show the image list schema", JSON_SCHEMA),
}
