"""The operator APIs' request bodies (``apps/hosts/api/schemas.py``): Nova's schema refusals, nothing
changed by a refused request, and the OpenAPI document showing the same schemas."""

import pytest

from apps.hosts.api import schemas
from apps.hosts.models import Aggregate, Service
from cloudcore.openapi_bodies import hosts as host_bodies
from tests.fixtures.factories import client_for, make_node

pytestmark = pytest.mark.django_db

CREATE_REFUSALS = [
    ({}, "'aggregate' is a required property"),
    ({"aggregate": {}}, "'name' is a required property"),
    ({"aggregate": {"name": " edge"}}, "Invalid input for field/attribute name."),
    ({"aggregate": {"name": "a" * 256}}, "is too long"),
    ({"aggregate": {"name": "a", "availability_zone": "a:b"}}, "Invalid input for field/attribute availability_zone."),
    ({"aggregate": {"name": "a", "other": 1}}, "Additional properties are not allowed ('other' was unexpected)"),
]


@pytest.mark.parametrize(("body", "wording"), CREATE_REFUSALS)
def test_a_refused_aggregate_create_is_novas_400_and_creates_nothing(admin_client, body, wording):
    answer = admin_client.post("/v2.1/os-aggregates", body, format="json")
    assert answer.status_code == 400 and wording in answer.json()["badRequest"]["message"]
    assert not Aggregate.objects.exists()


def test_aggregate_update_and_actions_are_checked_before_anything_changes(admin_client):
    make_node("node1")
    created = admin_client.post("/v2.1/os-aggregates", {"aggregate": {"name": "fast"}}, format="json")
    aggregate_id = created.json()["aggregate"]["id"]
    url = f"/v2.1/os-aggregates/{aggregate_id}"

    empty = admin_client.put(url, {"aggregate": {}}, format="json")
    assert empty.status_code == 400  # a name or a zone (Nova's anyOf)
    edges = admin_client.put(url, {"aggregate": {"name": " fast "}}, format="json")
    assert edges.status_code == 200 and edges.json()["aggregate"]["name"] == " fast "  # Nova keeps them on update

    refusals = [
        ({"add_host": {"host": "node/1"}}, "does not match"),
        ({"add_host": {"host": "node1", "extra": 1}}, "Additional properties are not allowed"),
        ({"remove_host": {}}, "'host' is a required property"),
        ({"set_metadata": {"metadata": {"k" * 256: "v"}}}, "does not match any of the regexes"),
        ({"set_metadata": {"metadata": {"k": 5}}}, "is not of type 'string', 'null'"),
        ({"set_metadata": {"metadata": {"availability_zone": "a:b"}}}, "does not match"),
        ({"fly": {}}, "There is no such action: fly"),
        ({"add_host": {"host": "node1"}, "remove_host": {"host": "node1"}}, "Malformed request body"),
    ]
    for body, wording in refusals:
        answer = admin_client.post(f"{url}/action", body, format="json")
        assert answer.status_code == 400 and wording in answer.json()["badRequest"]["message"], (body, answer.json())
    aggregate = Aggregate.objects.get(pk=aggregate_id)
    assert (list(aggregate.hosts.all()), aggregate.metadata) == ([], {})


@pytest.fixture
def up_to_2_53(monkeypatch):
    from apps.common import microversion

    monkeypatch.setattr(microversion, "MAX_VERSION", max(microversion.MAX_VERSION, (2, 53)))


def test_service_update_follows_novas_rules_at_2_53(admin_user, up_to_2_53):
    client = client_for(admin_user, "compute 2.53")
    node = make_node("node1")
    url = f"/v2.1/os-services/{node.service.uuid}"
    refusals = [
        ({}, "No updates were requested. Fields 'status' or 'forced_down' should be specified."),
        ({"disabled_reason": "why"}, "No updates were requested."),
        ({"status": "enabled", "disabled_reason": "why"}, "Specifying 'disabled_reason' with status 'enabled'"),
        ({"status": "off"}, "'off' is not one of ['enabled', 'disabled']"),
        ({"status": "disabled", "disabled_reason": ""}, "should be non-empty"),
        ({"forced_down": "maybe"}, "is not one of"),
        ({"host": "node1"}, "Additional properties are not allowed"),
    ]
    for body, wording in refusals:
        answer = client.put(url, body, format="json")
        assert answer.status_code == 400 and wording in answer.json()["badRequest"]["message"], (body, answer.json())
    service = Service.objects.get(pk=node.service.pk)
    assert (service.disabled, service.forced_down) == (False, False)

    down = client.put(url, {"forced_down": "YES"}, format="json")  # Nova's spellings of a boolean
    assert down.status_code == 200 and down.json()["service"]["forced_down"] is True
    disabled = client.put(url, {"status": "disabled"}, format="json").json()["service"]
    assert (disabled["status"], disabled["disabled_reason"]) == ("disabled", None)


def test_legacy_service_actions_need_their_fields(admin_user):
    make_node("node1")
    at_2_11 = client_for(admin_user, "compute 2.11")
    missing_reason = at_2_11.put("/v2.1/os-services/disable-log-reason", {"host": "node1", "binary": "nova-compute"},
                                 format="json")  # fmt: skip
    assert missing_reason.json() == {"badRequest": {"code": 400, "message": "Missing disabled reason field"}}
    missing_flag = at_2_11.put("/v2.1/os-services/force-down", {"host": "node1", "binary": "nova-compute"},
                               format="json")  # fmt: skip
    assert missing_flag.json() == {"badRequest": {"code": 400, "message": "Missing forced_down field"}}
    assert Service.objects.get(host="node1").disabled is False


def test_the_openapi_document_shows_these_schemas():
    operations = host_bodies.OPERATIONS
    assert operations["/v2.1/os-aggregates", "POST"].request == schemas.AGGREGATE_CREATE.described()
    assert operations["/v2.1/os-aggregates/{aggregate_id}", "PUT"].request == schemas.AGGREGATE_UPDATE.described()
    actions = operations["/v2.1/os-aggregates/{aggregate_id}/action", "POST"].request
    assert actions == schemas.aggregate_actions_described()
    assert operations["/v2.1/os-services/{service_id}", "PUT"].request == schemas.SERVICE_UPDATE.described()
