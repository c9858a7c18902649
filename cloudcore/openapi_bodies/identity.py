"""Identity API v3 (a Keystone subset): version discovery, tokens and the catalog, the domain,
projects, users, roles and role assignments (``apps/identity/api/*.py``). The request bodies are the
schemas the views validate with (``apps/identity/api/request_schemas.py``)."""

from apps.identity.api import request_schemas
from cloudcore.openapi_bodies.common import (
    BOOL,
    DATE_TIME,
    HEX_ID,
    LINKS,
    NULL,
    NULLABLE_STR,
    STR,
    Op,
    Reply,
    array,
    described,
    envelope,
    header,
    obj,
    op,
    query,
    ref,
)

VERSION = obj(
    {
        "id": STR,
        "status": STR,
        "updated": DATE_TIME,
        "links": LINKS,
        "media-types": array(obj({"base": STR, "type": STR}, "all")),
    },
    "all",
)
SELF_LINK = obj({"self": {"type": "string", "format": "uri"}}, "all")
COLLECTION_LINKS = obj(
    {
        "self": described({"type": "string", "format": "uri"}, "The URL of this request"),
        "previous": described(NULL, "Always null: no paging"),
        "next": described(NULL, "Always null: no paging"),
    },
    "all",
)
DOMAIN_REF = obj({"id": STR, "name": STR}, "all", description="Always the one domain, default (Default)")
EMPTY = obj({}, description="Always empty")

DOMAIN = obj(
    {
        "id": STR,
        "name": STR,
        "description": STR,
        "enabled": BOOL,
        "options": EMPTY,
        "links": SELF_LINK,
    },
    "all",
)
PROJECT = obj(
    {
        "id": HEX_ID,
        "name": STR,
        "description": STR,
        "enabled": BOOL,
        "domain_id": STR,
        "parent_id": STR,
        "is_domain": BOOL,
        "tags": array(STR),
        "options": EMPTY,
        "links": SELF_LINK,
    },
    "all",
)
USER = obj(
    {
        "id": HEX_ID,
        "name": STR,
        "email": described(STR, "Only when the user has one"),
        "enabled": BOOL,
        "default_project_id": described(STR, "Only when the user has one"),
        "domain_id": STR,
        "password_expires_at": NULL,
        "options": EMPTY,
        "links": SELF_LINK,
    },
    ["id", "name", "enabled", "domain_id", "password_expires_at", "options", "links"],
)
ROLE = obj(
    {
        "id": HEX_ID,
        "name": STR,
        "description": NULLABLE_STR,
        "domain_id": NULL,
        "options": EMPTY,
        "links": SELF_LINK,
    },
    "all",
)

ENDPOINT = obj({"id": STR, "interface": STR, "region": STR, "region_id": STR, "url": STR}, "all")
CATALOG_ENTRY = obj({"id": STR, "type": STR, "name": STR, "endpoints": array(ENDPOINT)}, "all")
TOKEN = envelope(
    "token",
    obj(
        {
            "methods": array(STR),
            "user": obj({"id": STR, "name": STR, "domain": ref("DomainRef"), "password_expires_at": NULL}, "all"),
            "audit_ids": array(STR),
            "issued_at": DATE_TIME,
            "expires_at": DATE_TIME,
            "project": described(
                obj({"id": STR, "name": STR, "domain": ref("DomainRef")}, "all"), "Project-scoped tokens only"
            ),
            "is_domain": described(BOOL, "Project-scoped tokens only"),
            "roles": described(array(obj({"id": STR, "name": STR}, "all")), "Project-scoped tokens only"),
            "catalog": described(array(ref("CatalogEntry")), "Project-scoped tokens, unless nocatalog"),
        },
        ["methods", "user", "audit_ids", "issued_at", "expires_at"],
    ),
)
AUTH_REQUEST = request_schemas.TOKEN_ISSUE.described()


def collection(key: str, item: dict) -> dict:
    """Keystone's collection body: ``{key: [item, ...], "links": {self, previous, next}}``."""
    return obj({key: array(item), "links": ref("IdentityCollectionLinks")}, "all")


PROJECT_CREATE = request_schemas.PROJECT_CREATE.described()
PROJECT_UPDATE = request_schemas.PROJECT_UPDATE.described()
USER_CREATE = request_schemas.USER_CREATE.described()
USER_UPDATE = request_schemas.USER_UPDATE.described()
ROLE_CREATE = request_schemas.ROLE_CREATE.described()

NAMED_REF = obj({"id": STR, "name": STR, "domain": ref("DomainRef")}, ["id"], description="Names with include_names")
ROLE_ASSIGNMENT = obj(
    {
        "role": obj({"id": STR, "name": STR}, ["id"]),
        "user": NAMED_REF,
        "scope": obj({"project": NAMED_REF}, "all"),
        "links": obj({"assignment": {"type": "string", "format": "uri"}}, "all"),
    },
    "all",
)

COMPONENTS = {
    "IdentityVersion": VERSION,
    "DomainRef": DOMAIN_REF,
    "IdentityCollectionLinks": COLLECTION_LINKS,
    "Domain": DOMAIN,
    "Project": PROJECT,
    "User": USER,
    "Role": ROLE,
    "CatalogEntry": CATALOG_ENTRY,
    "Token": TOKEN,
    "AuthRequest": AUTH_REQUEST,
    "RoleAssignment": ROLE_ASSIGNMENT,
}

SUBJECT_TOKEN = header("X-Subject-Token", "The token to validate or revoke", required=True)
NAME = query("name", "Only the one with this name")
ADMIN = "Admins only."
PROJECTS = collection("projects", ref("Project"))
PROJECT_ENVELOPE = envelope("project", ref("Project"))
USER_ENVELOPE = envelope("user", ref("User"))
ROLE_ENVELOPE = envelope("role", ref("Role"))

OPERATIONS = {
    ("/identity/", "GET"): Op(
        "List Identity API versions",
        {
            300: Reply(
                "Multiple choices: the versions",
                envelope("versions", obj({"values": array(ref("IdentityVersion"))}, "all")),
            )
        },
    ),  # fmt: skip
    ("/identity/v3/", "GET"): op("Show the Identity API version", envelope("version", ref("IdentityVersion"))),
    ("/identity/v3/auth/tokens", "POST"): Op(
        "Issue a token",
        {
            201: Reply(
                "Issued: the token itself is in X-Subject-Token",
                ref("Token"),
                headers={"X-Subject-Token": ("The new token: send it as X-Auth-Token", STR)},
            )
        },
        request=ref("AuthRequest"),
        errors=(400, 401),
        description="With a password, or with another token (which the new one expires with). Scoped to a project, "
        "or unscoped.",
    ),
    ("/identity/v3/auth/tokens", "GET"): op(
        "Validate a token",
        ref("Token"),
        parameters=(SUBJECT_TOKEN, query("nocatalog", "Leave the catalog out", allowEmptyValue=True)),
        errors=(403, 404),
        description="Others' tokens: admins only.",
    ),
    ("/identity/v3/auth/tokens", "DELETE"): op(
        "Revoke a token", status=204, parameters=(SUBJECT_TOKEN,), errors=(403, 404)
    ),
    ("/identity/v3/auth/catalog", "GET"): op("Show the service catalog", collection("catalog", ref("CatalogEntry"))),
    ("/identity/v3/auth/projects", "GET"): op("List the projects the caller can scope a token to", PROJECTS),
    ("/identity/v3/domains", "GET"): op(
        "List domains", collection("domains", ref("Domain")), parameters=(NAME,), description="There is one: default."
    ),
    ("/identity/v3/domains/{domain_id}", "GET"): op("Show a domain", envelope("domain", ref("Domain"))),
    ("/identity/v3/projects", "GET"): op(
        "List projects",
        PROJECTS,
        parameters=(NAME, query("enabled", "Only enabled (true) or disabled (false) ones", BOOL)),
        errors=(403,),
        description=ADMIN,
    ),
    ("/identity/v3/projects", "POST"): op(
        "Create a project",
        PROJECT_ENVELOPE,
        status=201,
        request=PROJECT_CREATE,
        errors=(403, 404, 409),
        description=ADMIN,
    ),  # fmt: skip
    ("/identity/v3/projects/{project_id}", "GET"): op(
        "Show a project", PROJECT_ENVELOPE, errors=(403,), description="Admins, or members of the project."
    ),
    ("/identity/v3/projects/{project_id}", "PATCH"): op(
        "Update a project", PROJECT_ENVELOPE, request=PROJECT_UPDATE, errors=(403, 409), description=ADMIN
    ),
    ("/identity/v3/projects/{project_id}", "DELETE"): op(
        "Delete a project", status=204, errors=(403, 409), description="Admins only; 409 while it owns servers."
    ),
    ("/identity/v3/projects/{project_id}/users/{user_id}/roles", "GET"): op(
        "List a user's roles in a project",
        collection("roles", ref("Role")),
        errors=(403,),
        description="Admins, or the user.",
    ),
    ("/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "GET"): op(
        "Check a role assignment",
        status=204,
        reply="The user has the role (404 if not)",
        errors=(403,),
        description=ADMIN,
    ),  # fmt: skip
    ("/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "PUT"): op(
        "Grant a role", status=204, errors=(403,), description=ADMIN
    ),
    ("/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", "DELETE"): op(
        "Revoke a role", status=204, errors=(403,), description=ADMIN
    ),
    ("/identity/v3/users", "GET"): op(
        "List users", collection("users", ref("User")), parameters=(NAME,), errors=(403,), description=ADMIN
    ),
    ("/identity/v3/users", "POST"): op(
        "Create a user", USER_ENVELOPE, status=201, request=USER_CREATE, errors=(403, 404, 409), description=ADMIN
    ),
    ("/identity/v3/users/{user_id}", "GET"): op(
        "Show a user", USER_ENVELOPE, errors=(403,), description="Admins, or the user."
    ),
    ("/identity/v3/users/{user_id}", "PATCH"): op(
        "Update a user", USER_ENVELOPE, request=USER_UPDATE, errors=(403, 409), description=ADMIN
    ),
    ("/identity/v3/users/{user_id}", "DELETE"): op(
        "Delete a user", status=204, errors=(403, 409), description="Admins only; 409 while it owns resources."
    ),
    ("/identity/v3/users/{user_id}/projects", "GET"): op(
        "List a user's projects", PROJECTS, errors=(403,), description="Admins, or the user."
    ),
    ("/identity/v3/roles", "GET"): op(
        "List roles", collection("roles", ref("Role")), parameters=(NAME,), errors=(403,), description=ADMIN
    ),
    ("/identity/v3/roles", "POST"): op(
        "Create a role", ROLE_ENVELOPE, status=201, request=ROLE_CREATE, errors=(403, 409), description=ADMIN
    ),
    ("/identity/v3/roles/{role_id}", "GET"): op("Show a role", ROLE_ENVELOPE, errors=(403,), description=ADMIN),
    ("/identity/v3/roles/{role_id}", "DELETE"): op(
        "Delete a role", status=204, errors=(403,), description="Admins only; the built-in roles cannot be deleted."
    ),
    ("/identity/v3/role_assignments", "GET"): op(
        "List role assignments",
        collection("role_assignments", ref("RoleAssignment")),
        parameters=(
            query("user.id", "Only this user's"),
            query("scope.project.id", "Only in this project"),
            query("role.id", "Only of this role"),
            query("include_names", "Add names to the ids", allowEmptyValue=True),
        ),
        errors=(403,),
        description="Admins only; at most 1000.",
    ),
}
