"""The request bodies of the Image API, described once (``apps.common.schemas.Body``): each schema
validates the request, with Glance's wording and status, and is what the OpenAPI document shows.

``CREATE`` is ``POST /v2/images`` (an object: the attributes, then any custom property), ``PATCH``
``PATCH /v2/images/<id>`` (Glance's JSON patch: a list of operations). Image data (``PUT .../file``)
is binary and tags (``PUT .../tags/<tag>``) have no body. What a schema cannot say stays in code
(``validation.py``, ``patch.py``): an owner that must exist and only admins may give, who may make
an image public, the tag and property quotas (413), an attribute no operation removes, the property
a ``replace`` or ``remove`` needs, and the formats of an image that has data.

As in Glance, a read-only or reserved attribute is a 403 (before anything else the body gets wrong
but its shape), any other violation a 400.
"""

import jsonschema

from apps.common.exceptions import BadRequest, CloudError, Forbidden
from apps.common.schemas import UUID, Body
from apps.images.models import Image

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = tuple(Image.Visibility.values)
OPERATIONS = ("add", "remove", "replace")
MAX_INT = 2**31 - 1
# What no client sets: read-only attributes (``id`` too, once the image exists) and reserved names.
READ_ONLY = frozenset({"status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size", "created_at",
                       "updated_at", "file", "self", "schema", "direct_url", "locations", "stores"})  # fmt: skip
RESERVED = frozenset({"location", "deleted", "deleted_at"})
RESERVED_PREFIX = "os_glance"
# Text the database can store: no NUL character, no unpaired surrogate.
TEXT = r"^[^\x00\ud800-\udfff]*$"

# The attributes a client writes (``id`` only when creating), and the values each takes.
ATTRIBUTES = {
    "name": {"type": ["string", "null"], "maxLength": 255, "pattern": TEXT, "description": "null for no name"},
    "visibility": {
        "type": "string",
        "enum": list(VISIBILITIES),
        "description": "Default shared; only admins make an image public",
    },
    "protected": {"type": "boolean", "description": "A protected image cannot be deleted"},
    "os_hidden": {"type": "boolean", "description": "Left out of image listings unless asked for"},
    "disk_format": {"type": "string", "enum": list(DISK_FORMATS), "description": "Changes only while queued"},
    "container_format": {"type": "string", "enum": list(CONTAINER_FORMATS), "description": "Changes only while queued"},
    "min_disk": {"type": "integer", "minimum": 0, "maximum": MAX_INT, "description": "GiB"},
    "min_ram": {"type": "integer", "minimum": 0, "maximum": MAX_INT, "description": "MiB"},
    "tags": {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": TEXT},
        "description": "A tag given twice counts once",
    },
    "owner": {
        "type": ["string", "null"],
        "maxLength": 255,
        "pattern": TEXT,
        "description": "An existing project; only admins name another one than their own",
    },
}
CUSTOM_PROPERTY = {"type": "string", "maxLength": 65535, "pattern": TEXT, "description": "A custom property"}


def _forbidden(names, prefix: str) -> dict:
    """Names no client sets, each after ``prefix`` ("" for a member, "/" for a JSON pointer)."""
    return {"type": "string", "anyOf": [{"enum": sorted(f"{prefix}{name}" for name in names)},
                                        {"pattern": f"^{prefix}{RESERVED_PREFIX}"}],
            "description": "Read-only and reserved attributes (a 403)"}  # fmt: skip


_FORBIDDEN_MEMBER = _forbidden(READ_ONLY | RESERVED, "")
_FORBIDDEN_OPERATION = {"type": "object", "required": ["path"],
                        "properties": {"path": _forbidden(READ_ONLY | RESERVED | {"id"}, "/")}}  # fmt: skip
# One top-level member, '~1' standing for '/' and '~0' for '~' in its name (of 1 to 255 characters).
POINTER = r"^/(?:[^/~\x00\ud800-\udfff]|~[01]){1,255}$"


def _value_at(path: dict, value: dict) -> dict:
    """``value`` is the schema of the operation's value when its path matches ``path``."""
    return {"if": {"properties": {"path": path}, "required": ["path"]}, "then": {"properties": {"value": value}}}


_CREATE = {
    "type": "object",
    "properties": {"id": {**UUID, "description": "Chosen by the client; generated when absent"}, **ATTRIBUTES},
    "propertyNames": {"minLength": 1, "maxLength": 255, "pattern": TEXT, "not": _FORBIDDEN_MEMBER},
    "additionalProperties": CUSTOM_PROPERTY,
    "description": "Any other member is a custom property (a string); read-only attributes (status, size...) and "
    "reserved ones (deleted, os_glance*...) are a 403",
}
_OPERATION = {
    "type": "object",
    "properties": {
        "op": {
            "enum": list(OPERATIONS),
            "description": "add sets a member, replace one that exists, remove removes a custom property",
        },
        "path": {
            "type": "string",
            "pattern": POINTER,
            "description": "/<attribute or custom property>, '~1' for '/' and '~0' for '~' in its name",
        },
        "value": {"description": "Not with remove: what the attribute takes, a string for a custom property"},
    },
    "required": ["op", "path"],
    "not": _FORBIDDEN_OPERATION,
    "if": {"properties": {"op": {"enum": ["add", "replace"]}}, "required": ["op"]},
    "then": {
        "required": ["value"],
        "allOf": [
            *(_value_at({"const": f"/{name}"}, schema) for name, schema in ATTRIBUTES.items()),
            _value_at({"not": {"enum": [f"/{name}" for name in ATTRIBUTES]}}, CUSTOM_PROPERTY),
        ],
    },
}
_PATCH = {
    "type": "array",
    "items": _OPERATION,
    "description": "Glance's JSON patch (application/openstack-images-v2.1-json-patch), applied all or nothing: add "
    "sets an attribute or a custom property, replace needs the custom property to exist (409), remove removes a custom "
    "property (an attribute is a 403); read-only and reserved attributes are a 403",
}


# -- Glance's wording, and its 403 for what no client sets ------------------------------------------------------


class _Refusal(str):
    """The message of a read-only or reserved attribute: Glance answers it 403, not 400."""


def glance_error(message: str) -> CloudError:
    """The exception a violation raises: Glance's error body, 403 or 400."""
    return Forbidden(message) if isinstance(message, _Refusal) else BadRequest(message)


def _refusal(name: str) -> _Refusal:
    kind = "read-only" if name in READ_ONLY or name == "id" else "reserved"
    return _Refusal(f"Attribute '{name}' is {kind}.")


def _reason(error: jsonschema.ValidationError) -> str:
    if error.validator == "pattern" and error.validator_value == TEXT:
        return f"{error.instance!r} contains a NUL character or an unpaired surrogate"
    return error.message


def _mismatch(reason: str) -> str:
    return f"Provided object does not match schema 'image': {reason}"


def create_wording(error: jsonschema.ValidationError) -> str:
    """``POST /v2/images``: Glance's "does not match schema" with the member at fault."""
    if error.validator == "not" and error.validator_value is _FORBIDDEN_MEMBER:
        return _refusal(error.instance)
    if "propertyNames" in error.relative_schema_path:
        return _mismatch(f"invalid property name: {_reason(error)}")
    if error.path:
        return _mismatch(f"{error.path[0]}: {_reason(error)}")
    return _mismatch(_reason(error))


def patch_wording(error: jsonschema.ValidationError) -> str:
    """``PATCH /v2/images/<id>``: Glance's messages about the operations, then about their values."""
    path = list(error.path)
    if not path:
        return "Request body must be a JSON array of operation objects."
    if error.validator == "not" and error.validator_value is _FORBIDDEN_OPERATION:
        return _refusal(error.instance["path"][1:])
    if len(path) == 1 and error.validator == "type":
        return "Operations must be JSON objects."
    if len(path) == 1 and error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        if missing == "op":
            return (
                f"Unable to find `op` in JSON Schema change. It must be one of the following: {', '.join(OPERATIONS)}."
            )
        if missing == "path":
            return "Unable to find 'path' in JSON Schema change"
        return f'Operation "{error.instance["op"]}" requires a member named "value".'
    if path[1] == "op":
        return f"Invalid operation: `{error.instance}`. It must be one of the following: {', '.join(OPERATIONS)}."
    if path[1] == "path":
        return f"Invalid JSON pointer for this resource: {error.instance!r}"
    return _mismatch(_reason(error))


CREATE = Body(
    {"2.1": _CREATE},
    example={"name": "cirros", "disk_format": "qcow2", "container_format": "bare", "os_distro": "cirros"},
    error=glance_error,
    wording=create_wording,
)
PATCH = Body(
    {"2.1": _PATCH},
    example=[{"op": "replace", "path": "/name", "value": "new"}, {"op": "add", "path": "/os_distro", "value": "x"}],
    error=glance_error,
    wording=patch_wording,
)
