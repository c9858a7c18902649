"""A compute host that speaks for others: every message is believed only as far as its signature goes.

A real cloud runs two fake nodes, each enrolled by the launcher with its own key and certificate.
The test is a third process holding what an attacker on node1 would hold: node1's key and
certificate and the broker's address. It forges the host a report names, sends unsigned messages
(a process with the broker's address and no key), signs with a CA of its own, with node1's key
where only the control plane may sign, with a renewed-then-revoked certificate of node1's, and it
replays orders (another host's to node1, one already obeyed, one expired). Each is refused: the
refusal counter in /metrics rises by exactly one with the expected service and reason, a log
says so, and the tables are the same before and after. Honest traffic goes on working.
"""

import datetime
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cloudcore.launcher import BASE_DIR
from core import names, pki
from tests.fixtures.polling import wait_until
from tests.security.test_conductor_trust import boot_on, dump, refusals

pytestmark = pytest.mark.integration

HUGE = {"vcpus": 1 << 20, "memory_mb": (1 << 31) - 1, "local_gb": (1 << 31) - 1}


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    with cloud_factory(computes={"node1": {}, "node2": {}}, schedulers=1) as running:
        yield running


@pytest.fixture(scope="module")
def servers(cloud):
    return {"node1": boot_on(cloud, "mine", "node1"), "node2": boot_on(cloud, "theirs", "node2")}


def signing_refusals(cloud) -> Counter:
    """``refused_messages_total`` from /metrics, by (service, reason)."""
    counts = Counter()
    for family in text_string_to_metric_families(cloud.get("/metrics").text):
        if family.name == "cloudcore_refused_messages":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    counts[(sample.labels["service"], sample.labels["reason"])] += sample.value
    return counts


def guests(cloud, host: str) -> list[str]:
    return sorted(cloud.call(host, "compute.list_instances"))


def assert_refused(cloud, service: str, reason: str, send) -> None:
    """``send()`` puts one message on the broker; it must be refused for ``reason`` by ``service``."""
    before, tables = signing_refusals(cloud), dump(cloud)
    message = send()
    after = wait_until(
        lambda: (c := signing_refusals(cloud)) and sum(c.values()) > sum(before.values()) and c,
        timeout=30,
        message=f"{service} to refuse {message['task']} ({reason})",
    )
    assert after - before == Counter({(service, reason): 1})
    assert dump(cloud) == tables
    logs = "".join(p.read_text() for p in cloud.log_dir.glob("*.log"))
    assert f"refused {message['task']} from " in logs and f"({reason})" in logs


def manage(cloud, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=cloud.cloud._base_env(),
                          cwd=BASE_DIR, capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def test_a_report_that_names_another_host_is_refused(cloud, servers):
    node1 = cloud.node_identity("node1")
    assert_refused(cloud, "conductor", "forged_host", lambda: cloud.send_as(
        node1, "conductor.sync_instances", host="node2", instances={}, collected_at=now()))  # fmt: skip
    assert_refused(cloud, "conductor", "forged_host", lambda: cloud.send_as(
        node1, "conductor.node_report", host="node2", resources=HUGE))  # fmt: skip


def test_the_broker_address_alone_registers_nothing_and_changes_no_capacity(cloud, servers):
    assert_refused(cloud, "conductor", "unsigned", lambda: cloud.send_as(
        None, "conductor.service_heartbeat", host="made-up"))  # fmt: skip
    assert_refused(cloud, "conductor", "unsigned", lambda: cloud.send_as(
        None, "conductor.node_report", host="node2", resources=HUGE))  # fmt: skip
    # A certificate for a made-up host, from a CA of the attacker's own.
    forged = pki.Authority(*_own_ca()).issue(pki.COMPUTE, "made-up", "127.0.0.1")
    assert_refused(cloud, "conductor", "unknown_signer", lambda: cloud.send_as(
        forged, "conductor.node_report", resources={**HUGE, "hypervisor_hostname": "made-up"}))  # fmt: skip
    assert not cloud.query("SELECT 1 FROM hosts_service WHERE host = 'made-up'")


def _own_ca():
    authority = pki._new_ca()
    return authority.key, authority.cert


def test_orders_come_from_the_control_plane_only(cloud, servers):
    theirs = servers["node2"]
    assert_refused(cloud, "compute", "unsigned", lambda: cloud.send_as(
        None, "compute.terminate_instance", names.compute_queue("node2"), instance_uuid=theirs))  # fmt: skip
    assert_refused(cloud, "compute", "wrong_role", lambda: cloud.send_as(
        cloud.node_identity("node1"), "compute.terminate_instance", names.compute_queue("node2"),
        instance_uuid=theirs))  # fmt: skip
    # Only the control plane may run the reconciler or ask the scheduler.
    assert_refused(cloud, "conductor", "wrong_role", lambda: cloud.send_as(
        cloud.node_identity("node1"), "conductor.purge_deleted_instances"))  # fmt: skip
    assert_refused(cloud, "scheduler", "unsigned", lambda: cloud.send_as(
        None, "scheduler.select_destinations", names.SCHEDULER_QUEUE, instance_uuids=[theirs]))  # fmt: skip
    assert theirs in guests(cloud, "node2")


def test_another_hosts_order_expired_or_replayed_is_refused(cloud, servers):
    control = cloud.control_plane()
    theirs = servers["node2"]
    # node2's build order (as the scheduler signs it for compute.node2) put on node1's queue instead.
    build = cloud.message(control, "compute.build_and_run_instance", names.compute_queue("node2"),
                          **build_order(cloud, theirs))  # fmt: skip
    assert_refused(
        cloud, "compute", "wrong_target", lambda: cloud.deliver(build, names.compute_queue("node1")) or build
    )
    order = {"instance_uuid": theirs, "request_id": None}
    assert_refused(cloud, "compute", "expired", lambda: cloud.send_as(
        control, "compute.terminate_instance", names.compute_queue("node2"), ttl=-1, **order))  # fmt: skip
    # An order obeyed once is refused when it comes again.
    query = cloud.send_as(control, "compute.list_instances", names.compute_queue("node1"))
    assert_refused(cloud, "compute", "replayed", lambda: cloud.deliver(query, names.compute_queue("node1")) or query)
    assert theirs in guests(cloud, "node2")


def build_order(cloud, server_id: str) -> dict:
    """The fields of a build order for ``server_id`` (what the scheduler sends its host)."""
    [row] = cloud.query("SELECT name, project_id, flavor, attempt_id FROM compute_instance WHERE uuid = %s", server_id)
    instance = {"uuid": server_id, "name": row["name"], "project_id": row["project_id"], "flavor": row["flavor"],
                "image": {"id": cloud.demo_image_id()}, "metadata": {}, "network_info": []}  # fmt: skip
    return {"instance": instance, "attempt_id": str(row["attempt_id"]), "request_id": None}


def test_a_replayed_report_changes_nothing(cloud, servers):
    mine = servers["node1"]
    response = cloud.post(f"/v2.1/servers/{mine}/action", json={"os-stop": None})
    assert response.status_code == 202, response.text
    cloud.wait_for_status(mine, "SHUTOFF")
    [row] = cloud.query("SELECT task_id FROM compute_instance WHERE uuid = %s", mine)
    report = {"instance_uuid": mine, "expected_task_state": "powering-off", "task_id": str(row["task_id"]),
              "updates": {"vm_state": "stopped", "task_state": None, "power_state": 4}}  # fmt: skip
    before, tables = refusals(cloud), dump(cloud)
    cloud.send_as(cloud.node_identity("node1"), "conductor.instance_update", **report)
    wait_until(lambda: refusals(cloud) - before == Counter({"not_in_flight": 1}), timeout=30,
               message="the conductor to refuse the replayed report")  # fmt: skip
    assert dump(cloud) == tables
    assert cloud.post(f"/v2.1/servers/{mine}/action", json={"os-start": None}).status_code == 202
    cloud.wait_for_status(mine, "ACTIVE")


def test_a_revoked_certificate_is_refused_and_renewal_needs_no_restart(cloud, servers, tmp_path):
    out = manage(cloud, "enroll_node", "node1", "--address", "127.0.0.1", "--out-dir", str(tmp_path))
    assert out.startswith("enrolled node1: certificate ")
    renewed = pki.load_identity(tmp_path / "node1")
    serial = pki.serial_of(renewed.cert)
    # Both certificates are valid: the renewed one is believed beside the one node1 runs with.
    before = signing_refusals(cloud)
    cloud.send_as(renewed, "conductor.service_heartbeat")
    wait_until(lambda: cloud.query("SELECT report_count FROM hosts_service WHERE host = 'node1'"), timeout=10)
    assert manage(cloud, "revoke_node", "node1", "--serial", serial).startswith("revoked 1 certificate")
    assert_refused(cloud, "conductor", "revoked", lambda: cloud.send_as(renewed, "conductor.node_report",
                                                                         resources=HUGE))  # fmt: skip
    assert signing_refusals(cloud) - before == Counter({("conductor", "revoked"): 1})
    # node1 itself still runs on its own certificate.
    server = cloud.boot(f"after-{uuid.uuid4().hex[:6]}", availability_zone="nova:node1")
    assert server["OS-EXT-SRV-ATTR:host"] == "node1"
