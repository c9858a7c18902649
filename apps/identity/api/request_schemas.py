"""The request bodies of the Identity API, described once: each ``Body`` validates its request (views call
``validate``) and is what the OpenAPI document shows (``cloudcore/openapi_bodies/identity.py``).

The schemas follow Keystone's (``keystone/auth/schema.py``, ``resource/schema.py``, ``identity/schema.py``,
``assignment/schema.py``): objects stay open (Keystone ignores the attributes it does not know, and so does
cloudcore), with cloudcore's bounds where they are narrower (a user's name fits Django's 150 characters, a
description 4096). What a schema cannot say stays in the views: the one domain, ``default``
(another is 404, or 401 when authenticating), users and projects that must exist, wrong passwords and
duplicate names.

A violation is Keystone's 400, ``Invalid input for field 'identity/methods': [] should be non-empty``: the
field's path inside the resource, then what is wrong. Whatever sits under a secret field (a password, a
token) or holds one is never repeated back: "the value" stands in for it.
"""

import jsonschema

from apps.common.exceptions import BadRequest
from apps.common.schemas import Body

SECRETS = frozenset({"password", "token"})
LONGEST_ECHO = 64  # characters of a submitted value a message repeats at most


# -- the wording of a violation ----------------------------------------------------------------------------


def wording(error: jsonschema.ValidationError) -> str:
    """Keystone's message: ``Invalid input for field '<path below the envelope>': <what is wrong>``."""
    path = [str(part) for part in error.absolute_path]
    field = "/".join(path[1:] or path)  # "name", not "project/name", as Keystone validates the resource
    detail = _detail(error, secret=_touches_secret(error))
    return f"Invalid input for field '{field}': {detail}" if field else detail[:1].upper() + detail[1:]


def _detail(error: jsonschema.ValidationError, secret: bool) -> str:
    alternatives = error.validator_value if error.validator == "anyOf" else None
    if alternatives and all(set(a) == {"required"} for a in alternatives):  # Keystone's "id or name"
        names = [name for a in alternatives for name in a["required"]]
        return f"{' or '.join(names)} must be present."
    shown = repr(error.instance)
    if not error.message.startswith(shown):  # the message names no value ("'name' is a required property")
        return error.message if not secret or error.validator == "required" else "the value is not valid."
    rest = error.message[len(shown) :]
    if secret:
        return f"the value{rest}"
    return f"{shown[: LONGEST_ECHO - 3]}...{rest}" if len(shown) > LONGEST_ECHO else error.message


def _touches_secret(error: jsonschema.ValidationError) -> bool:
    return any(part in SECRETS for part in error.absolute_path) or _holds_secret(error.instance)


def _holds_secret(value) -> bool:
    if isinstance(value, dict):
        return any(key in SECRETS or _holds_secret(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_secret(item) for item in value)
    return False


def identity_body(schema: dict, example: dict) -> Body:
    """An Identity API body: no microversions, Keystone's 400 and wording."""
    return Body({"2.1": schema}, example=example, error=BadRequest, wording=wording)


# -- pieces -----------------------------------------------------------------------------------------------


def resource(properties: dict, required=(), **extra) -> dict:
    """An object with these properties; others are allowed and ignored, as in Keystone."""
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def envelope(key: str, inner: dict, **extra) -> dict:
    """``{key: inner}``; other top-level keys are ignored."""
    return {"type": "object", "properties": {key: inner}, "required": [key], **extra}


def id_or_name(properties: dict, required=(), **extra) -> dict:
    """An object naming something by ``id`` or by ``name`` (Keystone: "id or name must be present")."""
    return resource(properties, required, anyOf=[{"required": ["id"]}, {"required": ["name"]}], **extra)


def name(max_length: int, description: str) -> dict:
    """A name: 1 to ``max_length`` characters, not all blank (Keystone's ``[\\S]+``)."""
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": r"\S", "description": description}


STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 4096, "description": "null clears it"}
ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-zA-Z0-9-]+$"}  # Keystone's id_string
DOMAIN_ID = {**ID, "description": "Must be default, the one domain (another is 404)"}
DOMAIN = id_or_name({"id": STRING, "name": STRING}, description="Must be default (id) or Default (name)")


# -- POST /v3/auth/tokens ---------------------------------------------------------------------------------

_USER = id_or_name(
    {"id": STRING, "name": STRING, "domain": DOMAIN, "password": {"type": "string", "description": "Never echoed"}},
    ["password"],
    description="By id, or by name (the domain, when given, must be the default one)",
)
_METHODS = {
    "type": "array",
    "minItems": 1,
    "items": STRING,
    "description": "password or token (the first of the two named is used; others are 401)",
}
_IDENTITY = resource(
    {
        "methods": _METHODS,
        "password": resource({"user": _USER}, ["user"], description="Required with the password method"),
        "token": resource(
            {"id": {"type": "string", "description": "A valid token: the new one expires with it. Never echoed"}},
            ["id"],
            description="Required with the token method",
        ),
    },
    ["methods"],
    allOf=[
        {"if": {"properties": {"methods": {"type": "array", "contains": {"const": method}}}, "required": ["methods"]},
         "then": {"required": [method]}}
        for method in ("password", "token")
    ],
)  # fmt: skip
_SCOPE = {
    "type": ["object", "string", "null"],
    "properties": {"project": id_or_name({"id": STRING, "name": STRING, "domain": DOMAIN})},
    "description": "A project (by id, or by name), or unscoped. When absent, null or unscoped: the user's default "
    "project, if it has a role there. Other scopes (domain, system, trust) are 401",
}
TOKEN_ISSUE = identity_body(
    envelope("auth", resource({"identity": _IDENTITY, "scope": _SCOPE}, ["identity"])),
    example={
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "admin"}},
            },
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
        }
    },
)

# -- projects: POST /v3/projects, PATCH /v3/projects/{id} -------------------------------------------------

_PROJECT = {
    "name": name(64, "Unique"),
    "description": DESCRIPTION,
    "enabled": BOOLEAN,
    "domain_id": DOMAIN_ID,
}
PROJECT_CREATE = identity_body(envelope("project", resource(_PROJECT, ["name"])), {"project": {"name": "web"}})
PROJECT_UPDATE = identity_body(
    envelope("project", resource(_PROJECT, minProperties=1, description="At least one attribute")),
    {"project": {"enabled": False}},
)

# -- users: POST /v3/users, PATCH /v3/users/{id} ---------------------------------------------------------

_USER_ATTRIBUTES = {
    "name": name(150, "Unique"),
    "password": {"type": ["string", "null"], "minLength": 1,
                 "description": "Not empty; null (or none given) leaves the user without one. Never echoed"},
    "email": {"type": ["string", "null"], "maxLength": 254, "format": "email", "description": "null clears it"},
    "enabled": BOOLEAN,
    "default_project_id": {**ID, "type": ["string", "null"],
                           "description": "An existing project (else 404); null clears it"},
    "domain_id": DOMAIN_ID,
}  # fmt: skip
USER_CREATE = identity_body(
    envelope("user", resource(_USER_ATTRIBUTES, ["name"])), {"user": {"name": "ann", "password": "s3cret-pw"}}
)
USER_UPDATE = identity_body(
    envelope(
        "user",
        resource(_USER_ATTRIBUTES, minProperties=1, description="At least one attribute"),
        description="A new password, or enabled false, revokes the user's tokens",
    ),
    {"user": {"email": "ann@example.org"}},
)

# -- roles: POST /v3/roles --------------------------------------------------------------------------------

ROLE_CREATE = identity_body(
    envelope("role", resource({"name": name(255, "Unique"), "description": DESCRIPTION}, ["name"])),
    {"role": {"name": "auditor", "description": "Reads everything"}},
)
