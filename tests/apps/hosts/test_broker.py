"""A compute node's RabbitMQ permissions: its own queues and the exchanges it reports through, nothing else."""

import re
import subprocess

from apps.hosts import broker


def allowed(pattern: str, name: str) -> bool:
    return re.fullmatch(pattern, name) is not None


def test_a_node_may_use_its_own_queues_and_publish_only_where_a_node_reports():
    perms = broker.node_permissions("node1")
    mine = ("compute.node1", "compute-node1@vm.example.com.celery.pidbox")
    for name in mine:
        assert all(allowed(perms[kind], name) for kind in ("configure", "write", "read")), name
    for exchange in ("conductor", "cloudcore.reply", "celeryev", "reply.celery.pidbox"):
        assert allowed(perms["write"], exchange), exchange
        assert not allowed(perms["read"], exchange), exchange
    assert allowed(perms["read"], "celery.pidbox") and not allowed(perms["write"], "celery.pidbox")


def test_a_node_reaches_no_other_queue():
    perms = broker.node_permissions("node1")
    others = ("compute.node2", "compute.node10", "compute.node1x", "scheduler", "amq.default", "",
              "compute-node2@vm.celery.pidbox", "compute-node10@vm.celery.pidbox", "celery")  # fmt: skip
    for name in others:
        assert not any(allowed(perms[kind], name) for kind in ("configure", "write", "read")), name
    assert not allowed(perms["configure"], "conductor") and not allowed(perms["read"], "conductor")


def test_the_script_holds_the_same_calls_and_quotes_them():
    text = broker.script({"node1": "p w'd"}, vhost="/cc", ctl=("rabbitmqctl", "-n", "rabbit@mq"))
    lines = text.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert "rabbitmqctl -n rabbit@mq -q add_user node1 'p w'\"'\"'d' 2>/dev/null || true" in lines
    perms = broker.node_permissions("node1")
    assert subprocess.run(["sh", "-n"], input=text, text=True).returncode == 0
    assert any(perms["write"] in line and "set_permissions -p /cc node1" in line for line in lines)
