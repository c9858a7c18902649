"""Servers past 2.47, as Nova: tags at create (2.52), rebuild's key pair and user data (2.54, 2.57),
trusted certificates (2.63), server groups (2.71), lock reasons (2.73), a chosen host (2.74), strict
list queries (2.75), the 2.83 filters, hostnames (2.90, 2.94), the pinned zone (2.96, 2.104), image
properties (2.98), scheduler hints (2.100) and strict queries everywhere (2.102)."""

import base64
import json

import pytest

from apps.compute.models import Instance, KeyPair, ServerGroup
from apps.hosts.models import Aggregate, AggregateHost
from tests.fixtures.factories import client_for, make_image, make_node, make_server

pytestmark = pytest.mark.django_db

USER_DATA = base64.b64encode(b"#cloud-config\n").decode()


def create(client, image, hints=None, **server):
    body = {"server": {"name": "My Web_Server.1", "flavorRef": "1", "imageRef": str(image.id), "networks": "none",
                       **server}}  # fmt: skip
    if hints is not None:
        body["os:scheduler_hints"] = hints
    return client.post("/v2.1/servers", json.dumps(body), content_type="application/json")


def show(client, server_id) -> dict:
    response = client.get(f"/v2.1/servers/{server_id}")
    assert response.status_code == 200, response.content
    return response.json()["server"]


def act(client, server_id, body):
    return client.post(f"/v2.1/servers/{server_id}/action", body, format="json")


def test_create_at_latest_keeps_what_later_versions_show(member, flavor, casts):
    image = make_image("props", properties={"hw_disk_bus": "virtio", "os_distro": "debian", "owner_note": "x"})
    group = ServerGroup.objects.create(name="g", project=member.default_project, user=member, policy="affinity")
    client = client_for(member, "compute 2.100")
    hints = {"group": str(group.uuid), "same_host": "dd3d3f1c-6a5c-4b07-9ec2-0ad1b7e4d0c1", "custom": "kept"}

    response = create(client, image, hints=hints, tags=["web", "web", "prod"], user_data=USER_DATA,
                      trusted_image_certificates=["cert-1"], hostname="web-1")  # fmt: skip

    assert response.status_code == 202, response.content
    server = show(client, response.json()["server"]["id"])
    assert server["tags"] == ["web", "prod"]
    assert server["trusted_image_certificates"] == ["cert-1"]
    assert server["OS-EXT-SRV-ATTR:hostname"] == "web-1"  # a member sees it from 2.90
    assert server["server_groups"] == [str(group.uuid)]
    assert server["image"]["properties"] == {"hw_disk_bus": "virtio", "os_distro": "debian"}
    assert server["scheduler_hints"] == hints  # as sent
    assert server["pinned_availability_zone"] is None and server["locked_reason"] is None
    assert Instance.objects.get(uuid=server["id"]).user_data == USER_DATA


def test_each_field_appears_only_from_its_version(member, flavor, image, casts):
    server_id = create(client_for(member, "compute 2.52"), image, tags=["a"]).json()["server"]["id"]
    fields = {"2.62": "trusted_image_certificates", "2.70": "server_groups", "2.72": "locked_reason",
              "2.89": "OS-EXT-SRV-ATTR:hostname", "2.95": "pinned_availability_zone",
              "2.99": "scheduler_hints"}  # fmt: skip
    for before, field in fields.items():
        minor = int(before.split(".")[1])
        assert field not in show(client_for(member, f"compute {before}"), server_id)
        assert field in show(client_for(member, f"compute 2.{minor + 1}"), server_id)
    assert "properties" not in show(client_for(member, "compute 2.97"), server_id)["image"]


def test_the_default_hostname_is_sanitised_from_the_name(member, flavor, image, casts):
    server_id = create(client_for(member, "compute 2.90"), image).json()["server"]["id"]

    assert show(client_for(member, "compute 2.90"), server_id)["OS-EXT-SRV-ATTR:hostname"] == "my-web-server-1"


@pytest.mark.parametrize(
    ("version", "fields", "word"),
    [("2.51", {"tags": ["a"]}, "tags"), ("2.57", {"personality": []}, "personality"),
     ("2.62", {"trusted_image_certificates": ["c"]}, "trusted_image_certificates"),
     ("2.89", {"hostname": "h1"}, "hostname"), ("2.90", {"hostname": "a.example.org"}, "hostname"),
     ("2.94", {"hostname": "bad host"}, "hostname"), ("2.52", {"tags": ["a/b"]}, "a/b"),
     ("2.52", {"tags": [f"t{i}" for i in range(51)]}, "tags"), ("2.1", {"user_data": "not base64!"}, "user_data"),
     ("2.90", {"hostname": "h1", "max_count": 2}, "hostname"),
     ("2.63", {"trusted_image_certificates": ["c", "c"]}, "trusted_image_certificates")],
)  # fmt: skip
def test_create_refuses_what_its_version_does_not_know(member, flavor, image, casts, version, fields, word):
    response = create(client_for(member, f"compute {version}"), image, **fields)

    assert response.status_code == 400, response.content
    assert word in response.json()["badRequest"]["message"]
    assert not Instance.objects.exists() and casts("scheduler") == []


def test_a_chosen_host_is_an_admins_and_must_exist(admin_user, member, flavor, image, casts):
    make_node("node1")
    assert create(client_for(member, "compute 2.74"), image, host="node1").status_code == 403
    missing = create(client_for(admin_user, "compute 2.74"), image, host="nowhere")
    assert missing.status_code == 400 and "nowhere" in missing.json()["badRequest"]["message"]
    assert not Instance.objects.exists()

    chosen = create(client_for(admin_user, "compute 2.74"), image, host="node1", hypervisor_hostname="node1")

    assert chosen.status_code == 202, chosen.content
    assert Instance.objects.get().request_spec["force_host"] == "node1"


def test_rebuild_sets_the_key_pair_user_data_and_hostname(member, flavor, image, casts):
    KeyPair.objects.create(user=member, name="k2", public_key="ssh-ed25519 BBBB", fingerprint="f")
    server = make_server(member, flavor, image, key_name="k1", key_data="ssh-ed25519 AAAA")
    client = client_for(member, "compute 2.94")

    rebuild = {"imageRef": str(image.id), "key_name": "k2", "user_data": USER_DATA, "hostname": "db.example.org"}
    response = act(client, server.uuid, {"rebuild": rebuild})

    assert response.status_code == 202, response.content
    body = response.json()["server"]
    assert body["key_name"] == "k2" and body["user_data"] == USER_DATA
    server.refresh_from_db()
    assert (server.key_data, server.hostname) == ("ssh-ed25519 BBBB", "db.example.org")
    Instance.objects.filter(uuid=server.uuid).update(task_state=None)  # the host finished the rebuild
    unset = {"imageRef": str(image.id), "key_name": None, "user_data": None}
    unset = act(client_for(member, "compute 2.57"), server.uuid, {"rebuild": unset})
    assert unset.status_code == 202, unset.content
    server.refresh_from_db()
    assert (server.key_name, server.key_data, server.user_data) == (None, None, None)
    Instance.objects.filter(uuid=server.uuid).update(task_state=None)
    unknown = act(client, server.uuid, {"rebuild": {"imageRef": str(image.id), "key_name": "nope"}})
    assert unknown.status_code == 400
    too_early = act(client_for(member, "compute 2.53"), server.uuid, {"rebuild": {"imageRef": str(image.id),
                                                                                  "key_name": "k2"}})  # fmt: skip
    assert too_early.status_code == 400


def test_lock_reason_from_2_73(member, flavor, image):
    server = make_server(member, flavor, image)
    client = client_for(member, "compute 2.73")

    assert act(client, server.uuid, {"lock": {"locked_reason": "maintenance"}}).status_code == 202
    assert show(client, server.uuid)["locked_reason"] == "maintenance"
    assert client.get("/v2.1/servers/detail?locked=true").json()["servers"][0]["id"] == str(server.uuid)
    assert client.get("/v2.1/servers/detail?locked=false").json()["servers"] == []
    assert act(client, server.uuid, {"unlock": None}).status_code == 202
    assert show(client, server.uuid)["locked_reason"] is None
    # Before 2.73 the lock body's keys are ignored, as Nova's: no reason is kept.
    assert act(client_for(member, "compute 2.72"), server.uuid, {"lock": {"locked_reason": "x"}}).status_code == 202
    assert show(client, server.uuid)["locked_reason"] is None


def test_server_lists_refuse_unknown_parameters_from_2_75(member, flavor, image):
    make_server(member, flavor, image)

    assert client_for(member, "compute 2.74").get("/v2.1/servers?bogus=1").status_code == 200
    refused = client_for(member, "compute 2.75").get("/v2.1/servers/detail?bogus=1")
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"] == "Additional properties are not allowed ('bogus' was unexpected)"
    assert client_for(member, "compute 2.75").get("/v2.1/servers?name=vm&limit=5").status_code == 200


def test_strict_queries_everywhere_from_2_102(member, flavor, image):
    server = make_server(member, flavor, image)

    assert client_for(member, "compute 2.101").get(f"/v2.1/servers/{server.uuid}?x=1").status_code == 200
    assert client_for(member, "compute 2.102").get(f"/v2.1/servers/{server.uuid}?x=1").status_code == 400
    assert client_for(member, "compute 2.102").get(f"/v2.1/servers/{server.uuid}").status_code == 200


def test_non_admin_state_filters_count_only_from_2_83(member, flavor, image):
    make_server(member, flavor, image, name="on", vm_state="active")
    make_server(member, flavor, image, name="off", vm_state="stopped")

    def names(version):
        response = client_for(member, f"compute {version}").get("/v2.1/servers?vm_state=stopped")
        return sorted(s["name"] for s in response.json()["servers"])

    assert names("2.82") == ["off", "on"]  # ignored, as Nova ignores a non-admin's admin filters
    assert names("2.83") == ["off"]


def test_changes_before_from_2_66(member, flavor, image):
    make_server(member, flavor, image)

    assert client_for(member, "compute 2.66").get("/v2.1/servers?changes-before=2000-01-01T00:00:00Z").json()[
        "servers"] == []  # fmt: skip
    assert len(client_for(member, "compute 2.65").get("/v2.1/servers?changes-before=2000-01-01T00:00:00Z").json()[
        "servers"]) == 1  # fmt: skip
    bad = client_for(member, "compute 2.66").get(
        "/v2.1/servers?changes-since=2020-01-02T00:00:00Z&changes-before=2020-01-01T00:00:00Z"
    )
    assert bad.status_code == 400


def test_pinning_rules_of_2_104(member, flavor, image):
    make_node("east1")
    aggregate = Aggregate.objects.create(name="a", metadata={"availability_zone": "east"})
    AggregateHost.objects.create(aggregate=aggregate, host="east1")
    server = make_server(member, flavor, image, host="east1", availability_zone="east")
    client = client_for(member, "compute 2.104")
    url = f"/v2.1/servers/{server.uuid}"

    def put(zone):
        return client.put(url, {"server": {"pinned_availability_zone": zone}}, format="json")

    assert put("west").status_code == 409  # not where it is
    assert put("east").json()["server"]["pinned_availability_zone"] == "east"
    assert put("east").status_code == 200  # idempotent
    server.refresh_from_db()
    server.availability_zone = "west"
    server.save()
    assert put("west").status_code == 409  # pinned elsewhere: unpin first
    assert put(None).json()["server"]["pinned_availability_zone"] is None
    early = client_for(member, "compute 2.103").put(url, {"server": {"pinned_availability_zone": None}}, format="json")
    assert early.status_code == 400
