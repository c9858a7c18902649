"""The Image, Networking and Identity response-schema registries (``schemas_image``, ``schemas_network``,
``schemas_identity``) as a test oracle.

1. The registries are complete: every route and method the three URL confs serve has a schema, and no schema
   names a route or method that is not served.
2. Real responses validate: a representative call of each resource (list, show, create, update, delete).
   Where cloudcore departs from the upstream API reference the case is a strict xfail naming the gap.
3. The schemas are closed: a field added anywhere in a valid body, a missing required field or a wrong type
   fails validation.
"""

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import jsonschema
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from jsonschema import Draft4Validator, Draft202012Validator

from apps.identity.models import Role
from apps.images.api.base import JSON_PATCH
from apps.images.models import Image
from apps.network import ipam
from apps.network.models import Network
from tests.apps.network.factories import make_network
from tests.contract import schemas_identity, schemas_image, schemas_network
from tests.fixtures.factories import make_image, make_project, make_user

pytestmark = pytest.mark.django_db

REGISTRIES = {"image": schemas_image.SCHEMAS, "network": schemas_network.SCHEMAS, "identity": schemas_identity.SCHEMAS}
PREFIXES = {"^image": "image", "^network": "network", "^identity": "identity"}
METHODS = ("get", "post", "put", "patch", "delete")
UNEXPECTED = "cloudcore-unexpected"


# -- 1. completeness -------------------------------------------------------------------------------------------


def _patterns(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry


def served_views() -> dict[tuple[str, str], type]:
    """(API, URL name) -> view class, for every route of the three URL confs (the registries' and the response
    oracle's key: every route has a name)."""
    return {(api, name): view for api, name, _, view in _routes()}


def _routes():
    """(API, URL name, pattern string, view class) for every route of the three confs."""
    for top in get_resolver().url_patterns:
        api = PREFIXES.get(str(top.pattern)) if isinstance(top, URLResolver) else None
        if api is None:
            continue
        for entry in _patterns(top.url_patterns):
            yield api, entry.name, str(entry.pattern), entry.callback.view_class


def implemented(view: type, methods=METHODS) -> set[str]:
    return {m.upper() for m in methods if m in view.http_method_names and callable(getattr(view, m, None))}


def test_the_three_url_confs_are_found():
    assert {api for api, _ in served_views()} == set(REGISTRIES)


@pytest.mark.parametrize("api", sorted(REGISTRIES))
def test_every_route_and_method_has_a_schema(api):
    served = {(key, method) for (owner, key), view in served_views().items() if owner == api
              for method in implemented(view)}  # fmt: skip
    assert served - set(REGISTRIES[api]) == set()


def test_every_route_has_its_own_name():
    """The response oracle (tests/fixtures/oracle.py) finds a route's schema by its URL name: every pattern has
    one, and no two patterns share one (not even across the APIs, or with a route outside them)."""
    routes = list(_routes())
    assert [(api, pattern) for api, name, pattern, _ in routes if not name] == []
    names = [name for _, name, _, _ in routes]
    assert sorted({name for name in names if names.count(name) > 1}) == []
    assert sorted(set(names) & {entry.name for entry in _other_patterns()}) == []


def _other_patterns():
    """The URL patterns outside the three confs."""
    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and str(top.pattern) in PREFIXES:
            continue
        yield from _patterns([top])


@pytest.mark.parametrize("api", sorted(REGISTRIES))
def test_no_schema_for_a_route_or_method_not_served(api):
    views = {name: view for (owner, name), view in served_views().items() if owner == api}
    stale = [(key, method) for key, method in REGISTRIES[api]
             if key not in views or method not in implemented(views[key], (*METHODS, "head"))]  # fmt: skip
    assert stale == []


def _subschemas(schema: dict, path="$"):
    """Every subschema of ``schema`` (following the keywords that hold schemas), with where it is."""
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _subschemas(sub, f"{path}.{name}")
    for keyword in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(keyword), dict):
            yield from _subschemas(schema[keyword], f"{path}/{keyword}")
    for keyword in ("anyOf", "allOf", "oneOf"):
        for index, sub in enumerate(schema.get(keyword, [])):
            yield from _subschemas(sub, f"{path}/{keyword}[{index}]")


@pytest.mark.parametrize("api", sorted(REGISTRIES))
def test_the_schemas_are_well_formed_and_closed(api):
    for key, schema in REGISTRIES[api].items():
        assert set(schema) <= {"status_code", "response_body"}, key
        assert schema["status_code"] and all(200 <= code < 400 for code in schema["status_code"]), key
        if schema["status_code"] == [204]:
            assert "response_body" not in schema, key
        if "response_body" not in schema:
            continue
        body = schema["response_body"]
        Draft4Validator.check_schema(body)  # Tempest validates with draft 4
        Draft202012Validator.check_schema(body)
        for path, sub in _subschemas(body):
            if "properties" in sub:
                closed = sub.get("additionalProperties") is False or sub is schemas_image.IMAGE  # custom properties
                assert closed, (key, path)
                assert set(sub.get("required", [])) <= set(sub["properties"]), (key, path)


# -- 2. real responses -----------------------------------------------------------------------------------------


def validate(schema: dict, body) -> None:
    """As Tempest does (draft 4), and with the current draft."""
    Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)
    Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)


def check(response, schema: dict):
    """The response's status and body against a registry entry; the body, when it has one."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code in schema["status_code"], (response.status_code, content[:500])
    if "response_body" not in schema:
        if response.status_code == 204 or response.request["REQUEST_METHOD"] == "HEAD":
            assert content == b""
        return None
    body = json.loads(content)
    validate(schema["response_body"], body)
    return body


@dataclass
class Case:
    name: str
    key: tuple[str, str]
    call: Callable
    gap: str | None = None  # where cloudcore departs from the upstream reference

    def param(self, api: str):
        marks = [pytest.mark.xfail(strict=True, reason=self.gap)] if self.gap else []
        return pytest.param(self, id=f"{api}:{self.name}", marks=marks)


def _dicts(body, path=()):
    """The path of every JSON object in ``body``."""
    if isinstance(body, dict):
        yield path
        for key, value in body.items():
            yield from _dicts(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _dicts(value, (*path, index))


def assert_closed(schema: dict, body) -> None:
    """3. A field added to any object of a valid body makes it invalid (an integer: not even an image's custom
    properties, strings, allow it)."""
    for path in _dicts(body):
        drifted = copy.deepcopy(body)
        target = drifted
        for step in path:
            target = target[step]
        target[UNEXPECTED] = 1
        with pytest.raises(jsonschema.ValidationError):
            validate(schema, drifted)


def run(case: Case, registry: dict, world) -> None:
    schema = registry[case.key]
    body = check(case.call(world), schema)
    if body is not None:
        assert_closed(schema["response_body"], body)


# Image API ----------------------------------------------------------------------------------------------------

IMG = "/image/v2"


@pytest.fixture
def img(settings, tmp_path, member, member_client, admin_client, image):
    settings.DATA_DIR = tmp_path
    own = make_image("own", owner=member.default_project, status=Image.Status.QUEUED, visibility="private")
    return SimpleNamespace(client=member_client, admin=admin_client, public=image, own=own)


def _json(client, method, path, body, content_type="application/json"):
    return getattr(client, method)(path, json.dumps(body), content_type=content_type)


def _uploaded(w):
    w.client.put(f"{IMG}/images/{w.own.id}/file", b"\x00" * 512, content_type="application/octet-stream")
    return w.client.get(f"{IMG}/images/{w.own.id}/file")


IMAGE_CASES = [
    Case("versions", ("image-versions", "GET"), lambda w: w.client.get("/image")),
    Case("versions-slash", ("image-versions-root", "GET"), lambda w: w.client.get("/image/")),
    Case("versions-v2", ("image-v2-root", "GET"), lambda w: w.client.get("/image/v2")),
    Case("versions-v2-slash", ("image-v2-root-slash", "GET"), lambda w: w.client.get("/image/v2/")),
    Case("version-list", ("image-version-list", "GET"), lambda w: w.client.get("/image/versions")),
    Case("image-list", ("image-v2-images", "GET"), lambda w: w.client.get(f"{IMG}/images")),
    Case("image-list-paged", ("image-v2-images", "GET"), lambda w: w.client.get(f"{IMG}/images?limit=1")),
    Case("image-create", ("image-v2-images", "POST"),
         lambda w: _json(w.client, "post", f"{IMG}/images", {"name": "new", "disk_format": "qcow2",
                                                               "container_format": "bare", "tags": ["a"]})),
    Case("image-show", ("image-v2-image", "GET"), lambda w: w.client.get(f"{IMG}/images/{w.public.id}")),
    Case("image-show-queued", ("image-v2-image", "GET"), lambda w: w.client.get(f"{IMG}/images/{w.own.id}")),
    Case("image-update", ("image-v2-image", "PATCH"),
         lambda w: _json(w.client, "patch", f"{IMG}/images/{w.own.id}",
                         [{"op": "replace", "path": "/name", "value": "renamed"},
                          {"op": "add", "path": "/os_distro", "value": "cirros"}], JSON_PATCH)),
    Case("image-delete", ("image-v2-image", "DELETE"), lambda w: w.client.delete(f"{IMG}/images/{w.own.id}")),
    Case("image-upload", ("image-v2-image-file", "PUT"),
         lambda w: w.client.put(f"{IMG}/images/{w.own.id}/file", b"\x00" * 512,
                                content_type="application/octet-stream")),
    Case("image-download", ("image-v2-image-file", "GET"), _uploaded),
    Case("image-download-no-data", ("image-v2-image-file", "GET"),
         lambda w: w.client.get(f"{IMG}/images/{w.own.id}/file")),
    Case("tag-add", ("image-v2-image-tag", "PUT"), lambda w: w.client.put(f"{IMG}/images/{w.own.id}/tags/t1")),
    Case("tag-remove", ("image-v2-image-tag", "DELETE"),
         lambda w: (w.client.put(f"{IMG}/images/{w.own.id}/tags/t1"),
                    w.client.delete(f"{IMG}/images/{w.own.id}/tags/t1"))[1]),
    Case("schema-image", ("image-v2-schema-image", "GET"), lambda w: w.client.get(f"{IMG}/schemas/image")),
    Case("schema-images", ("image-v2-schema-images", "GET"), lambda w: w.client.get(f"{IMG}/schemas/images")),
]  # fmt: skip


@pytest.mark.parametrize("case", [case.param("image") for case in IMAGE_CASES])
def test_image_responses(case, img):
    run(case, schemas_image.SCHEMAS, img)


# Networking API -----------------------------------------------------------------------------------------------

NET = "/network/v2.0"


@pytest.fixture
def net(member, member_client, admin_client):
    shared = ipam.ensure_default_network()
    own = make_network(name="mine", project=member.default_project, cidr="10.1.0.0/24")
    port = ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=member.default_project,
                              network_id=str(own.id))  # fmt: skip
    spare = make_network(name="spare", project=member.default_project, cidr="10.2.0.0/24")
    bare = Network.objects.create(name="bare", project=member.default_project)  # no subnet: deletable
    return SimpleNamespace(client=member_client, admin=admin_client, project=member.default_project.id,
                           shared=shared, own=own, port=port, bare=bare, spare_subnet=spare.subnets.get())  # fmt: skip


NETWORK_CASES = [
    Case("versions", ("neutron-versions", "GET"), lambda w: w.client.get("/network/")),
    Case("resources", ("neutron-resources", "GET"), lambda w: w.client.get(f"{NET}/")),
    Case("extensions", ("neutron-extensions", "GET"), lambda w: w.client.get(f"{NET}/extensions")),
    Case("network-list", ("neutron-network-list", "GET"), lambda w: w.client.get(f"{NET}/networks")),
    Case("network-list-admin", ("neutron-network-list", "GET"), lambda w: w.admin.get(f"{NET}/networks")),
    Case("network-create", ("neutron-network-list", "POST"),
         lambda w: w.client.post(f"{NET}/networks", {"network": {"name": "lab", "mtu": 1450}}, format="json")),
    Case("network-show", ("neutron-network", "GET"), lambda w: w.client.get(f"{NET}/networks/{w.own.id}")),
    Case("network-show-shared", ("neutron-network", "GET"), lambda w: w.client.get(f"{NET}/networks/{w.shared.id}")),
    Case("network-delete", ("neutron-network", "DELETE"), lambda w: w.client.delete(f"{NET}/networks/{w.bare.id}")),
    Case("subnet-list", ("neutron-subnet-list", "GET"), lambda w: w.client.get(f"{NET}/subnets")),
    Case("subnet-create", ("neutron-subnet-list", "POST"),
         lambda w: w.client.post(f"{NET}/subnets", {"subnet": {"network_id": str(w.own.id), "cidr": "10.1.1.0/24",
                                                               "ip_version": 4, "name": "more"}}, format="json")),
    Case("subnet-show", ("neutron-subnet", "GET"),
         lambda w: w.client.get(f"{NET}/subnets/{w.own.subnets.first().id}")),
    Case("subnet-delete", ("neutron-subnet", "DELETE"),
         lambda w: w.client.delete(f"{NET}/subnets/{w.spare_subnet.id}")),
    Case("port-list", ("neutron-port-list", "GET"), lambda w: w.client.get(f"{NET}/ports")),
    Case("port-show", ("neutron-port", "GET"), lambda w: w.client.get(f"{NET}/ports/{w.port.id}")),
    Case("quota-show", ("neutron-quota", "GET"), lambda w: w.client.get(f"{NET}/quotas/{w.project}")),
    Case("quota-details", ("neutron-quota-details", "GET"),
         lambda w: w.client.get(f"{NET}/quotas/{w.project}/details.json")),
    Case("quota-details-no-suffix", ("neutron-quota-details", "GET"),
         lambda w: w.client.get(f"{NET}/quotas/{w.project}/details")),
]  # fmt: skip


@pytest.mark.parametrize("case", [case.param("network") for case in NETWORK_CASES])
def test_network_responses(case, net):
    run(case, schemas_network.SCHEMAS, net)


def test_no_extension_exists_so_showing_one_is_404(member_client):
    """``GET /v2.0/extensions/{alias}`` has a schema (Neutron's 200) that no cloudcore response can reach:
    the extension list is empty, and an unknown alias is Neutron's 404."""
    assert member_client.get(f"{NET}/extensions").json() == {"extensions": []}
    assert member_client.get(f"{NET}/extensions/quotas").status_code == 404


# Identity API -------------------------------------------------------------------------------------------------

V3 = "/identity/v3"


def _issue(client, user, scoped=True):
    identity = {"methods": ["password"], "password": {"user": {"name": user.username, "domain": {"id": "default"},
                                                               "password": "secret"}}}  # fmt: skip
    auth = {"identity": identity}
    if scoped:
        auth["scope"] = {"project": {"id": user.default_project_id}}
    return _json(client, "post", f"{V3}/auth/tokens", {"auth": auth})


@pytest.fixture
def ident(client, member, admin_user, member_client, admin_client):
    token = _issue(client, member).headers["X-Subject-Token"]
    spare = make_project("spare")
    other = make_user(make_project("other"))
    return SimpleNamespace(anon=client, client=member_client, admin=admin_client, member=member, token=token,
                           spare=spare, other=other, project=member.default_project)  # fmt: skip


def _new_role(w) -> str:
    return _json(w.admin, "post", f"{V3}/roles", {"role": {"name": "gone"}}).json()["role"]["id"]


def _grant_path(w, role="reader"):
    return f"{V3}/projects/{w.project.id}/users/{w.other.id}/roles/{Role.named(role).id}"


IDENTITY_CASES = [
    Case("versions", ("identity-versions", "GET"), lambda w: w.anon.get("/identity/")),
    Case("version", ("identity-version", "GET"), lambda w: w.anon.get(f"{V3}/")),
    Case("token-issue-scoped", ("identity-tokens", "POST"), lambda w: _issue(w.anon, w.member)),
    Case("token-issue-unscoped", ("identity-tokens", "POST"), lambda w: _issue(w.anon, w.member, scoped=False)),
    Case("token-validate", ("identity-tokens", "GET"),
         lambda w: w.client.get(f"{V3}/auth/tokens", HTTP_X_SUBJECT_TOKEN=w.token)),
    Case("token-validate-nocatalog", ("identity-tokens", "GET"),
         lambda w: w.client.get(f"{V3}/auth/tokens?nocatalog", HTTP_X_SUBJECT_TOKEN=w.token)),
    Case("token-check", ("identity-tokens", "HEAD"),
         lambda w: w.client.head(f"{V3}/auth/tokens", HTTP_X_SUBJECT_TOKEN=w.token)),
    Case("token-revoke", ("identity-tokens", "DELETE"),
         lambda w: w.client.delete(f"{V3}/auth/tokens", HTTP_X_SUBJECT_TOKEN=w.token)),
    Case("catalog", ("identity-catalog", "GET"), lambda w: w.client.get(f"{V3}/auth/catalog")),
    Case("auth-projects", ("identity-auth-projects", "GET"), lambda w: w.client.get(f"{V3}/auth/projects")),
    Case("domain-list", ("identity-domains", "GET"), lambda w: w.client.get(f"{V3}/domains")),
    Case("domain-list-filtered", ("identity-domains", "GET"), lambda w: w.client.get(f"{V3}/domains?name=nope")),
    Case("domain-show", ("identity-domain", "GET"), lambda w: w.client.get(f"{V3}/domains/default")),
    Case("project-list", ("identity-projects", "GET"), lambda w: w.admin.get(f"{V3}/projects")),
    Case("project-create", ("identity-projects", "POST"),
         lambda w: _json(w.admin, "post", f"{V3}/projects", {"project": {"name": "new", "description": "d"}})),
    Case("project-show", ("identity-project", "GET"), lambda w: w.client.get(f"{V3}/projects/{w.project.id}")),
    Case("project-update", ("identity-project", "PATCH"),
         lambda w: _json(w.admin, "patch", f"{V3}/projects/{w.spare.id}", {"project": {"enabled": False}})),
    Case("project-delete", ("identity-project", "DELETE"), lambda w: w.admin.delete(f"{V3}/projects/{w.spare.id}")),
    Case("user-list", ("identity-users", "GET"), lambda w: w.admin.get(f"{V3}/users")),
    Case("user-create", ("identity-users", "POST"),
         lambda w: _json(w.admin, "post", f"{V3}/users", {"user": {"name": "new", "password": "pw", "email": "n@x.org",
                                                                   "default_project_id": w.spare.id}})),
    Case("user-create-no-default-project", ("identity-users", "POST"),
         lambda w: _json(w.admin, "post", f"{V3}/users", {"user": {"name": "bare", "email": "b@x.org"}})),
    Case("user-create-no-email", ("identity-users", "POST"),
         lambda w: _json(w.admin, "post", f"{V3}/users", {"user": {"name": "plain", "email": None}})),
    Case("user-show", ("identity-user", "GET"), lambda w: w.client.get(f"{V3}/users/{w.member.id}")),
    Case("user-update", ("identity-user", "PATCH"),
         lambda w: _json(w.admin, "patch", f"{V3}/users/{w.other.id}", {"user": {"enabled": False}})),
    Case("user-update-unset", ("identity-user", "PATCH"),
         lambda w: _json(w.admin, "patch", f"{V3}/users/{w.other.id}",
                         {"user": {"email": None, "default_project_id": None}})),
    Case("user-delete", ("identity-user", "DELETE"), lambda w: w.admin.delete(f"{V3}/users/{w.other.id}")),
    Case("user-projects", ("identity-user-projects", "GET"),
         lambda w: w.client.get(f"{V3}/users/{w.member.id}/projects")),
    Case("role-list", ("identity-roles", "GET"), lambda w: w.admin.get(f"{V3}/roles")),
    Case("role-create", ("identity-roles", "POST"),
         lambda w: _json(w.admin, "post", f"{V3}/roles", {"role": {"name": "auditor", "description": "reads"}})),
    Case("role-show", ("identity-role", "GET"),
         lambda w: w.admin.get(f"{V3}/roles/{Role.named('reader').id}")),
    Case("role-delete", ("identity-role", "DELETE"), lambda w: w.admin.delete(f"{V3}/roles/{_new_role(w)}")),
    Case("project-user-roles", ("identity-project-user-roles", "GET"),
         lambda w: w.client.get(f"{V3}/projects/{w.project.id}/users/{w.member.id}/roles")),
    Case("grant", ("identity-project-user-role", "PUT"), lambda w: w.admin.put(_grant_path(w))),
    Case("grant-check", ("identity-project-user-role", "GET"),
         lambda w: (w.admin.put(_grant_path(w)), w.admin.get(_grant_path(w)))[1]),
    Case("grant-check-head", ("identity-project-user-role", "HEAD"),
         lambda w: (w.admin.put(_grant_path(w)), w.admin.head(_grant_path(w)))[1]),
    Case("revoke", ("identity-project-user-role", "DELETE"),
         lambda w: (w.admin.put(_grant_path(w)), w.admin.delete(_grant_path(w)))[1]),
    Case("role-assignments", ("identity-role-assignments", "GET"), lambda w: w.admin.get(f"{V3}/role_assignments")),
    Case("role-assignments-names", ("identity-role-assignments", "GET"),
         lambda w: w.admin.get(f"{V3}/role_assignments?include_names&user.id={w.member.id}")),
]  # fmt: skip


@pytest.mark.parametrize("case", [case.param("identity") for case in IDENTITY_CASES])
def test_identity_responses(case, ident):
    run(case, schemas_identity.SCHEMAS, ident)


# -- 3. the schemas have teeth ---------------------------------------------------------------------------------


def _drifts(schema: dict, body: dict, envelope: str, wrong: dict):
    """Bodies that must fail: each required field of the resource removed, and each field of ``wrong`` changed."""
    resource = body[envelope]
    for field in schema["properties"][envelope]["required"]:
        yield f"without {field}", {envelope: {k: v for k, v in resource.items() if k != field}}
    for field, value in wrong.items():
        yield f"{field}={value!r}", {envelope: {**resource, field: value}}
    yield "an unexpected field", {envelope: {**resource, UNEXPECTED: 1}}
    yield "an unexpected envelope field", {**body, UNEXPECTED: "x"}


def assert_teeth(schema: dict, body: dict, envelope: str, wrong: dict) -> None:
    validate(schema, body)
    for what, drifted in _drifts(schema, body, envelope, wrong):
        with pytest.raises(jsonschema.ValidationError):
            validate(schema, drifted)
            pytest.fail(f"a body with {what} validated")


def test_the_image_schema_has_teeth(img):
    schema = schemas_image.SCHEMAS["image-v2-image", "GET"]["response_body"]
    body = {"image": img.client.get(f"{IMG}/images/{img.public.id}").json()}
    envelope = {"type": "object", "properties": {"image": schema}, "required": ["image"],
                "additionalProperties": False}  # fmt: skip
    assert_teeth(envelope, body, "image", {"size": "512", "status": "ready", "tags": "a,b", "protected": "no",
                                           "id": "not-a-uuid", "created_at": "yesterday", "kernel_id": 7})  # fmt: skip
    validate(envelope, {"image": {**body["image"], "hw_disk_bus": "scsi"}})  # a custom property: a string
    for value in (1, None, ["scsi"], {"bus": "scsi"}):
        with pytest.raises(jsonschema.ValidationError):
            validate(envelope, {"image": {**body["image"], "hw_disk_bus": value}})


def test_the_network_schemas_have_teeth(net):
    port = schemas_network.SCHEMAS["neutron-port", "GET"]["response_body"]
    body = net.client.get(f"{NET}/ports/{net.port.id}").json()
    assert_teeth(port, body, "port", {"status": "UP", "mac_address": "fa:16:3e", "fixed_ips": [{"ip_address": "x"}],
                                      "admin_state_up": "true", "binding:vnic_type": "fast"})  # fmt: skip
    network = schemas_network.SCHEMAS["neutron-network", "GET"]["response_body"]
    body = net.client.get(f"{NET}/networks/{net.own.id}").json()
    assert_teeth(network, body, "network", {"mtu": "1500", "subnets": ["x"], "shared": None, "status": "UP"})


def test_the_identity_schemas_have_teeth(ident):
    role = schemas_identity.SCHEMAS["identity-role", "GET"]["response_body"]
    body = ident.admin.get(f"{V3}/roles/{Role.named('reader').id}").json()
    assert_teeth(role, body, "role", {"options": {"immutable": "yes"}, "links": {"self": 1}, "enabled": True})
    token = schemas_identity.SCHEMAS["identity-tokens", "POST"]["response_body"]
    body = _issue(ident.anon, ident.member).json()
    assert_teeth(token, body, "token", {"audit_ids": [], "methods": "password", "expires_at": "soon"})
    scoped_without_catalog = {"token": {k: v for k, v in body["token"].items() if k != "catalog"}}
    with pytest.raises(jsonschema.ValidationError):
        validate(token, scoped_without_catalog)
