"""OpenStack's own clients, unmodified, drive cloudcore: the ``openstack`` command and openstacksdk,
with a plain ``clouds.yaml`` holding only an auth URL, a user, a password and a project."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from apps.images.demo import BANNER, boot_sector

pytestmark = pytest.mark.integration

OPENSTACK = str(Path(sys.executable).parent / "openstack")


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    computes = {"node1": {"FAKE_SPAWN_DELAY": "0.2"}, "node2": {"FAKE_SPAWN_DELAY": "0.2"}}
    # Deferred delete on: 'server delete' soft-deletes, so 'server restore' has something to bring back.
    with cloud_factory(computes=computes, schedulers=1, env={"RECLAIM_INSTANCE_INTERVAL": "3600"}) as running:
        yield running


@pytest.fixture(scope="module")
def clouds_yaml(cloud, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clouds")
    auth = {"auth_url": cloud.url("/identity/v3"), "username": "admin", "password": "admin",
            "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"}  # fmt: skip
    (folder / "clouds.yaml").write_text(
        json.dumps({"clouds": {"cloudcore": {"auth": auth, "region_name": "RegionOne"}}})
    )
    return folder / "clouds.yaml"


def run(clouds_yaml: Path, *args: str, timeout: float = 120) -> str:
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(clouds_yaml), "OS_CLOUD": "cloudcore"}
    done = subprocess.run([OPENSTACK, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"openstack {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def run_json(clouds_yaml: Path, *args: str):
    return json.loads(run(clouds_yaml, *args, "-f", "json"))


def test_the_openstack_command(cloud, clouds_yaml, tmp_path):
    token = run_json(clouds_yaml, "token", "issue")
    assert token["id"].startswith("cc") and token["project_id"] and token["expires"]

    flavors = {f["Name"]: f for f in run_json(clouds_yaml, "flavor", "list")}
    assert flavors["m1.tiny"]["RAM"] == 512 and flavors["m1.tiny"]["VCPUs"] == 1

    disk = tmp_path / "banner.img"
    disk.write_bytes(boot_sector())
    image = run_json(clouds_yaml, "image", "create", "--file", str(disk), "--disk-format", "raw",
                     "--container-format", "bare", "banner")  # fmt: skip
    assert image["status"] == "active" and image["size"] == 512
    assert "banner" in [i["Name"] for i in run_json(clouds_yaml, "image", "list")]

    networks = run_json(clouds_yaml, "network", "list")
    assert [n["Name"] for n in networks] == ["public"]

    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    keypair = run_json(clouds_yaml, "keypair", "create", "--public-key", f"{key}.pub", "mykey")
    assert keypair["name"] == "mykey" and len(keypair["fingerprint"].split(":")) == 16

    server = run_json(clouds_yaml, "server", "create", "--flavor", "m1.tiny", "--image", "banner",
                      "--network", "public", "--key-name", "mykey", "--wait", "vm1")  # fmt: skip
    assert server["status"] == "ACTIVE" and server["key_name"] == "mykey"
    listed = run_json(clouds_yaml, "server", "list")
    assert [(s["Name"], s["Status"], s["Image"], s["Flavor"]) for s in listed] == [
        ("vm1", "ACTIVE", "banner", "m1.tiny")
    ]
    assert listed[0]["Networks"]["public"][0].startswith("10.0.0.")
    shown = run_json(clouds_yaml, "server", "show", "vm1")
    assert shown["OS-EXT-SRV-ATTR:host"] in ("node1", "node2") and shown["OS-EXT-STS:power_state"] in ("Running", 1)

    run(clouds_yaml, "server", "stop", "vm1")
    cloud.wait_for_status(server["id"], "SHUTOFF")
    run(clouds_yaml, "server", "start", "vm1")
    cloud.wait_for_status(server["id"], "ACTIVE")
    run(clouds_yaml, "server", "reboot", "--wait", "vm1")
    assert run_json(clouds_yaml, "server", "show", "vm1")["status"] == "ACTIVE"
    snapshot = run_json(clouds_yaml, "server", "image", "create", "--wait", "--name", "vm1-snap", "vm1")
    assert snapshot["status"] == "active"
    log = run(clouds_yaml, "console", "log", "show", "vm1")
    assert "booted vm1" in log and "rebooted" in log

    run_json(clouds_yaml, "security", "group", "create", "web")
    run(clouds_yaml, "server", "add", "security", "group", "vm1", "web")
    assert "web" in str(run_json(clouds_yaml, "server", "show", "vm1")["security_groups"])
    run(clouds_yaml, "server", "remove", "security", "group", "vm1", "web")
    assert "web" not in str(run_json(clouds_yaml, "server", "show", "vm1")["security_groups"])

    run(clouds_yaml, "server", "delete", "vm1")  # deferred: powered off and kept
    cloud.wait_for_status(server["id"], "SOFT_DELETED")
    run(clouds_yaml, "server", "restore", "vm1")
    cloud.wait_for_status(server["id"], "ACTIVE")
    run(clouds_yaml, "server", "delete", "--force", "--wait", "vm1")
    assert run_json(clouds_yaml, "server", "list") == []

    private = run_json(clouds_yaml, "flavor", "create", "--private", "--ram", "256", "--disk", "1", "--vcpus", "1",
                       "private1")  # fmt: skip
    assert private["os-flavor-access:is_public"] is False
    admin_project = token["project_id"]
    run(clouds_yaml, "flavor", "set", "--project", admin_project, "private1")
    assert admin_project in str(run_json(clouds_yaml, "flavor", "show", "private1")["access_project_ids"])

    services = run_json(clouds_yaml, "compute", "service", "list")
    assert sorted((s["Binary"], s["Host"], s["State"]) for s in services) == [
        ("cloudcore-compute", "node1", "up"), ("cloudcore-compute", "node2", "up"),
    ]  # fmt: skip
    # at the client's own microversion: before 2.53 the service is named by host and binary
    run(clouds_yaml, "compute", "service", "set", "--disable", "--disable-reason", "maintenance", "node2",
        "cloudcore-compute")  # fmt: skip
    services = {s["Host"]: s for s in run_json(clouds_yaml, "compute", "service", "list", "--long")}
    assert (services["node2"]["Status"], services["node2"]["Disabled Reason"]) == ("disabled", "maintenance")
    assert services["node1"]["Status"] == "enabled"
    run(clouds_yaml, "compute", "service", "set", "--enable", "node2", "cloudcore-compute")
    services = {s["Host"]: s for s in run_json(clouds_yaml, "compute", "service", "list")}
    assert services["node2"]["Status"] == "enabled"
    hypervisors = run_json(clouds_yaml, "hypervisor", "list")
    assert sorted(h["Hypervisor Hostname"] for h in hypervisors) == ["node1", "node2"]
    zones = run_json(clouds_yaml, "availability", "zone", "list")
    assert {"Zone Name": "nova", "Zone Status": "available"} in zones
    quota = {row["Resource"]: row["Limit"] for row in run_json(clouds_yaml, "quota", "show")}
    assert quota["instances"] == -1 and quota["key-pairs"] == 100  # this test cloud lifts the instance limit

    # The same commands at the newest microversion (2.104).
    latest = ("--os-compute-api-version", "2.104")
    server = run_json(clouds_yaml, *latest, "server", "create", "--flavor", "m1.tiny", "--image", "banner",
                      "--network", "public", "--hostname", "web-1.example.org", "--tag", "blue",
                      "--hint", "custom=kept", "--wait", "vm2")  # fmt: skip
    assert server["status"] == "ACTIVE"
    shown = run_json(clouds_yaml, *latest, "server", "show", "vm2")
    assert shown["status"] == "ACTIVE" and "blue" in str(shown["tags"])
    assert "web-1.example.org" in json.dumps(shown) and "kept" in json.dumps(shown["scheduler_hints"])
    assert "pinned_availability_zone" in shown and "banner" in json.dumps(shown["image"])
    listed = run_json(clouds_yaml, *latest, "server", "list", "--long")
    assert [(s["Name"], s["Status"]) for s in listed] == [("vm2", "ACTIVE")]
    services = run_json(clouds_yaml, *latest, "compute", "service", "list")
    assert sorted((s["Binary"], s["Host"], s["State"]) for s in services) == [
        ("cloudcore-compute", "node1", "up"), ("cloudcore-compute", "node2", "up"),
    ]  # fmt: skip
    hypervisors = run_json(clouds_yaml, *latest, "hypervisor", "list")
    assert sorted(h["Hypervisor Hostname"] for h in hypervisors) == ["node1", "node2"]
    run(clouds_yaml, *latest, "server", "delete", "--force", "--wait", "vm2")


def test_openstacksdk(cloud, clouds_yaml):
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    try:
        conn = openstack.connect(cloud="cloudcore")
        image = conn.image.find_image("demo")
        flavor = conn.compute.find_flavor("m1.tiny")
        network = conn.network.find_network("public")
        server = conn.compute.create_server(name="sdk-vm", image_id=image.id, flavor_id=flavor.id,
                                            networks=[{"uuid": network.id}])  # fmt: skip
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.5)
        assert server.status == "ACTIVE" and server.addresses["public"][0]["addr"].startswith("10.0.0.")
        assert server.flavor.original_name == "m1.tiny"
        console = conn.compute.get_server_console_output(server)["output"]
        assert "booted sdk-vm" in console or BANNER.decode().strip() in console
        conn.compute.delete_server(server)  # deferred delete: soft-deleted, then restored and force-deleted
        conn.compute.wait_for_server(server, status="SOFT_DELETED", wait=60, interval=0.5)
        conn.compute.restore_server(server)
        conn.compute.wait_for_server(server, status="ACTIVE", wait=60, interval=0.5)
        conn.compute.delete_server(server, force=True)
        conn.compute.wait_for_delete(server, wait=60, interval=0.5)
        assert conn.compute.find_server("sdk-vm") is None
    finally:
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
