import pytest

from apps.compute.models import Migration
from tests.fixtures.factories import client_for, make_flavor, make_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(member, flavor, image):
    return make_server(member, flavor, image, metadata={"a": "1"})


def test_rename_and_describe(member_client, server):
    url = f"/v2.1/servers/{server.uuid}"
    body = member_client.put(
        url,
        {"server": {"name": "renamed", "description": "web"}},
        format="json",
        HTTP_OPENSTACK_API_VERSION="compute 2.19",
    ).json()
    assert (body["server"]["name"], body["server"]["description"]) == ("renamed", "web")
    assert member_client.put(url, {"server": {"flavor": "2"}}, format="json").status_code == 400
    assert member_client.put(url, {"server": {"name": ""}}, format="json").status_code == 400


def test_metadata(member_client, server):
    url = f"/v2.1/servers/{server.uuid}/metadata"
    assert member_client.get(url).json() == {"metadata": {"a": "1"}}
    assert member_client.post(url, {"metadata": {"b": "2"}}, format="json").json() == {"metadata": {"a": "1", "b": "2"}}
    assert member_client.put(url, {"metadata": {"c": "3"}}, format="json").json() == {"metadata": {"c": "3"}}
    assert member_client.put(f"{url}/d", {"meta": {"d": "4"}}, format="json").json() == {"meta": {"d": "4"}}
    assert member_client.put(f"{url}/d", {"meta": {"e": "4"}}, format="json").status_code == 400
    assert member_client.get(f"{url}/d").json() == {"meta": {"d": "4"}}
    assert member_client.delete(f"{url}/d").status_code == 204
    assert member_client.get(f"{url}/d").status_code == 404
    assert member_client.post(url, {"metadata": {"x": 1}}, format="json").status_code == 400


def test_tags(member, server):
    member_client = client_for(member, "compute 2.26")
    url = f"/v2.1/servers/{server.uuid}/tags"
    assert member_client.put(url, {"tags": ["a", "b", "a"]}, format="json").json() == {"tags": ["a", "b"]}
    assert member_client.put(f"{url}/c").status_code == 201
    assert member_client.put(f"{url}/c").status_code == 204
    assert member_client.get(f"{url}/c").status_code == 204
    assert member_client.get(f"{url}/zz").status_code == 404
    assert member_client.delete(f"{url}/a").status_code == 204
    assert member_client.get(url).json() == {"tags": ["b", "c"]}
    shown = member_client.get(f"/v2.1/servers/{server.uuid}", HTTP_OPENSTACK_API_VERSION="compute 2.26").json()
    assert shown["server"]["tags"] == ["b", "c"]
    assert member_client.put(url, {"tags": ["no,commas"]}, format="json").status_code == 400
    assert member_client.delete(url).status_code == 204
    assert member_client.get(url).json() == {"tags": []}
    assert client_for(member).get(url).status_code == 404  # tags arrived with 2.26


def test_migrations_lists(member, member_client, admin_user, admin_client, server):
    larger = make_flavor("2", "m1.small", 1, 2048, 20)
    Migration.objects.create(
        instance=server, migration_type="resize", source_compute="node1", source_node="node1",
        old_flavor=server.flavor, new_flavor=larger.snapshot(), status="finished",
    )  # fmt: skip
    # /servers/{id}/migrations lists live migrations in progress (2.23+): cloudcore has none.
    assert member_client.get(f"/v2.1/servers/{server.uuid}/migrations").status_code == 404
    assert client_for(member, "compute 2.23").get(f"/v2.1/servers/{server.uuid}/migrations").json() == {
        "migrations": []
    }
    assert member_client.get("/v2.1/os-migrations").status_code == 403
    [listed] = admin_client.get("/v2.1/os-migrations?host=node1").json()["migrations"]
    assert (listed["status"], listed["new_instance_type_id"]) == ("finished", larger.pk)
    assert "migration_type" not in listed and "uuid" not in listed
    [typed] = client_for(admin_user, "compute 2.23").get("/v2.1/os-migrations").json()["migrations"]
    assert typed["migration_type"] == "resize"
    assert admin_client.get("/v2.1/os-migrations?status=confirmed").json()["migrations"] == []
