"""Every Compute API route answers within Nova's contract at 2.1, at each microversion where
Tempest's schema for it changes, and at the highest microversion served.

Each case makes one successful request; the response oracle (``tests/fixtures/oracle.py``) checks
its status, body and headers against Tempest's schema for that route and microversion. The
microversions come from Tempest itself: those where the schema it picks differs from the one before.
"""

import json
import uuid
from types import SimpleNamespace

import pytest

from apps.common import microversion
from apps.compute.audit import add_fault, start_action
from apps.compute.models import KeyPair, Migration, ServerGroup
from apps.compute.servers import console
from apps.compute.states import VmState
from apps.hosts.models import Aggregate, AggregateHost
from apps.network import ipam
from tests.contract import compute_routes
from tests.contract.tempest_oracle import schema_for
from tests.fixtures.answering_host import AnsweringHost
from tests.fixtures.factories import client_for, make_flavor, make_node, make_server

pytestmark = pytest.mark.django_db

HIGHEST = microversion.text(microversion.MAX_VERSION)
SERVED = [f"2.{minor}" for minor in range(1, microversion.MAX_VERSION[1] + 1)]


def versions_of(call) -> list[str]:
    """2.1, each version where Tempest's schema for ``call`` changes, and the highest served."""
    found, previous = [], None
    for version in SERVED:
        schema = json.dumps(schema_for(call, version), sort_keys=True, default=str)
        if schema != previous:
            found.append(version)
            previous = schema
    return sorted({*found, HIGHEST}, key=lambda v: int(v.split(".")[1]))


@pytest.fixture
def world(admin_user, member, flavor, image, casts, monkeypatch):
    """A small cloud: two nodes, an ACTIVE server with a port, metadata and a tag, a key pair, a
    group, an aggregate, a finished resize, and a larger flavor."""
    make_node("node1", vcpus=16, memory_mb=32768)
    make_node("node2", vcpus=16, memory_mb=32768)
    ipam.ensure_default_network()
    larger = make_flavor("2", "m1.small", 1, 2048, 20)
    server = make_server(admin_user, flavor, image, metadata={"role": "web"}, tags=["t"])
    ipam.allocate_port(instance_uuid=str(server.uuid), project=admin_user.default_project)
    start_action(server, "create", "req-create", admin_user.id, admin_user.default_project_id)
    failed = make_server(admin_user, flavor, image, vm_state=VmState.ERROR)
    add_fault(failed.uuid, "No valid host was found.")
    KeyPair.objects.create(user=admin_user, name="key", public_key="ssh-ed25519 AAAA", fingerprint="f")
    group = ServerGroup.objects.create(name="g", project=admin_user.default_project, user=admin_user,
                                       policy="anti-affinity")  # fmt: skip
    aggregate = Aggregate.objects.create(name="agg", metadata={"availability_zone": "east"})
    AggregateHost.objects.create(aggregate=aggregate, host="node1")
    Migration.objects.create(instance=server, migration_type="resize", source_compute="node1", source_node="node1",
                             dest_compute="node2", dest_node="node2", old_flavor=server.flavor,
                             new_flavor=larger.snapshot(), status="confirmed")  # fmt: skip
    # What a compute node answers a call with: console output, or its uptime line; diagnostics from a
    # fake hypervisor running the server.
    answer = {"output": "booted\n", "uptime": " 10:00:00 up 1 min,  0 users,  load average: 0.00, 0.00, 0.00"}
    monkeypatch.setattr(console.rpc, "call", AnsweringHost(otherwise=lambda *args, **kwargs: answer))
    return SimpleNamespace(admin=admin_user, member=member, flavor=flavor, larger=larger, image=image, server=server,
                           group=group, aggregate=aggregate)  # fmt: skip


def public_id(world, row) -> int | str:
    """A service's or hypervisor's id in the path: its integer key before 2.53, its UUID from 2.53."""
    return str(row.uuid) if minor(world.version) >= 53 else row.pk


def fresh(world, **fields):
    return make_server(world.admin, world.flavor, world.image, **fields)


def resized(world):
    """A server waiting for confirm or revert on node2 (its resize finished)."""
    instance = fresh(world, vm_state=VmState.RESIZED, host="node2", node="node2")
    Migration.objects.create(instance=instance, migration_type="resize", source_compute="node1", source_node="node1",
                             dest_compute="node2", dest_node="node2", old_flavor=world.flavor.snapshot(),
                             new_flavor=world.larger.snapshot(), status="finished")  # fmt: skip
    return instance


def on_a_down_host(world):
    make_node("gone", up=False)
    return fresh(world, host="gone", node="gone")


def server_body(world) -> dict:
    return {"server": {"name": "new", "flavorRef": "1", "imageRef": str(world.image.id), "networks": "none"}}


PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdOFIEGQgD+PeQB3ziu7htgZQfCnwlJ8KfxZjf+CJ2t me@laptop"


def action(body: dict, make=fresh):
    return lambda w: ("POST", f"/v2.1/servers/{make(w).uuid}/action", body)


# (name, method[, action]) -> what to request: (method, path, body) from the world.
REQUESTS = {
    ("versions", "GET"): lambda w: ("GET", "/", None),
    ("version", "GET"): lambda w: ("GET", "/v2.1/", None),
    ("legacy-version", "GET"): lambda w: ("GET", "/v2/", None),
    ("flavor-list", "GET"): lambda w: ("GET", "/v2.1/flavors", None),
    ("flavor-list", "POST"): lambda w: (
        "POST",
        "/v2.1/flavors",
        {"flavor": {"name": "f", "ram": 64, "vcpus": 1, "disk": 1}},
    ),  # fmt: skip
    ("flavor-detail-list", "GET"): lambda w: ("GET", "/v2.1/flavors/detail", None),
    ("flavor", "GET"): lambda w: ("GET", "/v2.1/flavors/1", None),
    ("flavor", "PUT"): lambda w: ("PUT", "/v2.1/flavors/1", {"flavor": {"description": "The smallest"}}),
    ("flavor", "DELETE"): lambda w: ("DELETE", f"/v2.1/flavors/{make_flavor('9', 'gone').flavorid}", None),
    ("extra-specs", "GET"): lambda w: ("GET", "/v2.1/flavors/1/os-extra_specs", None),
    ("extra-specs", "POST"): lambda w: ("POST", "/v2.1/flavors/1/os-extra_specs", {"extra_specs": {"k": "v"}}),
    ("extra-spec", "GET"): lambda w: (
        w.flavor.__class__.objects.filter(pk=w.flavor.pk).update(extra_specs={"k": "v"})
        and ("GET", "/v2.1/flavors/1/os-extra_specs/k", None)
    ),  # fmt: skip
    ("extra-spec", "PUT"): lambda w: ("PUT", "/v2.1/flavors/1/os-extra_specs/k", {"k": "w"}),
    ("extra-spec", "DELETE"): lambda w: (
        w.flavor.__class__.objects.filter(pk=w.flavor.pk).update(extra_specs={"k": "v"})
        and ("DELETE", "/v2.1/flavors/1/os-extra_specs/k", None)
    ),  # fmt: skip
    ("image-list", "GET"): lambda w: ("GET", "/v2.1/images", None),
    ("image-detail-list", "GET"): lambda w: ("GET", "/v2.1/images/detail", None),
    ("image", "GET"): lambda w: ("GET", f"/v2.1/images/{w.image.id}", None),
    ("server-list", "GET"): lambda w: ("GET", "/v2.1/servers?limit=1", None),
    ("server-list", "POST"): lambda w: ("POST", "/v2.1/servers", server_body(w)),
    ("server-detail-list", "GET"): lambda w: ("GET", "/v2.1/servers/detail", None),
    ("server", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}", None),
    ("server", "PUT"): lambda w: ("PUT", f"/v2.1/servers/{w.server.uuid}", {"server": {"name": "renamed"}}),
    ("server", "DELETE"): lambda w: ("DELETE", f"/v2.1/servers/{fresh(w).uuid}", None),
    ("server-metadata", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/metadata", None),
    ("server-metadata", "POST"): lambda w: (
        "POST",
        f"/v2.1/servers/{w.server.uuid}/metadata",
        {"metadata": {"a": "b"}},
    ),  # fmt: skip
    ("server-metadata", "PUT"): lambda w: ("PUT", f"/v2.1/servers/{w.server.uuid}/metadata", {"metadata": {"a": "b"}}),
    ("metadata-item", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/metadata/role", None),
    ("metadata-item", "PUT"): lambda w: (
        "PUT",
        f"/v2.1/servers/{w.server.uuid}/metadata/role",
        {"meta": {"role": "db"}},
    ),
    ("metadata-item", "DELETE"): lambda w: ("DELETE", f"/v2.1/servers/{w.server.uuid}/metadata/role", None),
    ("server-tags", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/tags", None),
    ("server-tags", "PUT"): lambda w: ("PUT", f"/v2.1/servers/{w.server.uuid}/tags", {"tags": ["a"]}),
    ("server-tags", "DELETE"): lambda w: ("DELETE", f"/v2.1/servers/{w.server.uuid}/tags", None),
    ("server-tag", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/tags/t", None),
    ("server-tag", "PUT"): lambda w: ("PUT", f"/v2.1/servers/{w.server.uuid}/tags/new", None),
    ("server-tag", "DELETE"): lambda w: ("DELETE", f"/v2.1/servers/{w.server.uuid}/tags/t", None),
    ("server-ips", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/ips", None),
    ("server-ips-one", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/ips/public", None),
    ("server-migrations", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/migrations", None),
    ("actions", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/os-instance-actions", None),
    ("action", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/os-instance-actions/req-create", None),
    # The one volume attachment call that succeeds here (the others are always Nova's 404: no volume exists).
    ("volume-attachments", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/os-volume_attachments", None),
    ("server-topology", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/topology", None),
    ("server-diagnostics", "GET"): lambda w: ("GET", f"/v2.1/servers/{w.server.uuid}/diagnostics", None),
    ("migrations", "GET"): lambda w: ("GET", "/v2.1/os-migrations", None),
    ("server-groups", "GET"): lambda w: ("GET", "/v2.1/os-server-groups", None),
    ("server-groups", "POST"): lambda w: (
        "POST",
        "/v2.1/os-server-groups",
        {"server_group": {"name": "h", "policies": ["affinity"]}},
    ),  # fmt: skip
    ("server-group", "GET"): lambda w: ("GET", f"/v2.1/os-server-groups/{w.group.uuid}", None),
    ("server-group", "DELETE"): lambda w: ("DELETE", f"/v2.1/os-server-groups/{w.group.uuid}", None),
    ("limits", "GET"): lambda w: ("GET", "/v2.1/limits", None),
    ("quota-set", "GET"): lambda w: ("GET", f"/v2.1/os-quota-sets/{w.admin.default_project_id}", None),
    ("quota-set", "PUT"): lambda w: (
        "PUT",
        f"/v2.1/os-quota-sets/{w.admin.default_project_id}",
        {"quota_set": {"instances": 20}},
    ),  # fmt: skip
    ("quota-set", "DELETE"): lambda w: ("DELETE", f"/v2.1/os-quota-sets/{w.admin.default_project_id}", None),
    ("quota-set-detail", "GET"): lambda w: ("GET", f"/v2.1/os-quota-sets/{w.admin.default_project_id}/detail", None),
    ("quota-defaults", "GET"): lambda w: ("GET", f"/v2.1/os-quota-sets/{w.admin.default_project_id}/defaults", None),
    ("keypairs", "GET"): lambda w: ("GET", "/v2.1/os-keypairs", None),
    ("keypairs", "POST"): lambda w: (
        "POST",
        "/v2.1/os-keypairs",
        {"keypair": {"name": f"k{uuid.uuid4().hex[:6]}", "public_key": PUBLIC_KEY}},  # required from 2.92
    ),  # fmt: skip
    ("keypair", "GET"): lambda w: ("GET", "/v2.1/os-keypairs/key", None),
    ("keypair", "DELETE"): lambda w: ("DELETE", "/v2.1/os-keypairs/key", None),
    ("services", "GET"): lambda w: ("GET", "/v2.1/os-services", None),
    ("service", "DELETE"): lambda w: ("DELETE", f"/v2.1/os-services/{public_id(w, make_node('spare').service)}", None),
    ("service", "PUT"): lambda w: (
        "PUT",
        f"/v2.1/os-services/{make_node('spare').service.uuid}",
        {"status": "disabled", "disabled_reason": "maintenance"},
    ),  # fmt: skip
    ("hypervisors", "GET"): lambda w: ("GET", "/v2.1/os-hypervisors", None),
    ("hypervisors-detail", "GET"): lambda w: ("GET", "/v2.1/os-hypervisors/detail", None),
    ("hypervisor-stats", "GET"): lambda w: ("GET", "/v2.1/os-hypervisors/statistics", None),
    ("hypervisor", "GET"): lambda w: ("GET", f"/v2.1/os-hypervisors/{public_id(w, make_node('shown'))}", None),
    ("hypervisor-uptime", "GET"): lambda w: (
        "GET",
        f"/v2.1/os-hypervisors/{public_id(w, make_node('shown'))}/uptime",
        None,
    ),  # fmt: skip
    ("hypervisor-search", "GET"): lambda w: ("GET", "/v2.1/os-hypervisors/node/search", None),
    ("hypervisor-servers", "GET"): lambda w: ("GET", "/v2.1/os-hypervisors/node/servers", None),
    ("aggregates", "GET"): lambda w: ("GET", "/v2.1/os-aggregates", None),
    ("aggregates", "POST"): lambda w: ("POST", "/v2.1/os-aggregates", {"aggregate": {"name": "new"}}),
    ("aggregate", "GET"): lambda w: ("GET", f"/v2.1/os-aggregates/{w.aggregate.pk}", None),
    ("aggregate", "PUT"): lambda w: ("PUT", f"/v2.1/os-aggregates/{w.aggregate.pk}", {"aggregate": {"name": "re"}}),
    ("aggregate", "DELETE"): lambda w: ("DELETE", f"/v2.1/os-aggregates/{Aggregate.objects.create(name='x').pk}", None),
    ("aggregate-images", "POST"): lambda w: (
        "POST",
        f"/v2.1/os-aggregates/{w.aggregate.pk}/images",
        {"cache": [{"id": str(w.image.id)}]},
    ),  # fmt: skip
    ("availability-zones", "GET"): lambda w: ("GET", "/v2.1/os-availability-zone", None),
    ("availability-zone-detail", "GET"): lambda w: ("GET", "/v2.1/os-availability-zone/detail", None),
}
SERVER_ACTIONS = {
    "os-start": action({"os-start": None}, lambda w: fresh(w, vm_state=VmState.STOPPED)),
    "os-stop": action({"os-stop": None}),
    "pause": action({"pause": None}),
    "unpause": action({"unpause": None}, lambda w: fresh(w, vm_state=VmState.PAUSED)),
    "suspend": action({"suspend": None}),
    "resume": action({"resume": None}, lambda w: fresh(w, vm_state=VmState.SUSPENDED)),
    "reboot": action({"reboot": {"type": "HARD"}}),
    "rebuild": lambda w: ("POST", f"/v2.1/servers/{fresh(w).uuid}/action", {"rebuild": {"imageRef": str(w.image.id)}}),
    "resize": action({"resize": {"flavorRef": "2"}}),
    "confirmResize": action({"confirmResize": None}, resized),
    "revertResize": action({"revertResize": None}, resized),
    "migrate": action({"migrate": None}),
    "createImage": action({"createImage": {"name": "snap"}}),
    "os-getConsoleOutput": action({"os-getConsoleOutput": {"length": 1}}),
    "lock": action({"lock": None}),
    "unlock": action({"unlock": None}, lambda w: fresh(w, locked=True, locked_by="admin")),
    "os-resetState": action({"os-resetState": {"state": "error"}}),
    "forceDelete": action({"forceDelete": None}),
    "evacuate": action({"evacuate": {}}, on_a_down_host),
}
AGGREGATE_ACTIONS = {
    "add_host": lambda w: ("POST", f"/v2.1/os-aggregates/{w.aggregate.pk}/action", {"add_host": {"host": "node2"}}),
    "remove_host": lambda w: (
        "POST",
        f"/v2.1/os-aggregates/{w.aggregate.pk}/action",
        {"remove_host": {"host": "node1"}},
    ),  # fmt: skip
    "set_metadata": lambda w: (
        "POST",
        f"/v2.1/os-aggregates/{w.aggregate.pk}/action",
        {"set_metadata": {"metadata": {"ssd": "true"}}},
    ),  # fmt: skip
}


def service_action(name: str, body: dict):
    return lambda w: ("PUT", f"/v2.1/os-services/{name}", body)


SERVICE_ACTIONS = {
    name: service_action(name, body)
    for name, body in (
        ("enable", {"host": "node1", "binary": "nova-compute"}),
        ("disable", {"host": "node1", "binary": "nova-compute"}),
        ("disable-log-reason", {"host": "node1", "binary": "nova-compute", "disabled_reason": "maintenance"}),
        ("force-down", {"host": "node1", "binary": "nova-compute", "forced_down": True}),
    )
}
# Calls whose microversion range starts later than 2.1, or ends before the highest (the route is
# Nova's 404 outside it).
SINCE = {("server-tags", None): "2.26", ("server-tag", None): "2.26", ("server-migrations", None): "2.23",
         ("service", "force-down"): "2.11", ("service", ("service", "PUT")): "2.53",
         ("aggregate-images", None): "2.81", ("server-topology", None): "2.78",
         ("flavor", ("flavor", "PUT")): "2.55"}  # fmt: skip
UNTIL = {"image-list": "2.35", "image-detail-list": "2.35", "image": "2.35", "hypervisor-search": "2.52",
         "hypervisor-servers": "2.52", "hypervisor-uptime": "2.87", "hypervisor-stats": "2.87",
         **{("service", "PUT", action): "2.52"
            for action in ("enable", "disable", "disable-log-reason", "force-down")}}  # fmt: skip


def cases():
    tables = [
        (REQUESTS, lambda key: compute_routes.ROUTES.get(key) or compute_routes.OWN.get(key), lambda key: key),
        (SERVER_ACTIONS, compute_routes.SERVER_ACTIONS.get, lambda key: ("server-action", "POST", key)),
        (AGGREGATE_ACTIONS, compute_routes.AGGREGATE_ACTIONS.get, lambda key: ("aggregate-action", "POST", key)),
        (SERVICE_ACTIONS, compute_routes.SERVICE_ACTIONS.get, lambda key: ("service", "PUT", key)),
    ]
    for table, call_of, label in tables:
        for key, build in table.items():
            call = call_of(key)
            since = SINCE.get((label(key)[0], None)) or SINCE.get((label(key)[0], key)) or "2.1"
            until = UNTIL.get(label(key)) or UNTIL.get(label(key)[0], HIGHEST)
            versions = versions_of(call) if hasattr(call, "client") else ["2.1", HIGHEST]
            for version in sorted({min(max(v, since, key=minor), until, key=minor) for v in versions}, key=minor):
                yield pytest.param(build, version, id=f"{'-'.join(str(p) for p in label(key))}@{version}")


def minor(version: str) -> int:
    return int(version.split(".")[1])


@pytest.mark.parametrize(("build", "version"), list(cases()))
def test_each_route_answers_within_the_contract_at_each_microversion(world, build, version):
    world.version = version
    method, path, body = build(world)
    client = client_for(world.admin, f"compute {version}")
    response = client.generic(method, path, json.dumps(body) if body is not None else "",
                              content_type="application/json")  # fmt: skip
    assert 200 <= response.status_code < 300, (method, path, version, response.content[:500])
