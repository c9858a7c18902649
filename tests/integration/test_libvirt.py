"""Servers as real QEMU guests: the API, the scheduler, the conductor and two compute workers on the
libvirt driver, against a real libvirtd (started by the harness without systemd).

Each step is checked where the guest lives (``virsh domstate``), and timed from the API request to
the state the API reports; ``pytest -s`` prints the timings as JSON.
"""

import json
import subprocess
import time

import pytest

from apps.images.demo import BANNER
from tests.fixtures.libvirtd import workspace_for_qemu
from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def workspace(real_libvirtd):
    with workspace_for_qemu() as path:
        yield path


@pytest.fixture(scope="module")
def cloud(cloud_factory, real_libvirtd, workspace):
    def libvirt_node(host: str) -> dict:
        return {
            "COMPUTE_DRIVER": "libvirt.LibvirtDriver",
            "LIBVIRT_URI": real_libvirtd,
            "INSTANCES_PATH": str(workspace / "instances" / host),
            "LIBVIRT_MIGRATION_PATH": str(workspace / "migrations"),
            "LIBVIRT_SHUTDOWN_TIMEOUT": "2",  # the demo image ignores ACPI: stop and soft reboot go hard after 2 s
        }

    with cloud_factory(computes={"node1": libvirt_node("node1"), "node2": libvirt_node("node2")}) as running:
        yield running
    print("\nlibvirt timings (s, API request to the state the API reports):", json.dumps(TIMINGS, indent=1))


def virsh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["virsh", "-c", "qemu:///system", *args], capture_output=True, text=True, timeout=60)


def domstate(server_id: str) -> str:
    """What libvirt says of the guest: 'running', 'paused', 'shut off (saved)', ... or 'absent'."""
    done = virsh("domstate", "--reason", f"instance-{server_id}")
    return done.stdout.strip() if done.returncode == 0 else "absent"


def timed(cloud, name: str, server_id: str, body: dict | None, status: str) -> dict:
    """Send an action (or nothing, for a create already sent) and time it until ``status``."""
    start = time.monotonic()
    if body is not None:
        response = cloud.post(f"/v2.1/servers/{server_id}/action", json=body)
        assert response.status_code in (202, 204), response.text

    def settled():
        s = cloud.server(server_id)
        return s and s["OS-EXT-STS:task_state"] is None and s["status"] in (status, "ERROR") and s

    server = wait_until(
        settled,
        timeout=120,
        interval=0.05,
        message=f"{name} to reach {status}",
    )  # fmt: skip
    TIMINGS[name] = round(time.monotonic() - start, 3)
    assert server["status"] == status, server.get("fault")
    return server


def console(cloud, server_id: str) -> str:
    response = cloud.post(f"/v2.1/servers/{server_id}/action", json={"os-getConsoleOutput": {"length": 50}})
    assert response.status_code == 200, response.text
    return response.json()["output"]


def create(cloud, name: str, image_id: str, flavor: str = "1") -> tuple[str, dict]:
    start = time.monotonic()
    body = {"server": {"name": name, "flavorRef": flavor, "imageRef": image_id, "networks": "none"}}
    response = cloud.post("/v2.1/servers", json=body)
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    server = timed(cloud, f"create_{name}", server_id, None, "ACTIVE")
    TIMINGS[f"create_{name}"] = round(time.monotonic() - start, 3)
    return server_id, server


def test_a_server_is_a_real_guest_through_its_whole_life(cloud, workspace):
    server_id, server = create(cloud, "guest", cloud.demo_image_id())
    host = server["OS-EXT-SRV-ATTR:host"]
    assert domstate(server_id) == "running (booted)"
    banner = BANNER.decode().strip()
    start = time.monotonic()
    wait_until(lambda: banner in console(cloud, server_id), timeout=60, message="the demo image's line on the console")
    TIMINGS["console_banner_after_active"] = round(time.monotonic() - start, 3)

    steps = [
        ("stop", {"os-stop": None}, "SHUTOFF", "shut off"),
        ("start", {"os-start": None}, "ACTIVE", "running"),
        ("pause", {"pause": None}, "PAUSED", "paused"),
        ("unpause", {"unpause": None}, "ACTIVE", "running"),
        ("suspend", {"suspend": None}, "SUSPENDED", "shut off (saved)"),
        ("resume", {"resume": None}, "ACTIVE", "running"),
        ("reboot_soft", {"reboot": {"type": "SOFT"}}, "ACTIVE", "running"),
        ("reboot_hard", {"reboot": {"type": "HARD"}}, "ACTIVE", "running"),
    ]
    for name, body, status, state in steps:
        timed(cloud, name, server_id, body, status)
        assert domstate(server_id).startswith(state), (name, domstate(server_id))

    start = time.monotonic()
    assert cloud.delete(f"/v2.1/servers/{server_id}").status_code == 204
    wait_until(lambda: cloud.server(server_id) is None, timeout=60, interval=0.05, message="the server to go")
    TIMINGS["delete"] = round(time.monotonic() - start, 3)
    assert domstate(server_id) == "absent"
    leftovers = [p for p in (workspace / "instances").rglob("*") if server_id in p.name]
    assert leftovers == [], leftovers
    assert host in ("node1", "node2")


def test_resize_snapshot_and_a_guest_stopped_from_outside(cloud, workspace):
    server_id, server = create(cloud, "resized", cloud.demo_image_id())
    source = server["OS-EXT-SRV-ATTR:host"]

    resized = timed(cloud, "resize", server_id, {"resize": {"flavorRef": "2"}}, "VERIFY_RESIZE")
    assert resized["OS-EXT-SRV-ATTR:host"] != source
    assert domstate(server_id) == "running (booted)"
    assert virsh("vcpucount", "--current", "--live", f"instance-{server_id}").stdout.strip() == "1"
    memory_kib = virsh("dominfo", f"instance-{server_id}").stdout
    assert "2097152 KiB" in memory_kib, memory_kib
    timed(cloud, "confirm_resize", server_id, {"confirmResize": None}, "ACTIVE")
    assert not (workspace / "instances" / source / f"{server_id}_resize").exists()

    # A snapshot becomes a qcow2 image that boots a new server.
    start = time.monotonic()
    response = cloud.post(f"/v2.1/servers/{server_id}/action", json={"createImage": {"name": "snap"}})
    assert response.status_code == 202, response.text
    image_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    image = wait_until(
        lambda: (i := cloud.get(f"/v2.1/images/{image_id}").json().get("image")) and i["status"] == "ACTIVE" and i,
        timeout=120,
        interval=0.05,
        message="the snapshot to be active",
    )
    TIMINGS["snapshot"] = round(time.monotonic() - start, 3)
    assert cloud.query("SELECT disk_format FROM images_image WHERE id = %s", image_id)[0]["disk_format"] == "qcow2"
    assert image["minDisk"] == 20  # the resized server's root disk
    too_small = {"server": {"name": "tiny", "flavorRef": "1", "imageRef": image_id, "networks": "none"}}
    refused = cloud.post("/v2.1/servers", json=too_small)
    assert refused.status_code == 400 and "disk is too small" in refused.json()["badRequest"]["message"]
    child_id, _ = create(cloud, "from_snapshot", image["id"], flavor="2")
    banner = BANNER.decode().strip()
    wait_until(lambda: banner in console(cloud, child_id), timeout=60, message="the snapshot's guest to boot")

    # Stopped behind cloudcore's back: libvirt's lifecycle event reports it long before the periodic sync.
    start = time.monotonic()
    assert virsh("destroy", f"instance-{child_id}").returncode == 0
    stopped = wait_until(
        lambda: (s := cloud.server(child_id)) and s["status"] == "SHUTOFF" and s, timeout=20, interval=0.05,
        message="the server to show SHUTOFF after the guest was stopped from outside",
    )  # fmt: skip
    TIMINGS["outside_stop_seen"] = round(time.monotonic() - start, 3)
    assert stopped["OS-EXT-STS:power_state"] == 4

    for sid in (server_id, child_id):
        assert cloud.delete(f"/v2.1/servers/{sid}").status_code == 204
    wait_until(lambda: not any(cloud.server(s) for s in (server_id, child_id)), timeout=60, message="deletes")
    assert domstate(server_id) == "absent" and domstate(child_id) == "absent"
