"""The rogue compute host again, on RabbitMQ with a broker user per node.

The cloud's processes use RabbitMQ as the broker (a vhost of the test's own); each node connects
as its own user with ``apps.hosts.broker.node_permissions`` and without the Redis URL of the
control plane's results and metrics (call replies come back through the broker). The test holds
node1's broker credentials and key: the broker itself refuses every attempt to reach another
queue (another node's, the scheduler's, the remote-control broadcast, the default exchange) or to
read one; what node1 may send the conductor, and what it may put on its own queue, is still refused
by the signature on it.
"""

import shutil
import socket
import subprocess
import uuid

import pytest
from amqp.exceptions import AccessRefused, NotFound
from kombu import Connection, Producer

from apps.hosts import broker
from core import names, pki, signing
from tests.fixtures.polling import wait_until
from tests.security.test_conductor_trust import boot_on, dump
from tests.security.test_rogue_compute import HUGE, assert_refused, build_order, guests, manage, now

pytestmark = pytest.mark.integration

AMQP = "amqp://{user}:{password}@127.0.0.1:5672/{vhost}"


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def rabbit():
    """A vhost of this test's own: the control plane as guest, node1 and node2 as their own users."""
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        pytest.skip("RabbitMQ is not listening on 127.0.0.1:5672 (Debian's rabbitmq-server)")
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl (Debian's rabbitmq-server) is not installed")
    vhost = f"cc-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    urls = {"control": AMQP.format(user="guest", password="guest", vhost=vhost)}
    for host in ("node1", "node2"):
        password = uuid.uuid4().hex
        broker.create_node_user(host, password, vhost)
        urls[host] = AMQP.format(user=host, password=password, vhost=vhost)
    yield urls
    rabbitmqctl("delete_vhost", vhost)
    for host in ("node1", "node2"):
        rabbitmqctl("delete_user", host)


@pytest.fixture(scope="module")
def cloud(cloud_factory, rabbit):
    # No Redis for the nodes: an address where nothing listens.
    node = {host: {"BROKER_URL": rabbit[host], "REDIS_URL": "redis://127.0.0.1:1/0"} for host in ("node1", "node2")}
    with cloud_factory(computes=node, schedulers=1, env={"BROKER_URL": rabbit["control"]}) as running:
        yield running


@pytest.fixture(scope="module")
def servers(cloud):
    return {"node1": boot_on(cloud, "mine", "node1"), "node2": boot_on(cloud, "theirs", "node2")}


@pytest.fixture(scope="module")
def rogue(rabbit):
    """A Celery app on node1's broker user, as a process on node1 would have."""
    app = signing.SigningCelery("rogue", set_as_current=False)
    app.conf.update(broker_url=rabbit["node1"], task_serializer="json", accept_content=["json"],
                    broker_transport_options={"confirm_publish": True})  # fmt: skip
    app.declares_queues = False
    yield app
    app.close()


def send(rogue, identity, task: str, queue: str = names.CONDUCTOR_QUEUE, **kwargs) -> dict:
    task_id = str(uuid.uuid4())
    headers = signing.sign(identity, task, task_id, queue, (), kwargs) if identity else {signing.SIGNATURE: ""}
    rogue.send_task(task, kwargs=kwargs, queue=queue, headers=headers, task_id=task_id)
    return {"task": task}


def test_honest_traffic_works_with_node_users_and_no_redis_on_the_nodes(cloud, servers):
    for server_id in servers.values():
        output = cloud.post(f"/v2.1/servers/{server_id}/action", json={"os-getConsoleOutput": {}})
        assert output.status_code == 200 and "booted" in output.json()["output"]  # replies come over RabbitMQ
    assert servers["node2"] in guests(cloud, "node2")
    # Remote control (what Flower's worker pages use) reaches the nodes and their answers come back.
    answers = cloud.celery.control.ping(timeout=5)
    assert {name.split("@")[0] for answer in answers for name in answer} >= {"compute-node1", "compute-node2"}
    logs = (cloud.log_dir / "compute-node1.log").read_text() + (cloud.log_dir / "compute-node2.log").read_text()
    assert "ACCESS_REFUSED" not in logs and "access refused" not in logs.lower()


def test_node_credentials_reach_no_other_queue(cloud, servers, rabbit):
    tables = dump(cloud)
    body = {"attack": True}
    for exchange, key in ((names.compute_queue("node2"), names.compute_queue("node2")),
                          (names.SCHEDULER_QUEUE, names.SCHEDULER_QUEUE),
                          ("celery.pidbox", ""),  # remote control to every worker
                          ("", names.compute_queue("node2"))):  # fmt: skip
        confirmed = Connection(rabbit["node1"], transport_options={"confirm_publish": True})
        with confirmed as conn, pytest.raises((AccessRefused, NotFound)):
            Producer(conn.channel()).publish(body, exchange=exchange, routing_key=key, retry=False)
    for queue in (names.compute_queue("node2"), names.CONDUCTOR_QUEUE, names.SCHEDULER_QUEUE):
        with Connection(rabbit["node1"]) as conn, pytest.raises(AccessRefused):
            conn.channel().basic_get(queue)
    assert dump(cloud) == tables
    assert servers["node2"] in guests(cloud, "node2")


def test_what_node1_may_send_the_conductor_is_refused_by_its_signature(cloud, servers, rogue):
    node1 = cloud.node_identity("node1")
    assert_refused(cloud, "conductor", "forged_host", lambda: send(
        rogue, node1, "conductor.node_report", host="node2", resources=HUGE))  # fmt: skip
    assert_refused(cloud, "conductor", "forged_host", lambda: send(
        rogue, node1, "conductor.sync_instances", host="node2", instances={}, collected_at=now()))  # fmt: skip
    assert_refused(cloud, "conductor", "unsigned", lambda: send(
        rogue, None, "conductor.service_heartbeat", host="made-up"))  # fmt: skip
    assert_refused(cloud, "conductor", "wrong_role", lambda: send(rogue, node1, "conductor.purge_deleted_instances"))


def deliver(rogue, message: dict, queue: str) -> dict:
    """Put a message node1 holds (captured or forged) on ``queue`` with node1's broker user."""
    rogue.send_task(message["task"], kwargs=message["kwargs"], queue=queue, headers=dict(message["headers"]),
                    task_id=message["task_id"])  # fmt: skip
    return message


def assert_node1_refuses(cloud, reason: str, send) -> None:
    """What node1's own queue carries to it is refused there: the log says so (a node without Redis
    counts nothing in /metrics) and no table changes."""
    log = cloud.log_dir / "compute-node1.log"
    before, tables = log.read_text().count(f"({reason})"), dump(cloud)
    message = send()
    wait_until(lambda: log.read_text().count(f"({reason})") > before, timeout=30,
               message=f"node1 to refuse {message['task']} ({reason})")  # fmt: skip
    assert f"refused {message['task']} from " in log.read_text()
    assert dump(cloud) == tables


def test_orders_on_node1s_own_queue_are_refused_by_node1(cloud, servers, rogue):
    control, queue = cloud.control_plane(), names.compute_queue("node1")
    build = cloud.message(control, "compute.build_and_run_instance", names.compute_queue("node2"),
                          **build_order(cloud, servers["node2"]))  # fmt: skip
    assert_node1_refuses(cloud, "wrong_target", lambda: deliver(rogue, build, queue))
    expired = cloud.message(control, "compute.list_instances", queue, ttl=-1)
    assert_node1_refuses(cloud, "expired", lambda: deliver(rogue, expired, queue))
    assert_node1_refuses(cloud, "unsigned", lambda: deliver(rogue, cloud.message(None, "compute.list_instances", queue),
                                                            queue))  # fmt: skip
    obeyed = cloud.send_as(control, "compute.list_instances", queue)
    assert_node1_refuses(cloud, "replayed", lambda: deliver(rogue, obeyed, queue))
    assert servers["node2"] in guests(cloud, "node2")


def test_a_revoked_certificate_is_refused_over_rabbitmq(cloud, servers, rogue, tmp_path):
    manage(cloud, "enroll_node", "node1", "--out-dir", str(tmp_path))
    renewed = pki.load_identity(tmp_path / "node1")
    manage(cloud, "revoke_node", "node1", "--serial", pki.serial_of(renewed.cert))
    assert_refused(cloud, "conductor", "revoked", lambda: send(rogue, renewed, "conductor.node_report", resources=HUGE))
