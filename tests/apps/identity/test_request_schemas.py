"""The Identity API's request bodies (``apps/identity/api/request_schemas.py``): one schema per body validates the
request and is what the OpenAPI document shows. A violation is Keystone's 400 and stores nothing; a password
or token is never repeated back."""

import json

import jsonschema
import pytest

from apps.identity.api import request_schemas as bodies
from apps.identity.models import Project, Role, Token, User
from cloudcore.openapi_bodies import identity as openapi_identity

pytestmark = pytest.mark.django_db

V3 = "/identity/v3"
SECRET = "Hunter2-Secret-77"

BODIES = {
    ("/identity/v3/auth/tokens", "POST"): bodies.TOKEN_ISSUE,
    ("/identity/v3/projects", "POST"): bodies.PROJECT_CREATE,
    ("/identity/v3/projects/{project_id}", "PATCH"): bodies.PROJECT_UPDATE,
    ("/identity/v3/users", "POST"): bodies.USER_CREATE,
    ("/identity/v3/users/{user_id}", "PATCH"): bodies.USER_UPDATE,
    ("/identity/v3/roles", "POST"): bodies.ROLE_CREATE,
}


def post(client, path, body, method="post"):
    return getattr(client, method)(f"{V3}{path}", json.dumps(body), content_type="application/json")


def assert_keystone_400(response, message: str | None = None) -> str:
    assert response.status_code == 400, response.content
    error = response.json()
    assert set(error) == {"error"} and set(error["error"]) == {"code", "title", "message"}, error
    assert (error["error"]["code"], error["error"]["title"]) == (400, "Bad Request")
    if message is not None:
        assert error["error"]["message"] == message
    return error["error"]["message"]


# -- one description: the OpenAPI document shows the schemas the views validate with ------------------------


def test_the_openapi_document_shows_the_bodies_the_views_validate_with():
    for key, body in BODIES.items():
        request = openapi_identity.OPERATIONS[key].request
        if key[0].endswith("/auth/tokens"):
            assert request == {"$ref": "#/components/schemas/AuthRequest"}
            request = openapi_identity.COMPONENTS["AuthRequest"]
        assert request == body.described(), key
        assert request["examples"] == [body.example]
    served = {key for key, operation in openapi_identity.OPERATIONS.items() if operation.request is not None}
    assert served == set(BODIES)  # every body the API takes; a role grant (PUT) has none


@pytest.mark.parametrize("body", BODIES.values(), ids=[f"{m} {p}" for p, m in BODIES])
def test_each_example_is_valid(body):
    jsonschema.Draft202012Validator.check_schema(body.latest())
    jsonschema.Draft202012Validator(body.latest()).validate(body.example)


# -- POST /auth/tokens ----------------------------------------------------------------------------------------


def auth(identity=None, scope=None, **user) -> dict:
    user = user or {"name": "alice", "domain": {"id": "default"}, "password": SECRET}
    body = {"auth": {"identity": identity or {"methods": ["password"], "password": {"user": user}}}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


TOKEN_REFUSALS = [
    ({}, "'auth' is a required property"),
    ([], "[] is not of type 'object'"),
    ({"auth": "x"}, "Invalid input for field 'auth': 'x' is not of type 'object'"),
    ({"auth": {}}, "Invalid input for field 'auth': 'identity' is a required property"),
    ({"auth": {"identity": {}}}, "Invalid input for field 'identity': 'methods' is a required property"),
    (auth({"methods": "password"}), "Invalid input for field 'identity/methods': 'password' is not of type 'array'"),
    (auth({"methods": []}), "Invalid input for field 'identity/methods': [] should be non-empty"),
    (auth({"methods": [1]}), "Invalid input for field 'identity/methods/0': 1 is not of type 'string'"),
    (auth({"methods": ["password"]}), "Invalid input for field 'identity': 'password' is a required property"),
    (auth({"methods": ["password"], "password": [SECRET]}),
     "Invalid input for field 'identity/password': the value is not of type 'object'"),
    (auth({"methods": ["password"], "password": {}}),
     "Invalid input for field 'identity/password': 'user' is a required property"),
    (auth(password=SECRET), "Invalid input for field 'identity/password/user': id or name must be present."),
    (auth(name="alice"), "Invalid input for field 'identity/password/user': 'password' is a required property"),
    (auth(name="alice", password=[SECRET]),
     "Invalid input for field 'identity/password/user/password': the value is not of type 'string'"),
    (auth(name=["alice"], password=SECRET),
     "Invalid input for field 'identity/password/user/name': the value is not of type 'string'"),
    (auth(name="alice", password=SECRET, domain="default"),
     "Invalid input for field 'identity/password/user/domain': the value is not of type 'object'"),
    (auth(name="alice", password=SECRET, domain={}),
     "Invalid input for field 'identity/password/user/domain': id or name must be present."),
    (auth({"methods": ["token"]}), "Invalid input for field 'identity': 'token' is a required property"),
    (auth({"methods": ["token"], "token": {}}),
     "Invalid input for field 'identity/token': 'id' is a required property"),
    (auth({"methods": ["token"], "token": {"id": [SECRET]}}),
     "Invalid input for field 'identity/token/id': the value is not of type 'string'"),
    (auth(scope=5), "Invalid input for field 'scope': 5 is not of type 'object', 'string', 'null'"),
    (auth(scope={"project": "p"}), "Invalid input for field 'scope/project': 'p' is not of type 'object'"),
    (auth(scope={"project": {}}), "Invalid input for field 'scope/project': id or name must be present."),
    (auth(scope={"project": {"id": 5}}), "Invalid input for field 'scope/project/id': 5 is not of type 'string'"),
    (auth(scope={"project": {"name": "p", "domain": {}}}),
     "Invalid input for field 'scope/project/domain': id or name must be present."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), TOKEN_REFUSALS)
def test_a_malformed_token_request_is_keystones_400_and_issues_nothing(client, member, body, message):
    response = post(client, "/auth/tokens", body)
    assert_keystone_400(response, message)
    assert "X-Subject-Token" not in response.headers
    assert not Token.objects.exists()
    assert SECRET not in response.content.decode()


def test_whatever_holds_a_password_is_never_repeated(client):
    """An error about an object that holds a secret (not only about the secret itself) leaves the value out."""
    for body in (
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {"password": SECRET}}}}},
        {"auth": {"identity": {"methods": ["token"], "token": {"id": SECRET}}, "scope": {"project": {}}}},
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "a", "password": SECRET * 9,
                                                                              "domain": []}}}}},
    ):  # fmt: skip
        assert SECRET not in assert_keystone_400(post(client, "/auth/tokens", body))


@pytest.mark.parametrize(
    "body",
    [
        auth(name="alice", password=SECRET, domain={"id": "elsewhere"}),  # another domain: no such user
        auth({"methods": ["totp"], "totp": {}}),  # a method cloudcore does not serve
        auth(scope={"domain": {"id": "default"}}),  # a scope cloudcore does not serve
        auth(scope="system"),
    ],
)
def test_well_formed_requests_cloudcore_cannot_honour_stay_401(client, member, body):
    response = post(client, "/auth/tokens", body)
    assert response.status_code == 401 and response.json()["error"]["code"] == 401
    assert not Token.objects.exists()


def test_well_formed_token_requests_are_issued(client, member):
    password = {"user": {"id": member.id, "password": "secret"}}
    by_id = post(client, "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": password},
                                                   "scope": "unscoped"}, "extra": 1})  # fmt: skip
    assert by_id.status_code == 201, by_id.content
    identity = {"methods": ["token"], "token": {"id": by_id.headers["X-Subject-Token"]}}
    by_token = post(client, "/auth/tokens", {"auth": {"identity": identity, "scope": None}})
    assert by_token.status_code == 201, by_token.content


# -- projects -------------------------------------------------------------------------------------------------

PROJECT_REFUSALS = [
    ({}, "'project' is a required property"),
    ({"project": None}, "Invalid input for field 'project': None is not of type 'object'"),
    ({"project": {}}, "Invalid input for field 'project': 'name' is a required property"),
    ({"project": {"name": ""}}, "Invalid input for field 'name': '' should be non-empty"),
    ({"project": {"name": " \t"}}, "Invalid input for field 'name': ' \\t' does not match '\\\\S'"),
    ({"project": {"name": "p" * 65}}, None),
    ({"project": {"name": 5}}, "Invalid input for field 'name': 5 is not of type 'string'"),
    ({"project": {"name": "p", "description": "d" * 4097}}, None),
    ({"project": {"name": "p", "enabled": "true"}},
     "Invalid input for field 'enabled': 'true' is not of type 'boolean'"),
    ({"project": {"name": "p", "domain_id": None}},
     "Invalid input for field 'domain_id': None is not of type 'string'"),
    ({"project": {"name": "p", "domain_id": "d" * 65}}, None),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), PROJECT_REFUSALS)
def test_a_malformed_project_is_keystones_400_and_nothing_is_created(admin_client, body, message):
    before = set(Project.objects.values_list("pk", flat=True))
    assert_keystone_400(post(admin_client, "/projects", body), message)
    assert set(Project.objects.values_list("pk", flat=True)) == before


def test_a_long_value_is_shortened_in_the_message(admin_client):
    message = assert_keystone_400(post(admin_client, "/projects", {"project": {"name": "p" * 5000}}))
    assert message == f"Invalid input for field 'name': '{'p' * 60}... is too long"


@pytest.mark.parametrize(("body", "message"), [*PROJECT_REFUSALS[3:], ({"project": {}}, None)])
def test_a_malformed_project_update_changes_nothing(admin_client, body, message):
    project = Project.objects.create(name="kept", description="as it was")
    assert_keystone_400(post(admin_client, f"/projects/{project.id}", body, "patch"), message)
    project.refresh_from_db()
    assert (project.name, project.description, project.enabled) == ("kept", "as it was", True)


def test_project_bounds_are_inclusive_and_the_domain_is_checked_in_code(admin_client):
    body = {"project": {"name": "p" * 64, "description": "d" * 4096, "enabled": False, "domain_id": "default"}}
    created = post(admin_client, "/projects", body)
    assert created.status_code == 201, created.content
    project_id = created.json()["project"]["id"]
    cleared = post(admin_client, f"/projects/{project_id}", {"project": {"description": None, "tags": []}}, "patch")
    assert cleared.status_code == 200 and cleared.json()["project"]["description"] == ""
    blank = post(admin_client, f"/projects/{project_id}", {"project": {"description": ""}}, "patch")
    assert blank.status_code == 200, blank.content  # Keystone takes any string
    elsewhere = post(admin_client, "/projects", {"project": {"name": "q", "domain_id": "elsewhere"}})
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["message"] == "Could not find domain: elsewhere."


# -- users ----------------------------------------------------------------------------------------------------

USER_REFUSALS = [
    ({"user": []}, "Invalid input for field 'user': [] is not of type 'object'"),
    ({"user": {}}, "Invalid input for field 'user': 'name' is a required property"),
    ({"user": {"name": "u" * 151}}, None),
    ({"user": {"name": "  "}}, "Invalid input for field 'name': '  ' does not match '\\\\S'"),
    ({"user": {"name": "u", "email": ""}}, "Invalid input for field 'email': '' is not a 'email'"),
    ({"user": {"name": "u", "email": "e" * 255}}, None),
    ({"user": {"name": "u", "enabled": 1}}, "Invalid input for field 'enabled': 1 is not of type 'boolean'"),
    ({"user": {"name": "u", "default_project_id": 5}},
     "Invalid input for field 'default_project_id': 5 is not of type 'string', 'null'"),
    ({"user": {"name": "u", "default_project_id": "no such"}},
     "Invalid input for field 'default_project_id': 'no such' does not match '^[a-zA-Z0-9-]+$'"),
    ({"user": {"name": "u", "domain_id": ""}}, "Invalid input for field 'domain_id': '' should be non-empty"),
    ({"user": {"name": "u", "password": ""}}, "Invalid input for field 'password': the value should be non-empty"),
    ({"user": {"name": "u", "password": [SECRET]}},
     "Invalid input for field 'password': the value is not of type 'string', 'null'"),
    ({"user": {"name": "u", "password": {"p": SECRET}}},
     "Invalid input for field 'password': the value is not of type 'string', 'null'"),
    ({"user": {"name": 7, "password": SECRET}}, "Invalid input for field 'name': 7 is not of type 'string'"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), USER_REFUSALS)
def test_a_malformed_user_is_keystones_400_and_nothing_is_created(admin_client, body, message):
    before = set(User.objects.values_list("pk", flat=True))
    response = post(admin_client, "/users", body)
    assert_keystone_400(response, message)
    assert SECRET not in response.content.decode()
    assert set(User.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize(("body", "message"), [*USER_REFUSALS[2:], ({"user": {}}, None)])
def test_a_malformed_user_update_changes_nothing(admin_client, member, body, message):
    before = User.objects.values().get(pk=member.pk)
    response = post(admin_client, f"/users/{member.id}", body, "patch")
    assert_keystone_400(response, message)
    assert SECRET not in response.content.decode()
    assert User.objects.values().get(pk=member.pk) == before


def test_user_bounds_are_inclusive_and_existence_is_checked_in_code(admin_client, member):
    body = {"user": {"name": "u" * 150, "email": "e" * 248 + "@x.org", "password": " ", "enabled": True,
                     "domain_id": "default", "default_project_id": member.default_project_id}}  # fmt: skip
    created = post(admin_client, "/users", body)
    assert created.status_code == 201, created.content
    missing = post(admin_client, "/users", {"user": {"name": "v", "default_project_id": "abc123"}})
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "Could not find project: abc123."
    elsewhere = post(admin_client, f"/users/{member.id}", {"user": {"domain_id": "elsewhere"}}, "patch")
    assert elsewhere.status_code == 404


# -- roles ----------------------------------------------------------------------------------------------------

ROLE_REFUSALS = [
    ({"roles": {"name": "r"}}, "'role' is a required property"),
    ({"role": {"description": "d"}}, "Invalid input for field 'role': 'name' is a required property"),
    ({"role": {"name": "r" * 256}}, None),
    ({"role": {"name": "\n"}}, "Invalid input for field 'name': '\\n' does not match '\\\\S'"),
    ({"role": {"name": "r", "description": 5}},
     "Invalid input for field 'description': 5 is not of type 'string', 'null'"),
    ({"role": {"name": "r", "description": "d" * 4097}}, None),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), ROLE_REFUSALS)
def test_a_malformed_role_is_keystones_400_and_nothing_is_created(admin_client, body, message):
    before = set(Role.objects.values_list("pk", flat=True))
    assert_keystone_400(post(admin_client, "/roles", body), message)
    assert set(Role.objects.values_list("pk", flat=True)) == before


def test_role_bounds_are_inclusive(admin_client):
    created = post(admin_client, "/roles", {"role": {"name": "r" * 255, "description": "d" * 4096, "other": 1}})
    assert created.status_code == 201, created.content


def test_an_admin_check_comes_before_the_body(member_client):
    """A member learns nothing of the schema: 403 whatever the body."""
    for path in ("/projects", "/users", "/roles"):
        response = post(member_client, path, {"junk": True})
        assert response.status_code == 403 and response.json()["error"]["code"] == 403
