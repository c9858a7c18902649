"""``/servers/{id}/os-instance-actions`` microversion by microversion, as Nova: events for
non-admins from 2.51 (without tracebacks), paging and ``changes-since`` from 2.58, hosts from
2.62, ``changes-before`` from 2.66, event details from 2.84, and no query on show from 2.102."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from apps.compute.audit import record_event, start_action
from apps.compute.models import InstanceAction
from tests.fixtures.factories import client_for, make_server

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def server(member, flavor, image):
    """A member's server with three actions a minute apart (req-0 oldest); req-2 has two events."""
    instance = make_server(member, flavor, image, host="node1")
    for n in range(3):
        action = start_action(instance, ["create", "stop", "start"][n], f"req-{n}", member.id,
                              member.default_project_id)  # fmt: skip
        InstanceAction.objects.filter(pk=action.pk).update(start_time=T0 + timedelta(minutes=n),
                                                           updated_at=T0 + timedelta(minutes=n))  # fmt: skip
    record_event(instance.uuid, "req-2", {"event": "compute_start_instance", "host": "node1", "result": "Error",
                                          "start_time": T0, "finish_time": T0, "traceback": "Traceback: boom",
                                          "details": "boom"})  # fmt: skip
    record_event(instance.uuid, "req-2", {"event": "schedule_instances", "result": "Success",
                                          "start_time": T0 + timedelta(seconds=5), "finish_time": T0})  # fmt: skip
    InstanceAction.objects.filter(request_id="req-2").update(updated_at=T0 + timedelta(minutes=2))
    return instance


def actions(client, server, version, query=""):
    return client.get(f"/v2.1/servers/{server.uuid}/os-instance-actions{query}",
                      HTTP_OPENSTACK_API_VERSION=f"compute {version}")  # fmt: skip


def show(client, server, version, request_id="req-2", query=""):
    return client.get(f"/v2.1/servers/{server.uuid}/os-instance-actions/{request_id}{query}",
                      HTTP_OPENSTACK_API_VERSION=f"compute {version}")  # fmt: skip


def test_events_are_the_admins_before_2_51_and_everyones_from_it_without_tracebacks(server, member, admin_user):
    assert "events" not in show(client_for(member), server, "2.50").json()["instanceAction"]
    admin_events = show(client_for(admin_user), server, "2.50").json()["instanceAction"]["events"]
    assert admin_events[1]["traceback"] == "Traceback: boom"

    events = show(client_for(member), server, "2.51").json()["instanceAction"]["events"]
    assert [e["event"] for e in events] == ["schedule_instances", "compute_start_instance"]  # newest first
    assert all(set(e) == {"event", "start_time", "finish_time", "result"} for e in events)


def test_2_62_adds_the_hashed_host_for_all_and_the_host_for_admins(server, member, admin_user):
    mine = show(client_for(member), server, "2.62").json()["instanceAction"]["events"]
    expected = hashlib.sha224(f"{member.default_project_id}node1".encode()).hexdigest()
    assert [(e.get("host"), e["hostId"]) for e in mine] == [(None, ""), (None, expected)]
    admins = show(client_for(admin_user), server, "2.62").json()["instanceAction"]["events"]
    assert [(e["host"], e["hostId"]) for e in admins] == [("", ""), ("node1", expected)]
    assert "details" not in admins[0]


def test_2_84_adds_the_details_for_admins(server, member, admin_user):
    events = show(client_for(admin_user), server, "2.84").json()["instanceAction"]["events"]
    assert [e["details"] for e in events] == [None, "boom"]
    assert all("details" not in e for e in show(client_for(member), server, "2.84").json()["instanceAction"]["events"])


def test_2_58_adds_updated_at_and_an_event_moves_it(server, member):
    before = InstanceAction.objects.get(request_id="req-1").updated_at
    record_event(server.uuid, "req-1", {"event": "compute_stop_instance", "start_time": T0, "finish_time": T0})
    assert InstanceAction.objects.get(request_id="req-1").updated_at > before

    listed = actions(client_for(member), server, "2.58").json()["instanceActions"]
    assert [a["request_id"] for a in listed] == ["req-2", "req-1", "req-0"]
    assert all("updated_at" in a for a in listed)
    assert "updated_at" not in actions(client_for(member), server, "2.57").json()["instanceActions"][0]
    assert "updated_at" in show(client_for(member), server, "2.58").json()["instanceAction"]


def test_paging_with_limit_and_marker_and_the_next_link(server, member):
    client = client_for(member)
    first = actions(client, server, "2.58", "?limit=2").json()
    assert [a["request_id"] for a in first["instanceActions"]] == ["req-2", "req-1"]
    [link] = first["links"]
    assert link["rel"] == "next"
    assert link["href"] == f"http://testserver/v2.1/servers/{server.uuid}/os-instance-actions?limit=2&marker=req-1"
    rest = actions(client, server, "2.58", "?limit=2&marker=req-1").json()
    assert [a["request_id"] for a in rest["instanceActions"]] == ["req-0"] and "links" not in rest
    assert actions(client, server, "2.58", "?limit=0").json() == {"instanceActions": []}

    missing = actions(client, server, "2.58", "?marker=req-9")
    assert missing.status_code == 400 and missing.json()["badRequest"]["message"] == "Marker req-9 could not be found."
    bad = actions(client, server, "2.58", "?limit=-1")
    assert bad.status_code == 400
    assert bad.json()["badRequest"]["message"].startswith("Invalid input for query parameters limit.")
    assert actions(client, server, "2.58", "?limit=1&limit=2").status_code == 400  # given once


def test_changes_since_from_2_58_and_changes_before_from_2_66(server, member):
    client = client_for(member)

    def listed(version, query):
        response = actions(client, server, version, query)
        assert response.status_code == 200, response.content
        return [a["request_id"] for a in response.json()["instanceActions"]]

    assert listed("2.58", "?changes-since=2026-01-01T12:01:00Z") == ["req-2", "req-1"]
    assert listed("2.58", "?changes-since=2026-01-01T12:01:00") == ["req-2", "req-1"]  # no offset: UTC
    assert listed("2.66", "?changes-before=2026-01-01T12:01:00Z") == ["req-1", "req-0"]
    assert listed("2.66", "?changes-since=2026-01-01T12:01:00Z&changes-before=2026-01-01T12:01:00Z") == ["req-1"]
    backwards = actions(client, server, "2.66", "?changes-since=2026-01-02T00:00:00Z&changes-before=2026-01-01T00:00Z")
    assert backwards.status_code == 400
    assert backwards.json()["badRequest"]["message"] == (
        "The value of changes-since must be less than or equal to changes-before."
    )
    assert actions(client, server, "2.58", "?changes-since=yesterday").status_code == 400
    early = actions(client, server, "2.58", "?changes-before=2026-01-01T12:01:00Z")
    assert early.status_code == 400 and "changes-before" in early.json()["badRequest"]["message"]
    assert listed("2.57", "?changes-since=2026-01-01T12:01:00Z&anything=1") == ["req-2", "req-1", "req-0"]


def test_show_refuses_query_parameters_from_2_102(server, member):
    client = client_for(member)
    assert show(client, server, "2.101", query="?foo=1").status_code == 200
    refused = show(client, server, "2.102", query="?foo=1")
    assert refused.status_code == 400 and "foo" in refused.json()["badRequest"]["message"]
    missing = show(client, server, "2.102", request_id="req-9")
    assert missing.status_code == 404 and missing.json()["itemNotFound"]["message"] == "Action req-9 not found"


def test_the_latest_microversion_takes_the_paging_and_time_filters(server, member):
    query = "?limit=1&marker=req-2&changes-since=2026-01-01T00:00:00Z&changes-before=2027-01-01T00:00:00Z"
    response = actions(client_for(member), server, "2.104", query)
    assert [a["request_id"] for a in response.json()["instanceActions"]] == ["req-1"]
