"""The OpenAPI 3.1 schema at /api/schema/ (drf-spectacular, bodies from cloudcore/openapi_bodies): valid,
complete (every URL pattern and method of the APIs, with bodies), and true (real responses validate
against it)."""

import re

import jsonschema
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from rest_framework.test import APIClient

from apps.network import ipam
from cloudcore.openapi_bodies.table import OPERATIONS
from tests.fixtures.factories import client_for, make_node, make_server, make_user

pytestmark = pytest.mark.django_db

API_TAGS = {"compute", "identity", "image", "network"}
METHODS = {"get", "put", "post", "delete", "patch"}
# PUTs whose resource is all in the URL, as in the APIs they copy: no body.
BODILESS_PUTS = {
    "/v2.1/servers/{server_id}/tags/{tag}",
    "/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
    "/image/v2/images/{image_id}/tags/{tag}",
}
ALWAYS_404 = {
    ("/network/v2.0/extensions/{alias}", "get"),  # this cloud has no Neutron extensions
    # nor block storage: no volume is ever attached, only the (empty) list answers 200
    ("/v2.1/servers/{server_id}/os-volume_attachments", "post"),
    *(("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", m) for m in ("get", "put", "delete")),
}
ERROR_BODIES = {"compute": "NovaError", "image": "NovaError", "identity": "KeystoneError", "network": "NeutronError"}


@pytest.fixture(scope="module")
def doc() -> dict:
    """The schema as ``manage.py spectacular`` generates it."""
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def check(doc: dict, schema: dict, instance) -> None:
    """Validate ``instance`` against a schema of ``doc`` (its ``#/components/...`` references resolve)."""
    validator = Draft202012Validator(
        {**schema, "components": doc["components"]}, format_checker=jsonschema.FormatChecker()
    )
    validator.validate(instance)


def response_schema(doc: dict, path: str, method: str, status: int, media_type: str = "application/json") -> dict:
    return doc["paths"][path][method]["responses"][str(status)]["content"][media_type]["schema"]


def request_schema(doc: dict, path: str, method: str) -> dict:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def conforms(doc: dict, path: str, method: str, response, request_body=None) -> dict:
    """The response (and the request body sent) against the operation's schemas; returns the body."""
    if request_body is not None:
        check(doc, request_schema(doc, path, method), request_body)
    body = response.json()
    check(doc, response_schema(doc, path, method, response.status_code), body)
    return body


def references(node):
    """Every ``$ref`` in a document."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def api_patterns(patterns=None):
    """Every URL pattern of the APIs (their views are the classes of ``apps``)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "cls", type).__module__.startswith("apps."):
            yield pattern


# -- the document -----------------------------------------------------------------------------


def test_the_endpoint_serves_a_valid_openapi_document(doc):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200, response.content
    served = response.json()
    assert served["openapi"].startswith("3.1")
    validate_openapi(served)
    assert set(served["paths"]) == set(doc["paths"])
    assert {tag["name"] for tag in served["tags"]} == API_TAGS


def test_swagger_ui():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content and b"/api/schema/" in response.content


def test_only_the_apis_are_described(doc):
    assert all(
        path in ("/", "/v2/") or re.match(r"^/(v2\.1|identity|image|network)(/|$)", path) for path in doc["paths"]
    )
    assert {tag for _, _, operation in operations(doc) for tag in operation["tags"]} == API_TAGS


def test_components_are_json_schemas_and_every_reference_resolves(doc):
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    refs = set(references(doc))
    assert len(refs) > 40
    for ref in refs:
        kind, name = re.fullmatch(r"#/components/(\w+)/([\w.-]+)", ref).groups()
        assert name in doc["components"][kind], ref
    assert set(doc["components"]["securitySchemes"]) >= {"keystoneToken", "basicAuth"}
    assert doc["components"]["securitySchemes"]["keystoneToken"]["name"] == "X-Auth-Token"


def test_every_url_pattern_and_method_is_documented(doc):
    documented = {}
    for path, method, _ in operations(doc):
        match = resolve(re.sub(r"\{\w+\}", "x1", path))
        documented.setdefault(match.func, set()).add(method)
    for pattern in api_patterns():
        methods = {m.lower() for m in pattern.callback.cls().allowed_methods} - {"head", "options"}
        assert methods, pattern
        assert documented.get(pattern.callback) == methods, (pattern, documented.get(pattern.callback), methods)
    assert len(list(api_patterns())) == len(documented)


def test_the_table_matches_the_operations(doc):
    served = {(path, method.upper()) for path, method, _ in operations(doc)}
    assert served == set(OPERATIONS)
    ids = [operation["operationId"] for _, _, operation in operations(doc)]
    assert len(ids) == len(set(ids))


def test_every_operation_has_bodies_parameters_and_errors(doc):
    for path, method, operation in operations(doc):
        where = f"{method.upper()} {path}"
        assert operation["summary"] and len(operation["tags"]) == 1, where
        responses = operation["responses"]
        success = {int(s): r for s, r in responses.items() if s.startswith("2") or s == "300"}
        if (path, method) in ALWAYS_404:
            assert not success and "404" in responses
        else:
            assert success, where
        for status, response in success.items():
            for media_type, content in response.get("content", {}).items():
                assert content["schema"], (where, status, media_type)
        if success and not any("content" in r for r in success.values()):
            assert method == "delete" or set(success) <= {201, 202, 204}, f"{where}: no body"
        if method in ("post", "put", "patch") and path not in BODILESS_PUTS:
            body = operation.get("requestBody")
            assert body and body["required"] and all(c["schema"] for c in body["content"].values()), where
        error = ERROR_BODIES[operation["tags"][0]]
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{error}"}
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), where
        if operation.get("security") and {} not in operation["security"]:
            assert "401" in responses, where


def test_list_filters_are_parameters(doc):
    def names(path):
        return {p.get("name") for p in doc["paths"][path]["get"].get("parameters", [])}

    assert {"limit", "marker", "sort_key", "sort_dir", "name", "status", "all_tenants", "changes-since"} <= names(
        "/v2.1/servers/detail"
    )
    assert {"limit", "marker", "visibility", "tag", "sort"} <= names("/image/v2/images")
    assert {"name", "shared", "fields"} <= names("/network/v2.0/networks")
    assert {"user.id", "scope.project.id"} <= names("/identity/v3/role_assignments")


def test_request_examples_match_their_schemas(doc):
    examples = 0
    for _, _, operation in operations(doc):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            schema = content["schema"]
            if "$ref" in schema:
                schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            for example in schema.get("examples", []):
                check(doc, schema, example)
                examples += 1
    assert examples >= 10


# -- real responses against it ----------------------------------------------------------------


@pytest.fixture
def server(member, flavor, image):
    ipam.ensure_default_network()
    instance = make_server(member, flavor, image, metadata={"role": "web"}, tags=["t"], key_name=None)
    ipam.allocate_port(instance_uuid=str(instance.uuid), project=member.default_project)
    return instance


@pytest.mark.parametrize("version", ["2.1", "2.26", "2.47"])
def test_server_show_matches_the_schema(doc, member_client, admin_client, server, version):
    header = {"HTTP_OPENSTACK_API_VERSION": f"compute {version}"}
    path = "/v2.1/servers/{server_id}"
    body = conforms(doc, path, "get", member_client.get(f"/v2.1/servers/{server.uuid}", **header))
    assert body["server"]["addresses"]["public"][0]["OS-EXT-IPS:type"] == "fixed"
    conforms(doc, path, "get", admin_client.get(f"/v2.1/servers/{server.uuid}", **header))
    conforms(doc, "/v2.1/servers/detail", "get", member_client.get("/v2.1/servers/detail", **header))
    conforms(doc, "/v2.1/servers", "get", member_client.get("/v2.1/servers?limit=1", **header))


def test_server_extras_match_the_schema(doc, member_client, server):
    base = f"/v2.1/servers/{server.uuid}"
    update = {"server": {"name": "renamed", "description": "d"}}
    header = {"HTTP_OPENSTACK_API_VERSION": "compute 2.19"}
    response = member_client.put(base, update, format="json", **header)
    conforms(doc, "/v2.1/servers/{server_id}", "put", response, update)
    conforms(doc, "/v2.1/servers/{server_id}/metadata", "get", member_client.get(f"{base}/metadata"))
    meta = {"meta": {"role": "db"}}
    response = member_client.put(f"{base}/metadata/role", meta, format="json")
    conforms(doc, "/v2.1/servers/{server_id}/metadata/{key}", "put", response, meta)
    tags = {"tags": ["a", "b"]}
    conforms(doc, "/v2.1/servers/{server_id}/tags", "put", member_client.put(f"{base}/tags", tags, format="json"), tags)
    conforms(doc, "/v2.1/servers/{server_id}/ips", "get", member_client.get(f"{base}/ips"))
    conforms(doc, "/v2.1/servers/{server_id}/ips/{network}", "get", member_client.get(f"{base}/ips/public"))
    actions = "/v2.1/servers/{server_id}/os-instance-actions"
    conforms(doc, actions, "get", member_client.get(f"{base}/os-instance-actions"))
    missing = member_client.get("/v2.1/servers/00000000-0000-0000-0000-000000000000")
    check(doc, response_schema(doc, "/v2.1/servers/{server_id}", "get", 404), missing.json())


def test_server_create_matches_the_schema(doc, member_client, flavor, image, casts):
    ipam.ensure_default_network()
    request = {"server": {"name": "vm1", "flavorRef": flavor.flavorid, "imageRef": str(image.id), "networks": "auto"}}
    response = member_client.post("/v2.1/servers", request, format="json")
    assert response.status_code == 202, response.content
    conforms(doc, "/v2.1/servers", "post", response, request)


def test_compute_resources_match_the_schema(doc, member_client, admin_client, member, flavor):
    conforms(doc, "/v2.1/flavors/detail", "get", member_client.get("/v2.1/flavors/detail"))
    conforms(doc, "/v2.1/flavors/{flavor_id}", "get", member_client.get(f"/v2.1/flavors/{flavor.flavorid}"))
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdOFIEGQgD+PeQB3ziu7htgZQfCnwlJ8KfxZjf+CJ2t"
    keypair = {"keypair": {"name": "k", "public_key": key}}  # the document shows 2.92's body: a key is required
    conforms(doc, "/v2.1/os-keypairs", "post", member_client.post("/v2.1/os-keypairs", keypair, format="json"), keypair)
    conforms(doc, "/v2.1/os-keypairs", "get", member_client.get("/v2.1/os-keypairs"))
    conforms(doc, "/v2.1/os-keypairs/{name}", "get", member_client.get("/v2.1/os-keypairs/k"))
    conforms(doc, "/v2.1/limits", "get", member_client.get("/v2.1/limits"))
    project = member.default_project_id
    conforms(doc, "/v2.1/os-quota-sets/{project_id}", "get", member_client.get(f"/v2.1/os-quota-sets/{project}"))
    detail = member_client.get(f"/v2.1/os-quota-sets/{project}/detail", HTTP_OPENSTACK_API_VERSION="compute 2.36")
    conforms(doc, "/v2.1/os-quota-sets/{project_id}/detail", "get", detail)
    group = {"server_group": {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}}
    response = member_client.post("/v2.1/os-server-groups", group, format="json")
    conforms(doc, "/v2.1/os-server-groups", "post", response, group)


def test_host_resources_match_the_schema(doc, admin_client):
    make_node("node1")
    conforms(doc, "/v2.1/os-services", "get", admin_client.get("/v2.1/os-services"))
    hypervisors = "/v2.1/os-hypervisors/detail"
    conforms(doc, hypervisors, "get", admin_client.get(f"{hypervisors}?with_servers=true"))
    statistics = "/v2.1/os-hypervisors/statistics"
    conforms(doc, statistics, "get", admin_client.get(statistics))
    aggregate = {"aggregate": {"name": "fast", "availability_zone": "zone-a"}}
    response = admin_client.post("/v2.1/os-aggregates", aggregate, format="json")
    body = conforms(doc, "/v2.1/os-aggregates", "post", response, aggregate)
    action = {"add_host": {"host": "node1"}}
    response = admin_client.post(f"/v2.1/os-aggregates/{body['aggregate']['id']}/action", action, format="json")
    conforms(doc, "/v2.1/os-aggregates/{aggregate_id}/action", "post", response, action)
    zones = "/v2.1/os-availability-zone/detail"
    conforms(doc, zones, "get", admin_client.get(zones))


def test_identity_matches_the_schema(doc, admin_client):
    user = make_user(username="alice")
    password = {"user": {"name": "alice", "domain": {"name": "Default"}, "password": "secret"}}
    identity = {"methods": ["password"], "password": password}
    auth = {"auth": {"identity": identity, "scope": {"project": {"id": user.default_project_id}}}}
    response = APIClient().post("/identity/v3/auth/tokens", auth, format="json")
    assert response.status_code == 201, response.content
    conforms(doc, "/identity/v3/auth/tokens", "post", response, auth)
    project = {"project": {"name": "p2", "description": "d"}}
    response = admin_client.post("/identity/v3/projects", project, format="json")
    conforms(doc, "/identity/v3/projects", "post", response, project)
    conforms(doc, "/identity/v3/users", "get", admin_client.get("/identity/v3/users"))
    conforms(doc, "/identity/v3/roles", "get", admin_client.get("/identity/v3/roles"))
    assignments = "/identity/v3/role_assignments"
    conforms(doc, assignments, "get", admin_client.get(f"{assignments}?include_names"))
    conforms(doc, "/identity/", "get", APIClient().get("/identity/"))
    missing = admin_client.get("/identity/v3/users/nobody")
    check(doc, response_schema(doc, "/identity/v3/users/{user_id}", "get", 404), missing.json())


def test_images_match_the_schema(doc, member, image):
    client = client_for(member)
    create = {"name": "mine", "disk_format": "raw", "container_format": "bare", "os_distro": "cirros"}
    body = conforms(doc, "/image/v2/images", "post", client.post("/image/v2/images", create, format="json"), create)
    patch = [{"op": "replace", "path": "/name", "value": "renamed"}]
    response = client.patch(f"/image/v2/images/{body['id']}", patch, format="json")
    conforms(doc, "/image/v2/images/{image_id}", "patch", response, patch)
    conforms(doc, "/image/v2/images", "get", client.get("/image/v2/images"))
    conforms(doc, "/image/v2/images/{image_id}", "get", client.get(f"/image/v2/images/{image.id}"))
    conforms(doc, "/image/v2", "get", APIClient().get("/image/v2"))


def test_network_matches_the_schema(doc, member_client, admin_client, server, member):
    conforms(doc, "/network/v2.0/networks", "get", member_client.get("/network/v2.0/networks"))
    conforms(doc, "/network/v2.0/subnets", "get", member_client.get("/network/v2.0/subnets"))
    conforms(doc, "/network/v2.0/ports", "get", member_client.get("/network/v2.0/ports"))
    network = {"network": {"name": "private"}}
    body = conforms(doc, "/network/v2.0/networks", "post", member_client.post("/network/v2.0/networks", network,
                                                                              format="json"), network)  # fmt: skip
    subnet = {"subnet": {"network_id": body["network"]["id"], "cidr": "192.168.0.0/24"}}
    response = member_client.post("/network/v2.0/subnets", subnet, format="json")
    conforms(doc, "/network/v2.0/subnets", "post", response, subnet)
    project = member.default_project_id
    details = "/network/v2.0/quotas/{project_id}/details"
    conforms(doc, details, "get", member_client.get(f"/network/v2.0/quotas/{project}/details"))
    missing = member_client.get("/network/v2.0/networks/nope")
    check(doc, response_schema(doc, "/network/v2.0/networks/{network_id}", "get", 404), missing.json())
    # Every member the schema lists is in a real network (the schema has no "required": ?fields= drops members).
    shown = member_client.get("/network/v2.0/networks").json()["networks"][0]
    assert set(shown) == set(doc["components"]["schemas"]["Network"]["properties"])


def template_of(doc: dict, url: str) -> str:
    """The schema path a URL is served under (literal segments win over parameters)."""
    path = url.split("?")[0]
    matches = [t for t in doc["paths"] if re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(t)), path)]
    assert matches, url
    return min(matches, key=lambda t: t.count("{"))


class Invalid(dict):
    """A request body that is wrong on purpose (not checked against the schema)."""


def documented(doc: dict, client, method: str, url: str, data=None, **headers):
    """Send a request; its status must be documented, and its body must match the documented one."""
    template = template_of(doc, url)
    operation = doc["paths"][template][method]
    if data is not None and not isinstance(data, Invalid):
        check(doc, operation["requestBody"]["content"]["application/json"]["schema"], data)
    send = getattr(client, method)
    response = send(url, data, format="json", **headers) if data is not None else send(url, **headers)
    described = operation["responses"].get(str(response.status_code))
    assert described, f"{method.upper()} {url}: {response.status_code} is not documented ({response.content[:200]})"
    if "content" in described:
        check(doc, described["content"]["application/json"]["schema"], response.json())
    else:
        assert not response.content, f"{method.upper()} {url}: a body where none is documented"
    return response


def test_a_tour_of_the_apis_matches_the_schema(doc, admin_client, member_client, server, member, admin_user, flavor):
    manager = client_for(make_user(project=member.default_project, role="manager"))
    project, user = member.default_project_id, member.id
    server_url = f"/v2.1/servers/{server.uuid}"
    tagger = client_for(member, "compute 2.26")  # tags arrived with 2.26
    assert tagger.put(f"{server_url}/tags/x").status_code == 201
    request_id = member_client.post(f"{server_url}/action", {"lock": None}, format="json")["x-openstack-request-id"]
    for client, method, url, data, status in [
        (APIClient(), "get", "/", None, 200),
        (APIClient(), "get", "/v2.1/", None, 200),
        (member_client, "get", "/v2.1/flavors", None, 200),
        (admin_client, "post", "/v2.1/flavors", {"flavor": {"name": "big", "ram": 4096, "vcpus": 2, "disk": 40}}, 200),
        (
            admin_client,
            "post",
            f"/v2.1/flavors/{flavor.flavorid}/os-extra_specs",
            {"extra_specs": {"hw:cpu": "2"}},
            200,
        ),
        (member_client, "get", f"/v2.1/flavors/{flavor.flavorid}/os-extra_specs", None, 200),
        (member_client, "get", f"/v2.1/flavors/{flavor.flavorid}/os-extra_specs/hw:cpu", None, 200),
        (admin_client, "put", f"/v2.1/flavors/{flavor.flavorid}/os-extra_specs/hw:cpu", {"hw:cpu": "4"}, 200),
        (admin_client, "delete", f"/v2.1/flavors/{flavor.flavorid}/os-extra_specs/hw:cpu", None, 200),
        (member_client, "get", "/v2.1/images", None, 200),
        (member_client, "get", "/v2.1/images/detail", None, 200),
        (member_client, "get", f"/v2.1/images/{server.image_ref}", None, 200),
        (tagger, "get", f"{server_url}/tags/x", None, 204),
        (member_client, "post", f"{server_url}/metadata", {"metadata": {"k": "v"}}, 200),
        (member_client, "get", f"{server_url}/metadata/k", None, 200),
        (member_client, "delete", f"{server_url}/metadata/k", None, 204),
        (client_for(member, "compute 2.23"), "get", f"{server_url}/migrations", None, 200),
        (member_client, "get", f"{server_url}/os-instance-actions/{request_id}", None, 200),
        (manager, "get", "/v2.1/os-migrations", None, 200),
        (member_client, "get", "/v2.1/os-server-groups", None, 200),
        (admin_client, "put", f"/v2.1/os-quota-sets/{project}", {"quota_set": {"instances": 20, "force": True}}, 200),
        (member_client, "get", f"/v2.1/os-quota-sets/{project}/defaults", None, 200),
        (member_client, "get", f"/v2.1/os-quota-sets/{admin_user.default_project_id}", None, 403),
        (admin_client, "get", "/v2.1/os-hypervisors?with_servers=true", None, 200),
        (admin_client, "get", "/v2.1/os-availability-zone", None, 200),
        (member_client, "get", "/v2.1/os-services", None, 403),
        (member_client, "get", "/identity/v3/auth/catalog", None, 200),
        (member_client, "get", "/identity/v3/auth/projects", None, 200),
        (member_client, "get", "/identity/v3/domains", None, 200),
        (member_client, "get", "/identity/v3/domains/default", None, 200),
        (member_client, "get", f"/identity/v3/projects/{project}", None, 200),
        (admin_client, "patch", f"/identity/v3/users/{user}", {"user": {"email": "m@example.com"}}, 200),
        (member_client, "get", f"/identity/v3/users/{user}/projects", None, 200),
        (member_client, "get", f"/identity/v3/projects/{project}/users/{user}/roles", None, 200),
        (admin_client, "post", "/identity/v3/roles", {"role": {"name": "auditor"}}, 201),
        (APIClient(), "get", "/identity/v3/", None, 200),
        (APIClient(), "get", "/image/versions", None, 200),
        (member_client, "get", "/image/v2/schemas/image", None, 200),
        (member_client, "get", "/image/v2/schemas/images", None, 200),
        (member_client, "put", f"/image/v2/images/{server.image_ref}/tags/t", None, 403),
        (member_client, "get", f"/image/v2/images/{server.image_ref}/file", None, 204),
        (APIClient(), "get", "/network/", None, 200),
        (APIClient(), "get", "/network/v2.0/", None, 200),
        (member_client, "get", "/network/v2.0/extensions", None, 200),
        (member_client, "get", "/network/v2.0/extensions/router", None, 404),
        (member_client, "get", f"/network/v2.0/quotas/{project}", None, 200),
        (member_client, "get", "/network/v2.0/networks?fields=id&fields=name", None, 200),
        (admin_client, "post", "/network/v2.0/networks", {"network": {"name": "n", "shared": True}}, 201),
        (member_client, "post", "/network/v2.0/networks", {"network": {"name": "n", "shared": True}}, 403),
        (APIClient(), "get", "/v2.1/servers", None, 401),
        (member_client, "post", "/v2.1/servers", Invalid({"server": {"name": "vm"}}), 400),
        (member_client, "post", f"{server_url}/action", {"os-start": None}, 409),
        (member_client, "get", "/v2.1/servers?status=nonsense&limit=x", None, 400),
    ]:
        response = documented(doc, client, method, url, data)
        assert response.status_code == status, (method, url, response.status_code, response.content[:300])
