"""``/os-services`` across microversions, as Nova: services by UUID from 2.53 (a malformed one is a
400; the action paths and their host-and-binary bodies are gone, hence a 400 for those bodies),
unknown query parameters refused from 2.75, and what a delete checks and undoes."""

import pytest

from apps.compute.models import Migration
from apps.hosts.models import Aggregate, AggregateHost, Service
from tests.fixtures.factories import client_for, make_node, make_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(admin_user):
    def call(method, path, version, body=None):
        client = client_for(admin_user, f"compute {version}")
        return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)

    return call


def test_the_action_paths_end_at_2_52(admin):
    make_node("node1")
    body = {"host": "node1", "binary": "nova-compute"}
    assert admin("put", "/v2.1/os-services/disable", "2.52", body).status_code == 200
    gone = admin("put", "/v2.1/os-services/disable", "2.53", body)
    assert gone.status_code == 400  # the 2.53 body has no host or binary (Nova checks the body first)
    assert "Additional properties are not allowed" in gone.json()["badRequest"]["message"]
    invalid = admin("put", "/v2.1/os-services/disable", "2.53", {"status": "disabled"})
    assert invalid.status_code == 400 and invalid.json()["badRequest"]["message"] == "Invalid uuid disable"


def test_update_and_delete_by_uuid(admin):
    node = make_node("node1")
    missing = admin("put", "/v2.1/os-services/00000000-0000-0000-0000-000000000000", "2.53", {"status": "enabled"})
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        "Service 00000000-0000-0000-0000-000000000000 could not be found."
    )
    changed = admin("put", f"/v2.1/os-services/{node.service.uuid}", "2.104", {"status": "disabled"}).json()
    assert (changed["service"]["id"], changed["service"]["status"]) == (str(node.service.uuid), "disabled")
    assert admin("delete", f"/v2.1/os-services/{node.service.pk}", "2.53").json()["badRequest"]["message"] == (
        f"Invalid uuid {node.service.pk}"
    )
    early = admin("delete", "/v2.1/os-services/abc", "2.52")
    assert early.status_code == 400
    assert early.json()["badRequest"]["message"] == "Invalid input received: id must be an integer"
    assert admin("delete", f"/v2.1/os-services/{node.service.uuid}", "2.53").status_code == 204


def test_a_delete_refuses_a_host_with_servers_or_moves_and_leaves_its_aggregates(admin, member, flavor, image):
    node = make_node("node1")
    server = make_server(member, flavor, image, host="node1")
    url = f"/v2.1/os-services/{node.service.uuid}"
    hosting = admin("delete", url, "2.53")
    assert hosting.status_code == 409
    assert hosting.json()["conflictingRequest"]["message"] == (
        "Unable to delete compute service that is hosting instances. Migrate or delete the instances first."
    )
    make_node("node2")
    Migration.objects.create(instance=server, migration_type="migration", source_compute="node2", source_node="node2",
                             dest_compute="node1", dest_node="node1", old_flavor={}, new_flavor={},
                             status="finished")  # fmt: skip
    server.host = "node2"
    server.save()
    moving = admin("delete", url, "2.53")
    assert moving.status_code == 409 and "in-progress migrations" in moving.json()["conflictingRequest"]["message"]

    Migration.objects.update(status="confirmed")
    aggregate = Aggregate.objects.create(name="agg")
    AggregateHost.objects.create(aggregate=aggregate, host="node1")
    assert admin("delete", url, "2.53").status_code == 204
    assert not AggregateHost.objects.filter(host="node1").exists()
    assert Aggregate.objects.get(pk=aggregate.pk).updated_at > aggregate.updated_at  # schedulers re-read it
    assert not Service.objects.filter(host="node1").exists()


def test_the_list_refuses_unknown_query_parameters_from_2_75(admin):
    make_node("node1")
    make_node("node2")
    assert admin("get", "/v2.1/os-services?foo=1", "2.74").status_code == 200
    refused = admin("get", "/v2.1/os-services?foo=1", "2.75")
    assert refused.status_code == 400 and "foo" in refused.json()["badRequest"]["message"]
    [only] = admin("get", "/v2.1/os-services?host=node2&binary=cloudcore-compute", "2.75").json()["services"]
    assert only["host"] == "node2"


def test_the_latest_microversion_takes_the_list_filters(admin):
    make_node("node1")
    assert admin("get", "/v2.1/os-services?host=node1&binary=cloudcore-compute", "2.104").status_code == 200
