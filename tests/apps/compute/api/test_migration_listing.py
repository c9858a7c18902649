"""``/os-migrations`` microversion by microversion, as Nova: ``uuid``, paging and
``changes-since`` from 2.59 (unknown parameters refused), ``changes-before`` from 2.66, who asked
(``user_id``/``project_id``) from 2.80; only admins see the hosts."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.compute.models import Migration
from apps.identity.models import RoleName
from tests.fixtures.factories import client_for, make_server, make_user

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def moves(member, flavor, image):
    """Three finished migrations of a member's server, a minute apart (m[0] oldest)."""
    server = make_server(member, flavor, image, host="node1")
    made = []
    for n in range(3):
        migration = Migration.objects.create(
            instance=server, migration_type="migration", source_compute="node1", source_node="node1",
            dest_compute="node2", dest_node="node2", old_flavor=server.flavor, new_flavor=server.flavor,
            status="confirmed", user_id=f"user-{n}", project_id=f"project-{n % 2}",
        )  # fmt: skip
        stamp = T0 + timedelta(minutes=n)
        Migration.objects.filter(pk=migration.pk).update(created_at=stamp, updated_at=stamp)
        made.append(migration)
    return made


def listed(client, version, query=""):
    return client.get(f"/v2.1/os-migrations{query}", HTTP_OPENSTACK_API_VERSION=f"compute {version}")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [m["id"] for m in response.json()["migrations"]]


def test_uuid_from_2_59_and_who_asked_from_2_80(admin_client, moves):
    assert "uuid" not in listed(admin_client, "2.58").json()["migrations"][0]
    newest = listed(admin_client, "2.59").json()["migrations"][0]
    assert newest["uuid"] == str(moves[2].uuid) and "user_id" not in newest
    newest = listed(admin_client, "2.80").json()["migrations"][0]
    assert (newest["user_id"], newest["project_id"]) == ("user-2", "project-0")


def test_paging_newest_first_with_a_next_link(admin_client, moves):
    first = listed(admin_client, "2.59", "?limit=2").json()
    assert [m["id"] for m in first["migrations"]] == [moves[2].id, moves[1].id]
    [link] = first["migrations_links"]
    assert link["href"] == f"http://testserver/v2.1/os-migrations?limit=2&marker={moves[1].uuid}"
    assert ids(listed(admin_client, "2.59", f"?limit=2&marker={moves[1].uuid}")) == [moves[0].id]
    for marker in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        missing = listed(admin_client, "2.59", f"?marker={marker}")
        assert missing.status_code == 400
        assert missing.json()["badRequest"]["message"] == f"Marker {marker} could not be found."
    assert ids(listed(admin_client, "2.59", "?limit=0")) == []


def test_unknown_parameters_are_ignored_before_2_59_and_refused_from_it(admin_client, moves):
    assert len(ids(listed(admin_client, "2.58", "?limit=1&foo=bar"))) == 3  # limit is not known yet
    refused = listed(admin_client, "2.59", "?foo=bar")
    assert refused.status_code == 400 and "foo" in refused.json()["badRequest"]["message"]
    assert listed(admin_client, "2.79", "?user_id=user-1").status_code == 400


def test_changes_since_and_before(admin_client, moves):
    since = "?changes-since=2026-01-01T12:01:00Z"
    assert ids(listed(admin_client, "2.59", since)) == [moves[2].id, moves[1].id]
    assert listed(admin_client, "2.59", "?changes-before=2026-01-01T12:01:00Z").status_code == 400
    assert ids(listed(admin_client, "2.66", "?changes-before=2026-01-01T12:01:00Z")) == [moves[1].id, moves[0].id]
    backwards = listed(admin_client, "2.66", "?changes-since=2026-01-02T00:00:00Z&changes-before=2026-01-01T00:00Z")
    assert backwards.status_code == 400


def test_filters_by_who_asked_from_2_80(admin_client, moves):
    assert ids(listed(admin_client, "2.80", "?user_id=user-1")) == [moves[1].id]
    assert ids(listed(admin_client, "2.80", "?project_id=project-0")) == [moves[2].id, moves[0].id]
    assert ids(listed(admin_client, "2.80", "?project_id=project-0&user_id=user-0")) == [moves[0].id]


def test_a_manager_sees_its_projects_migrations_without_the_hosts(member, moves):
    manager = client_for(make_user(project=member.default_project, role=RoleName.MANAGER))

    [newest, *_] = listed(manager, "2.80").json()["migrations"]

    assert newest["id"] == moves[2].id
    assert [newest[k] for k in ("source_compute", "source_node", "dest_compute", "dest_node")] == [None] * 4


def test_server_migrations_refuse_query_parameters_from_2_102(admin_client, moves):
    url = f"/v2.1/servers/{moves[0].instance_id}/migrations?foo=1"
    assert admin_client.get(url, HTTP_OPENSTACK_API_VERSION="compute 2.101").json() == {"migrations": []}
    assert admin_client.get(url, HTTP_OPENSTACK_API_VERSION="compute 2.102").status_code == 400


def test_the_latest_microversion_takes_every_parameter_2_80_knows(admin_client, moves):
    query = f"?limit=1&marker={moves[2].uuid}&status=confirmed&user_id=user-1&changes-before=2027-01-01T00:00:00Z"
    assert ids(listed(admin_client, "2.104", query)) == [moves[1].id]
