"""``/os-hypervisors`` microversion by microversion, as Nova: paging from 2.33, UUIDs and query
parameters from 2.53, ``servers: []`` from 2.75, and from 2.88 ``uptime`` in place of the capacity
fields (and no ``/statistics`` or ``/{id}/uptime``)."""

import pytest
from celery.exceptions import TimeoutError as ReplyTimeout

from apps.hosts.api import hypervisors
from apps.hosts.models import ComputeNode
from tests.fixtures.factories import client_for, make_node, make_server

pytestmark = pytest.mark.django_db

UPTIME = " 10:00:00 up 3 days,  4:05,  0 users,  load average: 0.20, 0.12, 0.14"
CAPACITY = {"vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used", "free_ram_mb",
            "free_disk_gb", "disk_available_least", "running_vms", "current_workload", "cpu_info"}  # fmt: skip


@pytest.fixture
def nodes(db):
    return [make_node(host) for host in ("node-a", "node-b", "node-c")]


@pytest.fixture
def admin(admin_user):
    def get(path, version):
        return client_for(admin_user).get(path, HTTP_OPENSTACK_API_VERSION=f"compute {version}")

    return get


@pytest.fixture
def asked(monkeypatch):
    """The hosts asked for their uptime (each answers UPTIME)."""
    calls = []

    def call(queue, task, timeout, **kwargs):
        calls.append((queue, task))
        return {"uptime": UPTIME}

    monkeypatch.setattr(hypervisors.rpc, "call", call)
    return calls


def test_paging_by_id_from_2_33_and_by_uuid_from_2_53(admin, nodes):
    assert "hypervisors_links" not in admin("/v2.1/os-hypervisors?limit=1", "2.32").json()
    page = admin("/v2.1/os-hypervisors?limit=2", "2.33").json()
    assert [h["id"] for h in page["hypervisors"]] == [nodes[0].pk, nodes[1].pk]
    assert page["hypervisors_links"][0]["href"] == f"http://testserver/v2.1/os-hypervisors?limit=2&marker={nodes[1].pk}"
    rest = admin(f"/v2.1/os-hypervisors/detail?limit=2&marker={nodes[1].pk}", "2.33").json()
    assert [h["id"] for h in rest["hypervisors"]] == [nodes[2].pk] and "hypervisors_links" not in rest

    page = admin("/v2.1/os-hypervisors/detail?limit=1", "2.53").json()
    assert page["hypervisors"][0]["id"] == str(nodes[0].uuid)
    assert page["hypervisors_links"][0]["href"].endswith(f"/v2.1/os-hypervisors/detail?limit=1&marker={nodes[0].uuid}")
    for version, marker in (("2.33", "nope"), ("2.53", str(nodes[0].pk)), ("2.53", "nope")):
        missing = admin(f"/v2.1/os-hypervisors?marker={marker}", version)
        assert missing.status_code == 400 and missing.json()["badRequest"]["message"] == f"marker [{marker}] not found"


def test_the_hostname_pattern_from_2_53(admin, nodes):
    found = admin("/v2.1/os-hypervisors?hypervisor_hostname_pattern=node-b", "2.53").json()["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == ["node-b"]
    assert len(admin("/v2.1/os-hypervisors?hypervisor_hostname_pattern=node-b", "2.52").json()["hypervisors"]) == 3
    none = admin("/v2.1/os-hypervisors?hypervisor_hostname_pattern=rack9", "2.53")
    assert none.status_code == 404
    assert none.json()["itemNotFound"]["message"] == "No hypervisor matching 'rack9' could be found."
    paged = admin("/v2.1/os-hypervisors?hypervisor_hostname_pattern=node&limit=1", "2.53")
    assert paged.status_code == 400
    assert paged.json()["badRequest"]["message"] == (
        "Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported."
    )
    assert admin("/v2.1/os-hypervisors?hypervisor_hostname_pattern=a%20b", "2.53").status_code == 400  # not a name


def test_query_parameters_are_checked_from_2_53(admin, nodes):
    assert admin("/v2.1/os-hypervisors?foo=1", "2.52").status_code == 200
    for path in ("/v2.1/os-hypervisors?foo=1", "/v2.1/os-hypervisors/detail?with_servers=maybe",
                 f"/v2.1/os-hypervisors/{nodes[0].uuid}?foo=1"):  # fmt: skip
        assert admin(path, "2.53").status_code == 400, path


def test_ids_in_the_path(admin, nodes):
    bad = admin("/v2.1/os-hypervisors/abc", "2.53")
    assert bad.status_code == 400 and bad.json()["badRequest"]["message"] == "Invalid uuid abc"
    assert admin(f"/v2.1/os-hypervisors/{nodes[0].pk}", "2.53").status_code == 400
    assert admin("/v2.1/os-hypervisors/00000000-0000-0000-0000-000000000000", "2.53").status_code == 404
    missing = admin("/v2.1/os-hypervisors/abc", "2.52")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Hypervisor with ID 'abc' could not be found."


def test_with_servers_shows_an_empty_list_from_2_75(admin, nodes, member, flavor, image):
    make_server(member, flavor, image, host="node-a", name="vm")

    def servers(version):
        return {h["hypervisor_hostname"]: h.get("servers")
                for h in admin("/v2.1/os-hypervisors?with_servers=true", version).json()["hypervisors"]}  # fmt: skip

    assert servers("2.74")["node-b"] is None and servers("2.74")["node-a"][0]["name"] == "vm"
    assert servers("2.75")["node-b"] == []
    assert "servers" not in admin("/v2.1/os-hypervisors?with_servers=false", "2.75").json()["hypervisors"][0]


def test_2_88_shows_uptime_instead_of_the_capacity_fields(admin, nodes, asked):
    make_node("asleep", up=False)

    detail = {h["hypervisor_hostname"]: h for h in admin("/v2.1/os-hypervisors/detail", "2.88").json()["hypervisors"]}

    assert {name: h["uptime"] for name, h in detail.items()} == {
        "node-a": UPTIME, "node-b": UPTIME, "node-c": UPTIME, "asleep": None,
    }  # fmt: skip
    assert not CAPACITY & set(detail["node-a"])
    assert sorted(queue for queue, _task in asked) == ["compute.node-a", "compute.node-b", "compute.node-c"]
    shown = admin(f"/v2.1/os-hypervisors/{nodes[0].uuid}", "2.88").json()["hypervisor"]
    assert shown["uptime"] == UPTIME and not CAPACITY & set(shown)
    assert set(admin(f"/v2.1/os-hypervisors/{nodes[0].uuid}", "2.87").json()["hypervisor"]) >= CAPACITY
    assert "uptime" not in admin("/v2.1/os-hypervisors", "2.88").json()["hypervisors"][0]  # not in the brief list


def test_a_host_that_does_not_answer_has_a_null_uptime(admin, nodes, monkeypatch):
    def silent(*_args, **_kwargs):
        raise ReplyTimeout("no reply")

    monkeypatch.setattr(hypervisors.rpc, "call", silent)

    assert admin(f"/v2.1/os-hypervisors/{nodes[0].uuid}", "2.88").json()["hypervisor"]["uptime"] is None


def test_statistics_and_uptime_are_gone_from_2_88(admin, nodes, asked):
    node = ComputeNode.objects.get(hypervisor_hostname="node-a")
    assert admin("/v2.1/os-hypervisors/statistics", "2.87").json()["hypervisor_statistics"]["count"] == 3
    assert admin(f"/v2.1/os-hypervisors/{node.uuid}/uptime", "2.87").json()["hypervisor"]["uptime"] == UPTIME
    assert admin("/v2.1/os-hypervisors/statistics", "2.88").status_code == 404
    assert admin(f"/v2.1/os-hypervisors/{node.uuid}/uptime", "2.88").status_code == 404


def test_detail_has_its_own_policy(member_client, nodes):
    assert member_client.get("/v2.1/os-hypervisors/detail").status_code == 403


def test_the_latest_microversion_takes_the_parameters_each_route_knows(admin, nodes, asked):
    for path in (
        "/v2.1/os-hypervisors?with_servers=true&limit=1",
        f"/v2.1/os-hypervisors/detail?marker={nodes[0].uuid}",
        f"/v2.1/os-hypervisors/{nodes[0].uuid}?with_servers=false",
    ):
        assert admin(path, "2.104").status_code == 200, path
    assert admin("/v2.1/os-hypervisors?foo=1", "2.104").status_code == 400
