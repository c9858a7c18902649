"""Hypothesis throws random, truncated and wrongly shaped JSON at the endpoints that take the richest
bodies: creating a server, server actions, issuing a token and updating quotas. The answer is always
the API's own 4xx error body, never a 5xx, and nothing is created or queued, unless the random body
happens to be valid (it then conforms to the request schema of /api/schema/) and the answer is a
success; such a success is undone before the next example."""

import json
from collections import Counter

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from apps.common import microversion
from apps.compute.models import Flavor, Instance
from apps.compute.servers import console
from apps.compute.states import VmState
from apps.images.models import Image
from tests.fixtures.factories import client_for, make_instance, make_node

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SCHEDULER = "scheduler"


@pytest.fixture(scope="module")
def doc() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def request_validator(doc: dict, path: str, method: str) -> Draft202012Validator:
    schema = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": doc["components"]}, format_checker=jsonschema.FormatChecker())


# -- strategies -------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**400, -1, 0])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(["", " ", "\x00", "a\x00b", "\u202e\ufeff", "💥" * 300, "x" * 70000, "SOFT", "none", "1"])
)
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
)


def mutated(valid: dict) -> st.SearchStrategy:
    """``valid`` (a nested body) with one change: a key dropped, a value replaced by anything, an extra
    key, or the whole inner object replaced."""

    def paths(node, prefix=()):
        if isinstance(node, dict):
            for key, value in node.items():
                yield (*prefix, key)
                yield from paths(value, (*prefix, key))

    all_paths = list(paths(valid))

    def apply(choice):
        kind, path, key, value = choice
        body = json.loads(json.dumps(valid))
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        if kind == "drop":
            del parent[path[-1]]
        elif kind == "replace":
            parent[path[-1]] = value
        else:
            target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
            target[key] = value
        return body

    return st.tuples(
        st.sampled_from(["drop", "replace", "extra"]), st.sampled_from(all_paths), st.text(max_size=20), json_values
    ).map(apply)


def raw_bodies(valid: dict) -> st.SearchStrategy:
    """Bytes that are not a JSON document: a valid body cut short, or noise."""
    text = json.dumps(valid).encode()
    truncated = st.integers(0, len(text) - 1).map(lambda n: text[:n])
    return truncated | st.binary(max_size=200) | st.sampled_from([b"{", b"[]", b"null", b"NaN", b'{"a": 1}{', b"\xff"])


def bodies(valid: dict) -> st.SearchStrategy:
    """(raw bytes or None, JSON value): what to send."""
    as_json = (mutated(valid) | json_values | st.just(valid)).map(lambda v: (None, v))
    return as_json | raw_bodies(valid).map(lambda raw: (raw, None))


def send(client, url: str, body, method: str = "post"):
    raw, value = body
    if raw is None:
        raw = json.dumps(value).encode()
    return getattr(client, method)(url, data=raw, content_type="application/json")


def is_valid(validator, body) -> bool:
    raw, value = body
    return raw is None and validator.is_valid(value)


def assert_nova_error(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    data = response.json()
    assert isinstance(data, dict) and len(data) == 1, data
    ((kind, detail),) = data.items()
    assert isinstance(kind, str) and kind
    assert isinstance(detail, dict) and detail.get("code") == response.status_code, data
    assert isinstance(detail.get("message"), str), data


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def world(admin_user, flavor, image, casts):
    make_node("node1")
    # At the highest microversion, whose request schemas are the ones the OpenAPI document shows.
    client = client_for(admin_user, f"compute {microversion.text(microversion.MAX_VERSION)}")
    return {"client": client, "admin": admin_user, "image": image, "casts": casts}


def valid_server(image) -> dict:
    return {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none"}}


# -- POST /v2.1/servers ---------------------------------------------------------------------


def test_create_server_bodies(world, doc):
    validator = request_validator(doc, "/v2.1/servers", "post")
    client, casts, image = world["client"], world["casts"], world["image"]

    @FUZZ
    @given(body=bodies(valid_server(image)))
    @example(body=(None, valid_server(image)))
    @example(body=(b'{"server": {"name": "vm", "flavorRef": "1"', None))
    @example(body=(None, {"server": {"name": "vm", "flavorRef": 10**400, "imageRef": "x", "networks": "none"}}))
    @example(body=(None, {"server": {"name": "vm\x00", "flavorRef": "1", "imageRef": "x", "networks": "none"}}))
    def check(body):
        before = set(Instance.objects.values_list("pk", flat=True))
        response = send(client, "/v2.1/servers", body)
        statuses[response.status_code] += 1
        if response.status_code == 202:
            Instance.objects.exclude(pk__in=before).delete()
            casts.clear()
            assert is_valid(validator, body), f"accepted a body the schema rejects: {body}"
            return
        assert_nova_error(response)
        assert response.status_code in (400, 403, 404, 409, 413), response.content
        assert set(Instance.objects.values_list("pk", flat=True)) == before
        assert casts(SCHEDULER) == []

    statuses = Counter()
    check()
    assert statuses[202] and statuses[400], statuses  # the valid example was accepted, junk refused


# -- POST /v2.1/servers/{id}/action ---------------------------------------------------------


ACTION_EXAMPLES = [
    {"os-stop": None},
    {"reboot": {"type": "SOFT"}},
    {"rebuild": {"imageRef": "IMAGE", "name": "again"}},
    {"resize": {"flavorRef": "1"}},
    {"createImage": {"name": "snap", "metadata": {"a": "b"}}},
    {"os-getConsoleOutput": {"length": 10}},
    {"lock": {"locked_reason": "why"}},
    {"os-resetState": {"state": "error"}},
    {"evacuate": {"host": "node1"}},
]


def test_server_action_bodies(world, doc, monkeypatch):
    # The console is a synchronous call to the compute host, which does not run here.
    monkeypatch.setattr(console.rpc, "call", lambda *args, **kwargs: {"output": ""})
    validator = request_validator(doc, "/v2.1/servers/{server_id}/action", "post")
    client, casts, image, admin = world["client"], world["casts"], world["image"], world["admin"]
    flavor = Flavor.objects.get(flavorid="1")
    server = {}

    def fresh_server():
        server["instance"] = make_instance(admin, flavor, image, vm_state=VmState.ACTIVE, task_state=None, host="node1")

    fresh_server()
    valid = [json.loads(json.dumps(a).replace("IMAGE", str(image.id))) for a in ACTION_EXAMPLES]

    @FUZZ
    @given(body=st.sampled_from(valid).flatmap(bodies))
    @example(body=(None, {"reboot": {"type": None}}))
    @example(body=(None, {"os-getConsoleOutput": {"length": 10**400}}))
    @example(body=(None, {"createImage": {"name": "snap", "metadata": {"k": "\x00"}}}))
    @example(body=(None, {"resize": {"flavorRef": ["1"]}}))
    @example(body=(None, {"lock": {"locked_reason": "a\x00b"}}))
    @example(body=(None, {"rebuild": {"imageRef": "a\x00b"}}))
    def check(body):
        before = Instance.objects.count(), Image.objects.count()
        url = f"/v2.1/servers/{server['instance'].uuid}/action"
        response = send(client, url, body)
        statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            casts.clear()
            fresh_server()
            assert is_valid(validator, body), f"accepted a body the schema rejects: {body}"
            return
        assert_nova_error(response)
        assert response.status_code in (400, 403, 404, 409), response.content
        assert (Instance.objects.count(), Image.objects.count()) == before
        assert casts(SCHEDULER) == [] and casts("compute.node1") == []

    statuses = Counter()
    check()
    assert statuses[202] and statuses[400], statuses


# -- POST /identity/v3/auth/tokens ----------------------------------------------------------


def valid_auth(name: str, password: str) -> dict:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": name, "domain": {"id": "default"}, "password": password}},
            },
            "scope": {"project": {"name": "admin-project", "domain": {"id": "default"}}},
        }
    }


def test_token_bodies(world):
    client = world["client"]
    client.credentials()  # issuing takes no credentials

    passwords = st.text(min_size=6).filter(lambda p: p != "secret" and p.strip())

    @FUZZ
    @given(case=passwords.flatmap(lambda p: bodies(valid_auth("admin", p)).map(lambda body: (p, body))))
    @example(case=("hunter22", (None, valid_auth("admin", "hunter22"))))
    @example(case=("hunter22", (None, {"auth": {"identity": {"methods": ["password"], "password": []}}})))
    @example(case=("hunter22", (None, valid_auth("admin\x00", "hunter22"))))
    @example(case=("hunter22", (None, valid_auth("admin", "hunter22\x00"))))
    def check(case):
        password, body = case
        response = send(client, "/identity/v3/auth/tokens", body)
        statuses[response.status_code] += 1
        assert response.status_code in (400, 401), (response.status_code, response.content[:500])
        data = response.json()
        assert set(data) == {"error"} and data["error"]["code"] == response.status_code, data
        assert isinstance(data["error"]["message"], str)
        assert password not in response.content.decode("utf-8", "replace")

    statuses = Counter()
    check()
    assert statuses[401] and statuses[400], statuses


# -- PUT /v2.1/os-quota-sets/{id} -----------------------------------------------------------


def test_quota_bodies(world, doc):
    validator = request_validator(doc, "/v2.1/os-quota-sets/{project_id}", "put")
    client = world["client"]
    url = f"/v2.1/os-quota-sets/{world['admin'].default_project_id}"

    @FUZZ
    @given(body=bodies({"quota_set": {"instances": 20, "cores": 40, "force": True}}))
    @example(body=(None, {"quota_set": {"instances": 20, "cores": 40, "force": True}}))
    @example(body=(None, {"quota_set": {"instances": 10**400}}))
    @example(body=(None, {"quota_set": {"instances": 2**63}}))
    @example(body=(None, {"quota_set": {"instances": 1.5}}))
    def check(body):
        response = send(client, url, body, method="put")
        statuses[response.status_code] += 1
        if response.status_code == 200:
            assert is_valid(validator, body), f"accepted a body the schema rejects: {body}"
            return
        assert_nova_error(response)

    statuses = Counter()
    check()
    assert statuses[200] and statuses[400], statuses
