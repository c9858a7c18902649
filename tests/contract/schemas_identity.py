"""Response schemas for the Identity API v3 subset under ``/identity``, written from Keystone's published API
reference (keystone ``api-ref/source/v3``: ``authenticate-v3.inc``, ``domains.inc``, ``projects.inc``,
``users.inc``, ``roles.inc``, ``parameters.yaml`` and ``samples/``; version discovery as
``doc/source/contributor/http-api.rst`` and the ``identity-version(s)-response.json`` samples show it).

``SCHEMAS`` maps (URL name, HTTP method) to a schema in Tempest's format.

Every object is closed and allows every field the reference documents for the resource (in any of its
operations, or in its samples); ``required`` is what the operation's response parameters mark required. Every
collection carries Keystone's ``links`` object (``self``/``previous``/``next``): the reference lists it for the
project, user and role lists and shows it in the samples of all the others.
"""

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
BOOLEAN = {"type": "boolean"}
# Keystone's timestamps: CCYY-MM-DDThh:mm:ss.ssssssZ (tokens), or without the zone (password_expires_at).
ISO8601_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"
TIMESTAMP = {"type": "string", "pattern": ISO8601_PATTERN}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "pattern": ISO8601_PATTERN}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    """An object with exactly these fields, ``required`` (all of them by default) always present."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = list(properties) if required is None else required
    if required:  # draft 4, Tempest's, wants a non-empty list or none
        schema["required"] = required
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def envelope(key: str, schema: dict) -> dict:
    return closed({key: schema})


def collection(key: str, schema: dict) -> dict:
    return closed({key: array(schema), "links": COLLECTION_LINKS})


SELF_LINK = closed({"self": STRING})  # a resource's "links"
COLLECTION_LINKS = closed({"self": STRING, "previous": NULLABLE_STRING, "next": NULLABLE_STRING})
IMMUTABLE_OPTIONS = closed({"immutable": BOOLEAN}, [])  # the resource options of projects, domains and roles
DOMAIN_REF = closed({"id": STRING, "name": STRING})  # a domain named inside a token or an assignment

# -- version discovery -------------------------------------------------------------------------

VERSION = closed(
    {
        "id": {"type": "string", "pattern": r"^v\d+\.\d+$"},
        "status": STRING,
        "updated": TIMESTAMP,
        "links": array(closed({"href": STRING, "rel": STRING, "type": STRING}, ["href", "rel"])),
        "media-types": array(closed({"base": STRING, "type": STRING})),
    }
)

# -- domains -----------------------------------------------------------------------------------

DOMAIN_PROPERTIES = {
    "id": STRING,
    "name": STRING,
    "description": NULLABLE_STRING,
    "enabled": BOOLEAN,
    "links": SELF_LINK,
    "options": IMMUTABLE_OPTIONS,
}
DOMAIN_IN_LIST = closed(DOMAIN_PROPERTIES, ["description", "enabled", "id", "links", "name"])
DOMAIN = closed(DOMAIN_PROPERTIES, ["description", "enabled", "id", "links", "name", "options"])

# -- projects ----------------------------------------------------------------------------------

PROJECT_PROPERTIES = {
    "id": STRING,
    "name": STRING,
    "description": NULLABLE_STRING,
    "domain_id": STRING,
    "enabled": BOOLEAN,
    "is_domain": BOOLEAN,
    "parent_id": NULLABLE_STRING,
    "links": SELF_LINK,
    "options": IMMUTABLE_OPTIONS,
    "tags": array(STRING),
}
PROJECT_CORE = ["is_domain", "description", "domain_id", "enabled", "id", "links", "name", "parent_id"]
PROJECT_IN_LIST = closed(PROJECT_PROPERTIES, [*PROJECT_CORE, "tags"])  # GET /v3/projects
PROJECT = closed(PROJECT_PROPERTIES, [*PROJECT_CORE, "options"])  # show, create, update
# GET /v3/auth/projects lists these; GET /v3/users/{id}/projects has no parameter list, its sample these and
# description and parent_id.
PROJECT_SCOPE = closed(PROJECT_PROPERTIES, ["domain_id", "enabled", "id", "links", "name"])
USER_PROJECT = closed(PROJECT_PROPERTIES, ["description", "domain_id", "enabled", "id", "links", "name", "parent_id"])

# -- users -------------------------------------------------------------------------------------

USER_OPTIONS = closed(
    {
        "ignore_change_password_upon_first_use": BOOLEAN,
        "ignore_password_expiry": BOOLEAN,
        "ignore_lockout_failure_attempts": BOOLEAN,
        "lock_password": BOOLEAN,
        "multi_factor_auth_enabled": BOOLEAN,
        "multi_factor_auth_rules": array(array(STRING)),
        "ignore_user_inactivity": BOOLEAN,
    },
    [],
)
FEDERATED = array(closed({"idp_id": STRING, "protocols": array(closed({"protocol_id": STRING, "unique_id": STRING}))}))
USER_PROPERTIES = {
    "id": STRING,
    "name": STRING,
    "domain_id": STRING,
    "enabled": BOOLEAN,
    "links": SELF_LINK,
    "password_expires_at": NULLABLE_TIMESTAMP,
    "default_project_id": STRING,
    "federated": FEDERATED,
    "options": USER_OPTIONS,
    # Not response parameters, but in the reference's user-create-response.json sample.
    "description": STRING,
    "email": STRING,
}
USER_CORE = ["domain_id", "enabled", "id", "links", "name", "password_expires_at"]
USER = closed(USER_PROPERTIES, USER_CORE)  # list items, show
USER_WITH_OPTIONS = closed(USER_PROPERTIES, [*USER_CORE, "options"])  # create, update

# -- roles and assignments ---------------------------------------------------------------------

ROLE_PROPERTIES = {
    "id": STRING,
    "name": STRING,
    "description": NULLABLE_STRING,
    "domain_id": NULLABLE_STRING,
    "links": SELF_LINK,
    "options": IMMUTABLE_OPTIONS,
}
ROLE_IN_LIST = closed(ROLE_PROPERTIES, ["domain_id", "id", "links", "name", "description"])
ROLE = closed(ROLE_PROPERTIES, ["domain_id", "id", "links", "name", "description", "options"])
ROLE_OF_USER = closed(ROLE_PROPERTIES, ["id", "links", "name"])  # project-user-roles-list-response.json

NAMED = closed({"id": STRING, "name": STRING, "domain": DOMAIN_REF}, ["id"])  # names with ?include_names
ROLE_ASSIGNMENT = {
    **closed(
        {
            "role": NAMED,
            "user": NAMED,
            "group": NAMED,
            "scope": {
                **closed(
                    {
                        "project": NAMED,
                        "domain": NAMED,
                        "system": closed({"all": BOOLEAN}),
                        "OS-INHERIT:inherited_to": STRING,
                    },
                    [],
                ),
                "minProperties": 1,
            },
            "links": closed({"assignment": STRING, "membership": STRING}, ["assignment"]),
        },
        ["role", "scope", "links"],
    ),
    "anyOf": [{"required": ["user"]}, {"required": ["group"]}],  # whose role it is
}

# -- tokens and the catalog --------------------------------------------------------------------

ENDPOINT = closed(
    {
        "id": STRING,
        "interface": {"enum": ["public", "internal", "admin"]},
        "region": NULLABLE_STRING,
        "region_id": NULLABLE_STRING,
        "url": STRING,
    }
)
SERVICE = closed({"id": STRING, "type": STRING, "name": STRING, "endpoints": array(ENDPOINT)})
TOKEN_USER = closed(
    {"id": STRING, "name": STRING, "domain": DOMAIN_REF, "password_expires_at": NULLABLE_TIMESTAMP},
    ["id", "name", "domain"],
)
TOKEN_PROPERTIES = {
    "methods": {**array(STRING), "minItems": 1},
    "user": TOKEN_USER,
    "audit_ids": {**array(STRING), "minItems": 1, "maxItems": 2},
    "expires_at": NULLABLE_TIMESTAMP,  # null: the token never expires
    "issued_at": TIMESTAMP,
    # Only in scoped tokens: one scope, its roles and (unless ?nocatalog) the catalog.
    "project": closed({"id": STRING, "name": STRING, "domain": DOMAIN_REF}),
    "domain": DOMAIN_REF,
    "system": closed({"all": BOOLEAN}),
    "is_domain": BOOLEAN,
    "roles": array(closed({"id": STRING, "name": STRING})),
    "catalog": array(SERVICE),
}
TOKEN_CORE = ["methods", "user", "audit_ids", "expires_at", "issued_at"]


def _scoped_needs(fields: list[str]) -> dict:
    """A scoped token (project, domain or system) carries ``fields``; written with anyOf/not so that Tempest's
    draft-4 validator reads it as a newer one does."""
    return {
        "anyOf": [
            {"not": {"anyOf": [{"required": [scope]} for scope in ("project", "domain", "system")]}},
            {"required": fields},
        ]
    }


TOKEN_ISSUED = {**closed(TOKEN_PROPERTIES, TOKEN_CORE), "allOf": [_scoped_needs(["roles", "catalog"])]}
TOKEN_VALIDATED = {**closed(TOKEN_PROPERTIES, TOKEN_CORE), "allOf": [_scoped_needs(["roles"])]}

# -- the registry ------------------------------------------------------------------------------

NO_CONTENT = {"status_code": [204]}

SCHEMAS: dict[tuple[str, str], dict] = {
    ("identity-versions", "GET"): {
        "status_code": [300],
        "response_body": closed({"versions": closed({"values": {**array(VERSION), "minItems": 1}})}),
    },
    ("identity-version", "GET"): {"status_code": [200], "response_body": envelope("version", VERSION)},
    # authenticate-v3.inc
    ("identity-tokens", "POST"): {"status_code": [201], "response_body": envelope("token", TOKEN_ISSUED)},
    ("identity-tokens", "GET"): {"status_code": [200], "response_body": envelope("token", TOKEN_VALIDATED)},
    ("identity-tokens", "HEAD"): {"status_code": [200]},
    ("identity-tokens", "DELETE"): NO_CONTENT,
    ("identity-catalog", "GET"): {"status_code": [200], "response_body": collection("catalog", SERVICE)},
    ("identity-auth-projects", "GET"): {"status_code": [200], "response_body": collection("projects", PROJECT_SCOPE)},
    # domains.inc
    ("identity-domains", "GET"): {"status_code": [200], "response_body": collection("domains", DOMAIN_IN_LIST)},
    ("identity-domain", "GET"): {"status_code": [200], "response_body": envelope("domain", DOMAIN)},
    # projects.inc
    ("identity-projects", "GET"): {"status_code": [200], "response_body": collection("projects", PROJECT_IN_LIST)},
    ("identity-projects", "POST"): {"status_code": [201], "response_body": envelope("project", PROJECT)},
    ("identity-project", "GET"): {"status_code": [200], "response_body": envelope("project", PROJECT)},
    ("identity-project", "PATCH"): {"status_code": [200], "response_body": envelope("project", PROJECT)},
    ("identity-project", "DELETE"): NO_CONTENT,
    # users.inc
    ("identity-users", "GET"): {"status_code": [200], "response_body": collection("users", USER)},
    ("identity-users", "POST"): {"status_code": [201], "response_body": envelope("user", USER_WITH_OPTIONS)},
    ("identity-user", "GET"): {"status_code": [200], "response_body": envelope("user", USER)},
    ("identity-user", "PATCH"): {"status_code": [200], "response_body": envelope("user", USER_WITH_OPTIONS)},
    ("identity-user", "DELETE"): NO_CONTENT,
    ("identity-user-projects", "GET"): {"status_code": [200], "response_body": collection("projects", USER_PROJECT)},
    # roles.inc
    ("identity-roles", "GET"): {"status_code": [200], "response_body": collection("roles", ROLE_IN_LIST)},
    ("identity-roles", "POST"): {"status_code": [201], "response_body": envelope("role", ROLE)},
    ("identity-role", "GET"): {"status_code": [200], "response_body": envelope("role", ROLE)},
    ("identity-role", "DELETE"): NO_CONTENT,
    ("identity-project-user-roles", "GET"): {"status_code": [200], "response_body": collection("roles", ROLE_OF_USER)},
    # Assign (PUT), check (HEAD; Keystone answers GET the same), unassign (DELETE): 204 each.
    ("identity-project-user-role", "PUT"): NO_CONTENT,
    ("identity-project-user-role", "GET"): NO_CONTENT,
    ("identity-project-user-role", "HEAD"): NO_CONTENT,
    ("identity-project-user-role", "DELETE"): NO_CONTENT,
    ("identity-role-assignments", "GET"): {
        "status_code": [200],
        "response_body": collection("role_assignments", ROLE_ASSIGNMENT),
    },
}
