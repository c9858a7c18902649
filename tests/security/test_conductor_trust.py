"""A compute node that lies: forged conductor reports sent with nothing but the node's broker URL.

A real cloud runs two fake nodes. The test plays node1, the way a compromised hypervisor host
could: it sends conductor tasks by name over the broker, about its own server while that server's
snapshot is in flight (node1 is frozen, so the honest snapshot waits), about node2's server, and
about another project's images, and it plants links and files in the image store it shares.
Each forged report must be refused: the refusal counter in /metrics rises by exactly one (with
the expected reason), the conductor logs it, and the relevant tables and the store are the same
before and after. At the end node1 wakes up and its honest snapshot still becomes a usable image.
"""

import hashlib
import os
import signal
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from apps.images.demo import digests
from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

PASSWORD = "Other-Tenant-Pass-51d0"
# Liveness columns change with every heartbeat; everything else a report could touch is compared.
TABLES = {
    "instances": "SELECT * FROM compute_instance ORDER BY uuid",
    "images": "SELECT * FROM images_image ORDER BY id",
    # Not running_vms and updated_at: the live node's own periodic reports move them (the one that
    # follows a boot can land while a forged message is checked).
    "nodes": "SELECT id, uuid, service_id, host, hypervisor_hostname, vcpus, memory_mb, local_gb, vcpus_used, "
    "memory_mb_used, local_gb_used, failed_builds, capabilities FROM hosts_computenode ORDER BY id",
    "services": 'SELECT id, host, "binary", topic, disabled, forced_down, updated_at FROM hosts_service ORDER BY id',
    "allocations": "SELECT * FROM hosts_allocation ORDER BY id",
    "faults": "SELECT * FROM compute_instancefault ORDER BY id",
    "actions": "SELECT * FROM compute_instanceaction ORDER BY id",
    "events": "SELECT * FROM compute_instanceactionevent ORDER BY id",
    "migrations": "SELECT * FROM compute_migration ORDER BY id",
}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    with cloud_factory(computes={"node1": {}, "node2": {}}, schedulers=1) as running:
        yield running


def boot_on(cloud, name: str, host: str) -> str:
    server = cloud.boot(name, availability_zone=f"nova:{host}")
    assert server["OS-EXT-SRV-ATTR:host"] == host
    return server["id"]


def other_project_images(cloud) -> dict[str, str]:
    """Another project, with one queued image and one active image (with data in the store)."""
    project = cloud.post("/identity/v3/projects", json={"project": {"name": "victim"}}).json()["project"]
    body = {"user": {"name": "victim-user", "password": PASSWORD, "default_project_id": project["id"]}}
    user = cloud.post("/identity/v3/users", json=body).json()["user"]
    member = cloud.get("/identity/v3/roles?name=member").json()["roles"][0]
    cloud.http.put(cloud.url(f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/{member['id']}"))
    victim = requests.Session()
    victim.auth = ("victim-user", PASSWORD)
    images = {}
    for name in ("queued", "active"):
        body = {"name": f"victim-{name}", "disk_format": "raw", "container_format": "bare"}
        response = victim.post(cloud.url("/image/v2/images"), json=body, timeout=30)
        assert response.status_code == 201, response.text
        images[name] = response.json()["id"]
    upload = victim.put(cloud.url(f"/image/v2/images/{images['active']}/file"), data=b"victim's secret disk",
                        headers={"Content-Type": "application/octet-stream"}, timeout=30)  # fmt: skip
    assert upload.status_code == 204, upload.text
    assert images["active"] and project["id"]
    return images


def refusals(cloud) -> Counter:
    """The refusal counter from /metrics, by reason."""
    counts = Counter()
    for family in text_string_to_metric_families(cloud.get("/metrics").text):
        if family.name == "cloudcore_conductor_refused_reports":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["reason"]] += sample.value
    return counts


def dump(cloud) -> dict:
    return {name: cloud.query(sql) for name, sql in TABLES.items()}


def store_hash(store: Path) -> str:
    """What the store holds: every name, what kind of entry it is, where a link points, its bytes."""
    digest = hashlib.sha256()
    for entry in sorted(store.iterdir()):
        digest.update(entry.name.encode())
        if entry.is_symlink():
            digest.update(b"link:" + os.readlink(entry).encode())
        elif entry.is_file():
            digest.update(entry.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def scene(cloud):
    """node1's server with a snapshot in flight (node1 frozen), node2's server, another project's images."""
    store = Path(cloud.config.env["CLOUDCORE_DATA_DIR"]) / "images"
    mine, theirs = boot_on(cloud, "mine", "node1"), boot_on(cloud, "theirs", "node2")
    victim = other_project_images(cloud)
    cloud.cloud.signal_child("compute-node1", signal.SIGSTOP)
    try:
        response = cloud.post(f"/v2.1/servers/{mine}/action", json={"createImage": {"name": "snap"}})
        assert response.status_code == 202, response.text
        snapshot = response.headers["Location"].rsplit("/", 1)[-1]  # image_id is in the body from 2.45
        [row] = cloud.query("SELECT task_state, task_id FROM compute_instance WHERE uuid = %s", mine)
        assert row["task_state"] == "image_snapshot"
        yield {"store": store, "mine": mine, "theirs": theirs, "snapshot": snapshot, "task_id": str(row["task_id"]),
               "victim": victim}  # fmt: skip
    finally:
        cloud.cloud.signal_child("compute-node1", signal.SIGCONT)


def send(cloud, task: str, **kwargs) -> None:
    """What a node does: cast a conductor task by name, signed with node1's key, with whatever it
    likes in it (the sender is who signed it: the body names no host)."""
    cloud.send_as(cloud.node_identity("node1"), task, **kwargs)


def assert_refused(cloud, store: Path, reason: str, task: str, **kwargs) -> None:
    before_counts, before_tables, before_store = refusals(cloud), dump(cloud), store_hash(store)
    send(cloud, task, **kwargs)
    after = wait_until(
        lambda: (c := refusals(cloud)) and sum(c.values()) > sum(before_counts.values()) and c,
        timeout=30,
        message=f"the conductor to refuse {task} ({reason})",
    )
    assert after - before_counts == Counter({reason: 1})
    assert dump(cloud) == before_tables
    assert store_hash(store) == before_store
    log = (cloud.log_dir / "conductor-1.log").read_text()
    assert f"refused {task.removeprefix('conductor.')} from " in log and f"({reason})" in log


def snapshot_report(scene, **overrides) -> dict:
    report = {"instance_uuid": scene["mine"], "image_id": scene["snapshot"],
              "task_id": scene["task_id"], "image_file": digests(b"anything"), "request_id": "req-forged"}  # fmt: skip
    report.update(overrides)
    return report


def test_a_path_the_host_names_is_never_believed(cloud, scene, tmp_path):
    outside = tmp_path / "outside-the-store"
    outside.write_bytes(b"a file the API can read (the SQLite database, say)")
    image_file = {"path": str(outside), **digests(outside.read_bytes())}
    # Made downloadable as the snapshot's data, once; now the conductor looks only at the store.
    assert_refused(cloud, scene["store"], "unsafe_data", "conductor.snapshot_done",
                   **snapshot_report(scene, image_file=image_file))  # fmt: skip
    # Deleted as the leftover data of an image no longer queued, once; now that image is not this snapshot.
    assert_refused(cloud, scene["store"], "wrong_image", "conductor.snapshot_done",
                   **snapshot_report(scene, image_id=scene["victim"]["active"], image_file=image_file))  # fmt: skip
    assert outside.read_bytes().startswith(b"a file the API can read")


def test_a_link_out_of_the_store_is_refused(cloud, scene, tmp_path):
    outside = tmp_path / "host-file"
    outside.write_bytes(b"/etc/shadow, say")
    link = scene["store"] / scene["snapshot"]
    link.symlink_to(outside)
    try:
        assert_refused(cloud, scene["store"], "unsafe_data", "conductor.snapshot_done",
                       **snapshot_report(scene, image_file=digests(outside.read_bytes())))  # fmt: skip
    finally:
        link.unlink()


def test_a_link_or_second_name_of_another_images_data_is_refused(cloud, scene):
    theirs = scene["store"] / scene["victim"]["active"]
    planted = scene["store"] / scene["snapshot"]
    for plant in (planted.symlink_to, planted.hardlink_to):
        plant(theirs)
        try:
            assert_refused(cloud, scene["store"], "unsafe_data", "conductor.snapshot_done",
                           **snapshot_report(scene, image_file=digests(theirs.read_bytes())))  # fmt: skip
        finally:
            planted.unlink()
    assert theirs.read_bytes() == b"victim's secret disk"


def test_figures_that_differ_from_the_data_are_refused(cloud, scene):
    planted = scene["store"] / scene["snapshot"]
    planted.write_bytes(b"what the host wrote")
    try:
        assert_refused(cloud, scene["store"], "data_mismatch", "conductor.snapshot_done",
                       **snapshot_report(scene, image_file=digests(b"what the host claims")))  # fmt: skip
    finally:
        planted.unlink()


def test_another_projects_image_is_neither_activated_nor_deleted(cloud, scene):
    for image_id in scene["victim"].values():
        assert_refused(cloud, scene["store"], "wrong_image", "conductor.snapshot_done",
                       **snapshot_report(scene, image_id=image_id, image_file=None, fault="x"))  # fmt: skip
    statuses = {row["id"]: row["status"] for row in cloud.query("SELECT id::text, status FROM images_image")}
    assert (statuses[scene["victim"]["queued"]], statuses[scene["victim"]["active"]]) == ("queued", "active")


def test_a_report_about_another_hosts_instance_is_refused(cloud, scene):
    assert_refused(cloud, scene["store"], "wrong_host", "conductor.snapshot_done",
                   **snapshot_report(scene, instance_uuid=scene["theirs"], image_file=None, fault="x"))  # fmt: skip
    assert_refused(cloud, scene["store"], "wrong_host", "conductor.instance_update",
                   instance_uuid=scene["theirs"], expected_task_state="powering-off", task_id=scene["task_id"],
                   updates={"vm_state": "stopped", "task_state": None, "power_state": 4})  # fmt: skip
    resources = {"hypervisor_hostname": "node2", "vcpus": 100000, "memory_mb": 1, "local_gb": 1}
    assert_refused(cloud, scene["store"], "wrong_host", "conductor.node_report", resources=resources)


def test_a_report_for_an_operation_not_in_flight_is_refused(cloud, scene):
    assert_refused(cloud, scene["store"], "not_in_flight", "conductor.snapshot_done",
                   **snapshot_report(scene, task_id=str(uuid.uuid4()), image_file=None, fault="x"))  # fmt: skip
    assert_refused(cloud, scene["store"], "not_in_flight", "conductor.instance_update",
                   instance_uuid=scene["mine"], expected_task_state="powering-off", task_id=scene["task_id"],
                   updates={"vm_state": "stopped", "task_state": None, "power_state": 4})  # fmt: skip


def test_an_update_outside_the_operations_fields_is_refused(cloud, scene):
    for updates in ({"task_state": None, "host": "node2"}, {"task_state": "deleting"},
                    {"task_state": None, "vm_state": "error"}, {"task_state": None, "power_state": 99}):  # fmt: skip
        assert_refused(cloud, scene["store"], "bad_field", "conductor.instance_update",
                       instance_uuid=scene["mine"], expected_task_state="image_snapshot", task_id=scene["task_id"],
                       updates=updates)  # fmt: skip
    assert_refused(cloud, scene["store"], "bad_field", "conductor.node_report",
                   resources={"vcpus": 10**12, "memory_mb": 1, "local_gb": 1})  # fmt: skip


def test_the_honest_snapshot_still_becomes_a_bootable_image(cloud, scene):
    cloud.cloud.signal_child("compute-node1", signal.SIGCONT)
    image = wait_until(
        lambda: (i := cloud.get(f"/image/v2/images/{scene['snapshot']}").json())["status"] == "active" and i,
        message="the snapshot to become active",
    )
    data = cloud.get(f"/image/v2/images/{scene['snapshot']}/file").content
    assert data.startswith(b"fake disk of mine") and image["size"] == len(data)
    assert image["checksum"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert cloud.wait_for_status(scene["mine"], "ACTIVE")["OS-EXT-STS:task_state"] is None
    cloud.boot("from-snap", imageRef=scene["snapshot"])
