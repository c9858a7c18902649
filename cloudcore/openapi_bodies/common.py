"""Building blocks of the tables: JSON schema helpers (OpenAPI 3.1, so JSON Schema 2020-12), the
error bodies of the four APIs, query and header parameters, and the record of one operation."""

from dataclasses import dataclass, field

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"

STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
INT = {"type": "integer"}
NULLABLE_INT = {"type": ["integer", "null"]}
BOOL = {"type": "boolean"}
NUMBER = {"type": "number"}
NULL = {"type": "null"}
UUID = {"type": "string", "format": "uuid"}
HEX_ID = {"type": "string", "description": "A 32-character hexadecimal id"}
DATE_TIME = {"type": "string", "format": "date-time", "description": "UTC, e.g. 2024-01-31T12:00:00Z"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time", "description": DATE_TIME["description"]}
# Nova's timestamps with microseconds and no zone (UTC): not RFC 3339, so no ``format``.
TIMESTAMP = {"type": "string", "description": "UTC, ISO 8601 without a zone: 2024-01-31T12:00:00.000000"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "description": TIMESTAMP["description"]}
STRING_MAP = {"type": "object", "additionalProperties": STR}
BINARY = {"type": "string", "format": "binary", "contentMediaType": OCTET_STREAM}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required=(), *, closed: bool = True, **extra) -> dict:
    """An object with ``properties``; ``required="all"`` requires every one. Closed (no other keys)
    unless ``closed=False`` or ``additionalProperties`` is given."""
    schema = {"type": "object", "properties": properties}
    names = list(properties) if required == "all" else list(required)
    if names:
        schema["required"] = names
    if closed and "additionalProperties" not in extra:
        schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


def envelope(key: str, body: dict, **extra) -> dict:
    """``{key: body}``, the shape of most OpenStack bodies."""
    return obj({key: body}, [key], **extra)


def listing(key: str, item: dict, **more) -> dict:
    """``{key: [item, ...]}`` plus any ``more`` (optional) properties."""
    return obj({key: array(item), **more}, [key])


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, NULL]}


def described(schema: dict, description: str) -> dict:
    return {**schema, "description": description}


def enum(*values, description: str | None = None) -> dict:
    types = sorted({"string" if isinstance(v, str) else "integer" if isinstance(v, int) else "null" for v in values})
    schema = {"type": types[0] if len(types) == 1 else types, "enum": list(values)}
    return {**schema, "description": description} if description else schema


LINK = obj({"rel": STR, "href": {"type": "string", "format": "uri"}}, "all")
LINKS = array(ref("Link"))


# -- errors -----------------------------------------------------------------------------------


def _error_detail(properties: dict, required) -> dict:
    return obj(properties, required)


NOVA_ERROR = {
    "type": "object",
    "description": "Nova's error body: one key naming the kind of error (badRequest, itemNotFound, forbidden, "
    "conflictingRequest, overLimit, unauthorized...) holding the code and a message.",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": _error_detail({"code": INT, "message": STR}, "all"),
    "examples": [{"itemNotFound": {"code": 404, "message": "Instance 0b4b... could not be found."}}],
}
KEYSTONE_ERROR = envelope(
    "error",
    _error_detail({"code": INT, "title": STR, "message": STR}, "all"),
    description="Keystone's error body.",
    examples=[
        {
            "error": {
                "code": 401,
                "title": "Unauthorized",
                "message": "The request you have made requires authentication.",
            }
        }
    ],  # fmt: skip
)
NEUTRON_ERROR = envelope(
    "NeutronError",
    _error_detail({"type": STR, "message": STR, "detail": STR}, "all"),
    description="Neutron's error body: ``type`` names the error (NetworkNotFound, NetworkInUse, "
    "PolicyNotAuthorized, HTTPBadRequest...).",
    examples=[{"NeutronError": {"type": "NetworkNotFound", "message": "Network 1 could not be found.", "detail": ""}}],
)

ERROR_DESCRIPTIONS = {
    400: "Bad request: a malformed or invalid body, parameter or header",
    401: "Not authenticated: missing or invalid credentials or token (X-Auth-Token)",
    403: "Forbidden: the policy does not allow it, or a quota would be exceeded",
    404: "Not found (or not visible to the caller)",
    406: "The microversion asked for is not supported",
    409: "Conflict with the resource's current state",
    410: "Gone: the resource was deleted meanwhile",
    413: "Too large, or over a quota",
    415: "Unsupported media type",
    501: "Not implemented: the hypervisor cannot do it",
}


# -- parameters ------------------------------------------------------------------------------


def query(name: str, description: str, schema: dict = STR, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **extra}


def header(name: str, description: str, schema: dict = STR, required: bool = False) -> dict:
    return {"name": name, "in": "header", "required": required, "description": description, "schema": schema}


LIMIT = query("limit", "The most items to return (at most 1000)", {"type": "integer", "minimum": 0})


def marker(what: str) -> dict:
    return query("marker", f"The {what} of the last item of the previous page: the page starts after it")


# -- operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One success response: its description and, unless it has none, the body's schema."""

    description: str
    schema: dict | None = None
    media_type: str = JSON
    headers: dict = field(default_factory=dict)  # name -> (description, schema)


@dataclass(frozen=True)
class Op:
    """What the table says about one operation."""

    summary: str
    responses: dict  # status -> Reply
    request: dict | None = None
    request_media_types: tuple = (JSON,)
    request_description: str = ""
    parameters: tuple = ()
    errors: tuple = ()  # error statuses besides 401 (authenticated), 404 (path parameters) and 400 (bodies)
    description: str = ""
    operation_id: str | None = None
    deprecated: bool = False


def op(summary: str, response: dict | None = None, *, status: int = 200, reply: str = "", headers=None, **more) -> Op:
    """An operation with one success response: ``response`` is its schema, None for no body."""
    default = "OK" if response is not None else "Done, no body"
    return Op(summary, {status: Reply(reply or default, response, headers=headers or {})}, **more)


LOCATION = {"Location": ("The URL of the new resource", {"type": "string", "format": "uri"})}
