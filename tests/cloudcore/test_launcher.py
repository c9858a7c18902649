import subprocess

from cloudcore import launcher
from cloudcore.launcher import Child, Cloud, CloudConfig
from tests.fixtures.polling import wait_until


def running(cloud: Cloud) -> list[int]:
    return [c.process.pid for c in cloud.children if c.process.poll() is None]


def test_stop_terms_then_kills_every_process_group(monkeypatch):
    monkeypatch.setattr(launcher, "STOP_GRACE_SECONDS", 0.5)
    cloud = Cloud(CloudConfig())
    for child in (
        Child("polite", ["sleep", "60"], {}),
        Child("stubborn", ["sh", "-c", "trap '' TERM; sleep 60 & wait"], {}),
    ):
        cloud._spawn(child)
        cloud.children.append(child)
    grandchild_group = cloud.children[1].process.pid

    cloud.stop()

    assert running(cloud) == []

    def group_left() -> bytes:  # a killed grandchild can linger a moment until it is reaped
        return subprocess.run(["pgrep", "-g", str(grandchild_group)], capture_output=True).stdout

    wait_until(lambda: group_left() == b"", timeout=10, interval=0.1, message="the killed grandchild to be reaped")


def test_a_dead_child_is_noticed():
    cloud = Cloud(CloudConfig())
    child = Child("short", ["true"], {})
    cloud._spawn(child)
    cloud.children.append(child)
    child.process.wait()
    assert cloud.dead_child() is child
    cloud.stop()


def test_the_plan_keeps_database_settings_away_from_compute(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db/cloud")
    cloud = Cloud(CloudConfig(computes={"node1": {"FAKE_VCPUS": "2"}}, flower_port=None, beat=False))
    cloud.redis_url = "redis://127.0.0.1:1/0"
    plan = {child.name: child for child in cloud._plan()}

    assert set(plan) == {"api", "scheduler-1", "conductor-1", "compute-node1"}
    compute = plan["compute-node1"]
    assert "DATABASE_URL" not in compute.env and compute.env["CLOUDCORE_HOST"] == "node1"
    assert compute.env["FAKE_VCPUS"] == "2"
    assert compute.argv[1:4] == ["-m", "workers.compute", "worker"]
    assert plan["scheduler-1"].env["DATABASE_URL"] == "postgres://secret@db/cloud"
