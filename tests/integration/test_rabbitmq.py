"""The README's production note, checked: with BROKER_URL pointing at RabbitMQ the task queues move
there, Redis keeps only call results and metrics, and servers still boot and go."""

import socket

import pytest

pytestmark = pytest.mark.integration

BROKER = "amqp://guest:guest@127.0.0.1:5672//"


def rabbitmq_listening() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def test_servers_boot_with_rabbitmq_as_the_broker(cloud_factory):
    if not rabbitmq_listening():
        pytest.skip("RabbitMQ is not listening on 127.0.0.1:5672 (Debian's rabbitmq-server)")
    with cloud_factory(computes={"node1": {}}, schedulers=1, env={"BROKER_URL": BROKER}) as cloud:
        server_id = cloud.create_server("over-amqp")
        cloud.wait_for_status(server_id, "ACTIVE")
        assert "booted over-amqp" in cloud.post(f"/v2.1/servers/{server_id}/action",
                                                json={"os-getConsoleOutput": {}}).json()["output"]  # fmt: skip
        assert cloud.queue_length("scheduler") == 0 and cloud.queue_length("compute.node1") == 0  # not in Redis
        assert cloud.delete(f"/v2.1/servers/{server_id}").status_code == 204
        logs = cloud.logs()
        assert "amqp://guest:**@127.0.0.1:5672//" in logs
