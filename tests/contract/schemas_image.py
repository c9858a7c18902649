"""Response schemas for the Image API v2 subset under ``/image``, written from Glance's published API reference.

Sources (glance ``api-ref/source``): ``versions/versions.inc`` (version documents), ``v2/images-images-v2.inc``
with ``v2/images-parameters.yaml`` (image fields, which are always present and which may be ``null``),
``v2/images-data.inc`` (image data), ``v2/images-tags.inc`` (tags) and ``v2/images-schemas.inc`` with its
samples (the JSON-schema documents, and the common image properties they declare).

``SCHEMAS`` maps (URL name, HTTP method) to a schema in Tempest's
format. Every object is closed (``additionalProperties: False``): a field the reference does not document fails
validation. One exception, because the reference documents it: an image carries its custom properties at the top
level, and Glance's own image schema allows any of them as a string (``additionalProperties: {"type": "string"}``);
so the image object rejects an undocumented field that is not a string, and any field of a nested object.
"""

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# ISO 8601 as the reference gives it: CCYY-MM-DDThh:mm:ss, then Z or an offset (optional fraction).
ISO8601_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
BOOLEAN = {"type": "boolean"}
UUID = {"type": "string", "pattern": UUID_PATTERN}
NULLABLE_UUID = {"type": ["string", "null"], "pattern": UUID_PATTERN}
TIMESTAMP = {"type": "string", "pattern": ISO8601_PATTERN}
NULLABLE_INTEGER = {"type": ["integer", "null"]}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    """An object with exactly these fields, ``required`` (all of them by default) always present."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = list(properties) if required is None else required
    if required:  # draft 4, Tempest's, wants a non-empty list or none
        schema["required"] = required
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


# -- version discovery -------------------------------------------------------------------------

LINK = closed({"rel": STRING, "href": STRING})
VERSION = closed(
    {
        "id": {"type": "string", "pattern": r"^v2\.\d+$"},
        "status": {"enum": ["CURRENT", "SUPPORTED", "DEPRECATED", "EXPERIMENTAL"]},
        "links": array(LINK),
    }
)
VERSIONS_BODY = closed({"versions": {**array(VERSION), "minItems": 1}})

# -- images ------------------------------------------------------------------------------------

DISK_FORMATS = [None, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]
CONTAINER_FORMATS = [None, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
IMAGE_STATUSES = [
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "pending_delete",
    "deactivated",
    "uploading",
    "importing",
]
LOCATION = closed({"url": STRING, "metadata": {"type": "object"}})  # metadata: store-specific, undefined upstream

IMAGE_PROPERTIES = {
    # Always present (images-parameters.yaml: required), some of them nullable.
    "checksum": {"type": ["string", "null"], "maxLength": 32},
    "container_format": {"enum": CONTAINER_FORMATS},
    "created_at": TIMESTAMP,
    "disk_format": {"enum": DISK_FORMATS},
    "file": STRING,
    "id": UUID,
    "min_disk": NULLABLE_INTEGER,
    "min_ram": NULLABLE_INTEGER,
    "name": {"type": ["string", "null"], "maxLength": 255},
    "os_hash_algo": {"type": ["string", "null"], "maxLength": 64},
    "os_hash_value": {"type": ["string", "null"], "maxLength": 128},
    "os_hidden": BOOLEAN,
    "owner": {"type": ["string", "null"], "maxLength": 255},
    "protected": BOOLEAN,
    "schema": {"enum": ["/v2/schemas/image"]},
    "self": STRING,
    "size": NULLABLE_INTEGER,
    "status": {"enum": IMAGE_STATUSES},
    "tags": array({"type": "string", "maxLength": 255}),
    "updated_at": TIMESTAMP,
    "virtual_size": NULLABLE_INTEGER,
    "visibility": {"enum": ["public", "community", "shared", "private"]},
    # Present only when the operator enables them (show_image_direct_url, show_multiple_locations).
    "direct_url": STRING,
    "locations": array(LOCATION),
    # The common image properties declared by the reference's image schema (optional, is_base false).
    "kernel_id": NULLABLE_UUID,
    "ramdisk_id": NULLABLE_UUID,
    "instance_uuid": STRING,
    "architecture": STRING,
    "os_distro": STRING,
    "os_version": STRING,
    "description": STRING,
}
IMAGE_REQUIRED = [
    "checksum",
    "container_format",
    "created_at",
    "disk_format",
    "file",
    "id",
    "min_disk",
    "min_ram",
    "name",
    "os_hash_algo",
    "os_hash_value",
    "os_hidden",
    "owner",
    "protected",
    "schema",
    "self",
    "size",
    "status",
    "tags",
    "updated_at",
    "virtual_size",
    "visibility",
]
# Custom properties: strings (the reference's image schema, images-schemas.inc).
CUSTOM_PROPERTY = {"type": "string"}
IMAGE = {**closed(IMAGE_PROPERTIES, IMAGE_REQUIRED), "additionalProperties": CUSTOM_PROPERTY}
IMAGE_LIST = closed(
    {"images": array(IMAGE), "first": STRING, "next": STRING, "schema": {"enum": ["/v2/schemas/images"]}},
    ["images", "first", "schema"],
)

# -- JSON-schema documents (/v2/schemas/...) ---------------------------------------------------


def _schema_keywords(depth: int) -> dict:
    """A property definition in Glance's schema documents: the JSON-schema keywords the reference's samples
    use (and ``is_base``), closed; ``items``/``properties`` nest a few levels."""
    keywords = {
        "type": {"type": ["string", "array"], "items": STRING},
        "description": STRING,
        "enum": {"type": "array"},
        "pattern": STRING,
        "maxLength": {"type": "integer"},
        "minLength": {"type": "integer"},
        "readOnly": BOOLEAN,
        "writeOnly": BOOLEAN,
        "is_base": BOOLEAN,
        "required": array(STRING),
    }
    if depth > 0:
        inner = _schema_keywords(depth - 1)
        keywords["items"] = inner
        keywords["properties"] = {"type": "object", "additionalProperties": inner}
        keywords["additionalProperties"] = {"anyOf": [BOOLEAN, inner]}
    return closed(keywords, [])


SCHEMA_LINK = closed({"rel": STRING, "href": STRING})
DEFINITION = _schema_keywords(3)


def _schema_document(properties: dict) -> dict:
    """``{name, properties, additionalProperties?, links}``: an entity's JSON schema as Glance serves it."""
    return closed(
        {
            "name": STRING,
            "properties": properties,
            "additionalProperties": {"anyOf": [BOOLEAN, DEFINITION]},
            "links": array(SCHEMA_LINK),
            "required": array(STRING),
        },
        ["name", "properties", "links"],
    )


# The image schema describes exactly the fields an image may have, at least the always-present ones.
IMAGE_SCHEMA_DOCUMENT = _schema_document(closed(dict.fromkeys(IMAGE_PROPERTIES, DEFINITION), IMAGE_REQUIRED))
IMAGES_SCHEMA_DOCUMENT = _schema_document(
    closed(
        {
            "images": closed(
                {"type": {"enum": ["array"]}, "items": IMAGE_SCHEMA_DOCUMENT, "description": STRING}, ["type", "items"]
            ),
            "schema": DEFINITION,
            "first": DEFINITION,
            "next": DEFINITION,
        }
    )
)

# -- the registry ------------------------------------------------------------------------------

NO_CONTENT = {"status_code": [204]}

SCHEMAS: dict[tuple[str, str], dict] = {
    # versions.inc: GET / is 300 Multiple Choices (/image and /image/), GET /versions 200. /v2 and /v2/ are not in
    # the reference; cloudcore answers them with the same 300 document.
    ("image-versions", "GET"): {"status_code": [300], "response_body": VERSIONS_BODY},
    ("image-versions-root", "GET"): {"status_code": [300], "response_body": VERSIONS_BODY},
    ("image-v2-root", "GET"): {"status_code": [300], "response_body": VERSIONS_BODY},
    ("image-v2-root-slash", "GET"): {"status_code": [300], "response_body": VERSIONS_BODY},
    ("image-version-list", "GET"): {"status_code": [200], "response_body": VERSIONS_BODY},
    # images-images-v2.inc
    ("image-v2-images", "GET"): {"status_code": [200], "response_body": IMAGE_LIST},
    ("image-v2-images", "POST"): {"status_code": [201], "response_body": IMAGE},
    ("image-v2-image", "GET"): {"status_code": [200], "response_body": IMAGE},
    ("image-v2-image", "PATCH"): {"status_code": [200], "response_body": IMAGE},
    ("image-v2-image", "DELETE"): NO_CONTENT,
    # images-data.inc: upload 204; download 200 (data), 204 (no data yet) or 206 (a range): never JSON.
    ("image-v2-image-file", "PUT"): NO_CONTENT,
    ("image-v2-image-file", "GET"): {"status_code": [200, 204, 206]},
    # images-tags.inc
    ("image-v2-image-tag", "PUT"): NO_CONTENT,
    ("image-v2-image-tag", "DELETE"): NO_CONTENT,
    # images-schemas.inc
    ("image-v2-schema-image", "GET"): {"status_code": [200], "response_body": IMAGE_SCHEMA_DOCUMENT},
    ("image-v2-schema-images", "GET"): {"status_code": [200], "response_body": IMAGES_SCHEMA_DOCUMENT},
}
