"""The response oracle itself: it covers every route the APIs serve, it is on for every test, and it
fails a response with an extra field, a missing field or a wrong status."""

import pytest
from django.http import JsonResponse
from django.urls import URLPattern, URLResolver, get_resolver

from tests.contract import compute_routes
from tests.fixtures import oracle

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def served(prefix: str):
    """(url name, METHOD, kwargs of a sample path) of every route under ``prefix`` and method its view serves."""

    def walk(patterns, route=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield route + str(pattern.pattern), pattern

    for route, pattern in walk(get_resolver().url_patterns):
        if not route.startswith(prefix):
            continue
        view = getattr(pattern.callback, "view_class", None)
        allowed = getattr(view, "http_method_names", METHODS)
        for method in METHODS:
            if view is not None and hasattr(view, method) and method in allowed:
                yield pattern.name or route, method.upper()


def test_every_compute_route_and_method_has_a_schema():
    missing = []
    for name, method in served("^v2"):
        if (name, method) == ("server-action", "POST"):
            from apps.compute.api.server_action import ACTIONS

            missing += [f"action {key}" for key in ACTIONS if key not in compute_routes.SERVER_ACTIONS]
        elif (name, method) == ("aggregate-action", "POST"):
            missing += [f"aggregate action {key}" for key in ("add_host", "remove_host", "set_metadata")
                        if key not in compute_routes.AGGREGATE_ACTIONS]  # fmt: skip
        elif (name, method) == ("flavor-action", "POST"):
            from apps.compute.api.schemas.flavors import ACCESS_ACTIONS

            missing += [f"flavor action {key}" for key in ACCESS_ACTIONS if key not in compute_routes.FLAVOR_ACTIONS]
        elif compute_routes.call_for(name, method, {}, None) is None:
            missing.append(f"{method} {name}")
    assert compute_routes.call_for("versions", "GET", {}, None) is not None  # the root is compute's
    assert missing == []


@pytest.mark.parametrize(("prefix", "api"), [("^image", "image"), ("^network", "network"), ("^identity", "identity")])
def test_every_image_network_and_identity_route_has_a_closed_schema(prefix, api):
    missing = [f"{method} {name}" for name, method in served(prefix) if (api, name, method) not in oracle.OWN_SCHEMAS]
    assert missing == []
    for (schema_api, _name, _method), schema in oracle.OWN_SCHEMAS.items():
        if schema_api == api and "response_body" in schema:
            assert _closed(schema["response_body"]), (_name, _method)


def _closed(schema) -> bool:
    """Every object in the schema forbids properties it does not name (or types them all)."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema and schema.get("additionalProperties") is True:
            return False
        return all(_closed(value) for value in schema.values())
    if isinstance(schema, list):
        return all(_closed(item) for item in schema)
    return True


def test_the_oracle_is_on_for_every_test(request):
    assert "response_oracle" in request.fixturenames


# A flavor as Nova shows it at 2.1.
FLAVOR = {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "links": [],
          "OS-FLV-EXT-DATA:ephemeral": 0, "swap": "", "rxtx_factor": 1.0, "os-flavor-access:is_public": True,
          "OS-FLV-DISABLED:disabled": False}  # fmt: skip


def respond(status: int, flavor: dict):
    response = JsonResponse({"flavor": flavor}, status=status)
    response["OpenStack-API-Version"] = "compute 2.1"
    return response


@pytest.mark.parametrize(
    ("status", "flavor", "found"),
    [
        (200, {**FLAVOR, "unexpected": 1}, "Additional properties are not allowed .'unexpected' was unexpected"),
        (200, {k: v for k, v in FLAVOR.items() if k != "name"}, "'name' is a required property"),
        (202, FLAVOR, "InvalidHttpSuccessCode"),
    ],
    ids=["extra field", "missing field", "wrong status"],
)
def test_the_oracle_fails_a_response_that_breaks_the_contract(status, flavor, found):
    """A flavor shown at 2.1: Tempest's schema is closed, names its required fields, and expects 200."""
    response = respond(status, flavor)
    with pytest.raises(oracle.ContractError, match=found):
        oracle.check_response("GET", "/v2.1/flavors/1", b"", response.status_code, response, response.content)


def test_the_oracle_passes_a_response_that_keeps_it_and_checks_nova_errors():
    response = respond(200, FLAVOR)
    oracle.check_response("GET", "/v2.1/flavors/1", b"", 200, response, response.content)
    with pytest.raises(oracle.ContractError, match="Nova's error body"):
        oracle.check_response("GET", "/v2.1/flavors/1", b"", 404, response, b'{"detail": "Not found."}')


def test_the_root_lists_v2_0_first_then_v2_1(client):
    versions = client.get("/").json()["versions"]
    assert [(v["id"], v["status"]) for v in versions] == [("v2.0", "SUPPORTED"), ("v2.1", "CURRENT")]
    assert client.get("/v2/").json()["version"]["id"] == "v2.0"
