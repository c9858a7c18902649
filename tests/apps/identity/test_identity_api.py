"""The Keystone v3 subset: tokens (issue, validate, revoke, expire), the catalog, and admin CRUD."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.identity import tokens
from apps.identity.models import Project, Role, RoleAssignment, Token, User
from tests.fixtures.factories import make_project, make_user

pytestmark = pytest.mark.django_db

V3 = "/identity/v3"


def password_auth(username, password, project=None, domain=None) -> dict:
    user = {"name": username, "domain": domain or {"id": "default"}, "password": password}
    auth = {"identity": {"methods": ["password"], "password": {"user": user}}}
    if project is not None:
        auth["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
    return {"auth": auth}


def issue(client, body) -> tuple[str | None, object]:
    response = client.post(f"{V3}/auth/tokens", json.dumps(body), content_type="application/json")
    return response.headers.get("X-Subject-Token"), response


def token_for(client, user, project=None, password="secret") -> str:
    project = project or user.default_project
    raw, response = issue(client, password_auth(user.username, password, project.name))
    assert response.status_code == 201, response.content
    return raw


def test_version_documents(client):
    assert client.get(f"{V3}/").json()["version"]["id"].startswith("v3.")
    versions = client.get("/identity/")
    assert versions.status_code == 300 and versions.json()["versions"]["values"][0]["status"] == "stable"


def test_a_password_token_is_scoped_and_carries_the_catalog(client, member):
    raw, response = issue(client, password_auth(member.username, "secret", member.default_project.name))
    assert response.status_code == 201
    assert raw.startswith("cc") and len(raw) > 40
    token = response.json()["token"]
    assert token["expires_at"].endswith("Z") and token["issued_at"].endswith("Z")
    assert token["methods"] == ["password"]
    assert token["user"] == {"id": member.id, "name": member.username, "domain": {"id": "default", "name": "Default"},
                             "password_expires_at": None}  # fmt: skip
    assert token["project"]["id"] == member.default_project.id
    assert [r["name"] for r in token["roles"]] == ["member"]
    types = {entry["type"]: entry["endpoints"][0] for entry in token["catalog"]}
    assert set(types) >= {"compute", "image", "identity"}
    compute = types["compute"]
    assert (compute["interface"], compute["region"], compute["region_id"]) == ("public", "RegionOne", "RegionOne")
    assert compute["url"] == "http://testserver/v2.1"
    assert not Token.objects.filter(digest=raw).exists()  # only a digest is stored
    assert Token.objects.filter(digest=tokens.digest(raw)).exists()


def test_the_token_works_on_every_api_and_a_bad_one_is_401(client, member):
    raw = token_for(client, member)
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw).status_code == 200
    assert client.get(f"{V3}/auth/catalog", HTTP_X_AUTH_TOKEN=raw).status_code == 200
    bad = client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw + "x")
    assert bad.status_code == 401 and bad.json()["unauthorized"]["code"] == 401
    assert bad["WWW-Authenticate"].startswith("Keystone uri=")


def test_validate_revoke_and_expiry(client, member):
    raw = token_for(client, member)
    other = token_for(client, member)
    shown = client.get(f"{V3}/auth/tokens", HTTP_X_AUTH_TOKEN=other, HTTP_X_SUBJECT_TOKEN=raw)
    assert shown.status_code == 200 and shown.json()["token"]["user"]["id"] == member.id
    assert client.head(f"{V3}/auth/tokens", HTTP_X_AUTH_TOKEN=other, HTTP_X_SUBJECT_TOKEN=raw).status_code == 200

    assert client.delete(f"{V3}/auth/tokens", HTTP_X_AUTH_TOKEN=other, HTTP_X_SUBJECT_TOKEN=raw).status_code == 204
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw).status_code == 401
    assert client.get(f"{V3}/auth/tokens", HTTP_X_AUTH_TOKEN=other, HTTP_X_SUBJECT_TOKEN=raw).status_code == 404

    Token.objects.filter(digest=tokens.digest(other)).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=other)
    assert expired.status_code == 401


def test_a_token_lives_token_ttl_seconds(client, member, settings):
    settings.TOKEN_TTL = 120
    raw = token_for(client, member)
    token = Token.objects.get(digest=tokens.digest(raw))
    assert timedelta(seconds=119) < token.expires_at - token.issued_at <= timedelta(seconds=120)


def test_tokens_die_with_their_user_or_project_or_when_disabled(client):
    project = make_project()
    user = make_user(project=project)
    raw = token_for(client, user)
    project.enabled = False
    project.save()
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw).status_code == 401
    project.enabled = True
    project.save()
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw).status_code == 200
    user.delete()
    assert not Token.objects.exists()
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw).status_code == 401


def test_token_method_rescopes_and_keeps_the_expiry(client):
    project_a, project_b = make_project(), make_project()
    user = make_user(project=project_a)
    RoleAssignment.objects.create(user=user, project=project_b, role=Role.named("reader"))
    raw = token_for(client, user)
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": raw}},
                     "scope": {"project": {"id": project_b.id}}}}  # fmt: skip
    rescoped, response = issue(client, body)
    assert response.status_code == 201
    assert response.json()["token"]["project"]["id"] == project_b.id
    assert [r["name"] for r in response.json()["token"]["roles"]] == ["reader"]
    first = Token.objects.get(digest=tokens.digest(raw))
    assert Token.objects.get(digest=tokens.digest(rescoped)).expires_at <= first.expires_at


def test_bad_credentials_and_scopes_are_401_and_never_echo_the_password(client, member):
    for body in (
        password_auth(member.username, "wrong-password-xyz", member.default_project.name),
        password_auth("nobody", "wrong-password-xyz"),
        password_auth(member.username, "secret", "no-such-project"),
        password_auth(member.username, "secret", domain={"id": "elsewhere"}),
        password_auth(member.username, "secret", make_project().name),  # no role there
    ):
        raw, response = issue(client, body)
        assert response.status_code == 401, body
        assert raw is None
        assert response.json()["error"]["code"] == 401
        assert b"wrong-password-xyz" not in response.content and b"secret" not in response.content
    _, malformed = issue(client, {"auth": {"identity": {"methods": "password"}}})
    assert malformed.status_code == 400 and malformed.json()["error"]["title"] == "Bad Request"


def test_unscoped_means_the_default_project_when_the_user_has_a_role_there(client, member):
    raw, response = issue(client, password_auth(member.username, "secret"))
    assert response.json()["token"]["project"]["id"] == member.default_project.id
    loner = User.objects.create_user(username="loner", password="secret")
    raw, response = issue(client, password_auth("loner", "secret"))
    assert response.status_code == 201 and "project" not in response.json()["token"]
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=raw).status_code == 403  # no project: nothing to act in
    assert client.get(f"{V3}/auth/projects", HTTP_X_AUTH_TOKEN=raw).json()["projects"] == []
    assert loner.tokens.count() == 1


def test_only_the_owner_or_an_admin_validates_a_token(client, member, admin_user):
    raw = token_for(client, member)
    stranger = token_for(client, make_user())
    admin = token_for(client, admin_user)
    assert client.get(f"{V3}/auth/tokens", HTTP_X_AUTH_TOKEN=stranger, HTTP_X_SUBJECT_TOKEN=raw).status_code == 403
    assert client.get(f"{V3}/auth/tokens", HTTP_X_AUTH_TOKEN=admin, HTTP_X_SUBJECT_TOKEN=raw).status_code == 200


# -- administration --------------------------------------------------------------------------


def call(client, method, path, token, body=None):
    kwargs = {"HTTP_X_AUTH_TOKEN": token}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"{V3}{path}", **kwargs)


def test_domains(client, member):
    raw = token_for(client, member)
    assert call(client, "get", "/domains?name=Default", raw).json()["domains"][0]["id"] == "default"
    assert call(client, "get", "/domains?name=Other", raw).json()["domains"] == []
    domain = call(client, "get", "/domains/default", raw).json()["domain"]
    assert domain["name"] == "Default" and "tags" not in domain  # domains.inc: a domain has no tags
    assert call(client, "get", "/domains/other", raw).status_code == 404


def test_admin_crud_of_projects_users_roles_and_assignments(client, admin_user):
    admin = token_for(client, admin_user)
    project = call(client, "post", "/projects", admin, {"project": {"name": "web", "domain_id": "default"}})
    assert project.status_code == 201
    project = project.json()["project"]
    assert project["domain_id"] == "default" and "domain" not in project  # projects.inc: domain_id only
    assert call(client, "post", "/projects", admin, {"project": {"name": "web"}}).status_code == 409
    assert [p["id"] for p in call(client, "get", "/projects?name=web", admin).json()["projects"]] == [project["id"]]

    user = call(client, "post", "/users", admin, {"user": {"name": "ann", "password": "pw-ann-123",
                                                            "default_project_id": project["id"]}})  # fmt: skip
    assert user.status_code == 201
    user = user.json()["user"]
    assert user["domain_id"] == "default" and "domain" not in user  # users.inc: domain_id only
    assert user["default_project_id"] == project["id"] and "email" not in user  # no email: omitted, not null
    assert b"pw-ann-123" not in call(client, "get", f"/users/{user['id']}", admin).content
    assert call(client, "post", "/users", admin, {"user": {"name": "ann", "password": "x"}}).status_code == 409
    assert len(call(client, "get", "/users?name=ann", admin).json()["users"]) == 1

    role = call(client, "post", "/roles", admin, {"role": {"name": "auditor"}})
    assert role.status_code == 201
    assert call(client, "post", "/roles", admin, {"role": {"name": "auditor"}}).status_code == 409
    member_role = call(client, "get", "/roles?name=member", admin).json()["roles"][0]

    grant = f"/projects/{project['id']}/users/{user['id']}/roles/{member_role['id']}"
    assert call(client, "head", grant, admin).status_code == 404
    assert call(client, "put", grant, admin).status_code == 204
    assert call(client, "head", grant, admin).status_code == 204
    listed = call(client, "get", f"/role_assignments?user.id={user['id']}&include_names", admin).json()
    assert [(a["role"]["name"], a["scope"]["project"]["id"]) for a in listed["role_assignments"]] == [
        ("member", project["id"])
    ]
    ann = token_for(client, User.objects.get(id=user["id"]), Project.objects.get(id=project["id"]), "pw-ann-123")
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=ann).status_code == 200

    changed = call(client, "patch", f"/users/{user['id']}", admin, {"user": {"password": "new-pw-456"}})
    assert changed.status_code == 200
    assert client.get("/v2.1/servers", HTTP_X_AUTH_TOKEN=ann).status_code == 401  # a new password ends sessions

    assert call(client, "delete", grant, admin).status_code == 204
    assert call(client, "delete", f"/roles/{member_role['id']}", admin).status_code == 403  # built in
    assert call(client, "delete", f"/roles/{role.json()['role']['id']}", admin).status_code == 204
    assert call(client, "delete", f"/users/{user['id']}", admin).status_code == 204
    assert call(client, "delete", f"/projects/{project['id']}", admin).status_code == 204
    assert call(client, "get", f"/projects/{project['id']}", admin).status_code == 404


def test_members_cannot_administer_identity(client, member):
    raw = token_for(client, member)
    for method, path, body in (
        ("get", "/users", None),
        ("post", "/projects", {"project": {"name": "x"}}),
        ("get", "/roles", None),
        ("put", f"/projects/{member.default_project.id}/users/{member.id}/roles/x", None),
    ):
        response = call(client, method, path, raw, body)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["error"]["code"] == 403
    assert call(client, "get", f"/users/{member.id}", raw).status_code == 200  # itself
    assert call(client, "get", f"/projects/{member.default_project.id}", raw).status_code == 200


# -- Keystone's shapes -------------------------------------------------------------------------


COLLECTIONS = (  # (path, key, as admin)
    ("/auth/catalog", "catalog", False),
    ("/auth/projects", "projects", False),
    ("/domains", "domains", False),
    ("/domains?name=Default", "domains", False),
    ("/projects", "projects", True),
    ("/projects?name=nothing&enabled=true", "projects", True),
    ("/users", "users", True),
    ("/users/{user}/projects", "projects", False),
    ("/roles", "roles", True),
    ("/projects/{project}/users/{user}/roles", "roles", False),
    ("/role_assignments", "role_assignments", True),
    ("/role_assignments?include_names&user.id={user}", "role_assignments", True),
)


@pytest.mark.parametrize(("path", "key", "as_admin"), COLLECTIONS)
def test_collections_carry_keystones_links(client, member, admin_user, path, key, as_admin):
    """Every collection has ``links``: ``self`` is the URL of the request (query string included), and
    ``previous`` and ``next`` are null: nothing is paged."""
    raw = token_for(client, admin_user if as_admin else member)
    path = path.format(user=member.id, project=member.default_project.id)
    response = call(client, "get", path, raw)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {key, "links"} and isinstance(body[key], list)
    assert body["links"] == {"self": f"http://testserver{V3}{path}", "previous": None, "next": None}


def test_links_self_uses_the_public_url(client, member, settings):
    settings.PUBLIC_URL = "https://cloud.example.org/"
    body = call(client, "get", "/auth/projects", token_for(client, member)).json()
    assert body["links"]["self"] == f"https://cloud.example.org{V3}/auth/projects"
    assert body["projects"][0]["links"]["self"].startswith(f"https://cloud.example.org{V3}/projects/")


def test_a_user_without_email_or_default_project_omits_them(client, admin_user):
    """Keystone leaves out an unset ``email`` and ``default_project_id``; set, they are strings."""
    admin = token_for(client, admin_user)
    bare = call(client, "post", "/users", admin, {"user": {"name": "bare", "email": None}}).json()["user"]
    assert "email" not in bare and "default_project_id" not in bare and "domain" not in bare
    project = admin_user.default_project.id
    changed = call(client, "patch", f"/users/{bare['id']}", admin,
                   {"user": {"email": "b@example.org", "default_project_id": project}}).json()["user"]  # fmt: skip
    assert (changed["email"], changed["default_project_id"]) == ("b@example.org", project)
    unset = call(client, "patch", f"/users/{bare['id']}", admin,
                 {"user": {"email": None, "default_project_id": None}}).json()["user"]  # fmt: skip
    assert "email" not in unset and "default_project_id" not in unset
    listed = call(client, "get", "/users?name=bare", admin).json()["users"]
    assert [("email" in u, "default_project_id" in u) for u in listed] == [(False, False)]
    shown = call(client, "get", f"/users/{bare['id']}", admin).json()["user"]
    assert "email" not in shown and "default_project_id" not in shown


def test_projects_carry_domain_id_only(client, member):
    raw = token_for(client, member)
    shown = call(client, "get", f"/projects/{member.default_project.id}", raw).json()["project"]
    listed = call(client, "get", "/auth/projects", raw).json()["projects"]
    for project in (shown, *listed):
        assert project["domain_id"] == "default" and "domain" not in project
