"""Break the servers the cloud stands on: restart Redis during boots, stop PostgreSQL during API
traffic. These tests always start their own throwaway Redis and PostgreSQL."""

import os
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from cloudcore.launcher import BASE_DIR, free_port, wait_for_port
from tests.fixtures.polling import wait_until
from tests.fixtures.services import ThrowawayPostgres, redis_server
from tests.integration.cloud import ADMIN

pytestmark = pytest.mark.integration

HEALING = {
    "REPORT_INTERVAL": "1",
    "SERVICE_DOWN_TIME": "10",
    "SYNC_POWER_STATE_INTERVAL": "2",
    "RECONCILE_INTERVAL": "1",
    "RESEND_AFTER": "3",
    "BUILD_TIMEOUT": "60",
}


class OwnRedis:
    """A Redis on a fixed port and directory, with an append-only file, that can be stopped and started."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.dir = directory
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [redis_server(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "everysec", "--dir", str(self.dir)]  # fmt: skip
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        assert wait_for_port(self.port, 10)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def test_restarting_redis_during_50_boots_loses_and_duplicates_nothing(cloud_factory, tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    computes = {"node1": {"FAKE_SPAWN_DELAY": "0.5"}, "node2": {"FAKE_SPAWN_DELAY": "0.5"}}
    try:
        with cloud_factory(computes=computes, schedulers=1, beat=True, env=HEALING, redis_url=redis.url) as cloud:
            with ThreadPoolExecutor(max_workers=10) as pool:
                ids = list(pool.map(lambda i: cloud.create_server(f"redis-{i}"), range(50)))
            redis.kill()
            outage = time.monotonic()
            time.sleep(2)
            redis.start()

            finals = [cloud.wait_for_status(server_id, "ACTIVE", "ERROR", timeout=180) for server_id in ids]
            converged = time.monotonic() - outage

            assert len(finals) == 50

            def holdings_match():
                """Each ACTIVE server on exactly its own host; nothing else anywhere (orphans are
                destroyed by the hosts' periodic inventory)."""
                held = {host: set(cloud.call(host, "compute.list_instances")) for host in ("node1", "node2")}
                servers = {s["id"]: cloud.server(s["id"]) for s in finals}
                expected = {
                    host: {
                        i for i, s in servers.items() if s["status"] == "ACTIVE" and s["OS-EXT-SRV-ATTR:host"] == host
                    }
                    for host in held
                }
                return held == expected and servers

            servers = wait_until(holdings_match, timeout=60, interval=1, message="hypervisors to match the database")
            statuses = Counter(s["status"] for s in servers.values())
            faults = sorted({s["fault"]["message"][:80] for s in servers.values() if s["status"] == "ERROR"})
            print(f"\nRedis restarted during 50 boots: {dict(statuses)} {faults}, "
                  f"all settled {converged:.1f} s after the crash")  # fmt: skip
            # Loses nothing: every server built, on one host, holding exactly one claim there, and
            # each node's usage the sum of its claims (holdings_match: no host holds a guest the
            # database does not know).
            assert statuses == Counter({"ACTIVE": 50}), faults
            allocations = cloud.allocations()
            assert sorted(str(a["instance_id"]) for a in allocations) == sorted(ids)
            for name, node in cloud.nodes().items():
                mine = [a for a in allocations if a["node"] == name]
                claimed = tuple(sum(a[k] for a in mine) for k in ("vcpus", "memory_mb", "disk_gb"))
                assert (node["vcpus_used"], node["memory_mb_used"], node["local_gb_used"]) == claimed, name
    finally:
        redis.kill()


def test_stopping_postgresql_gives_503s_and_the_api_recovers(tmp_path):
    pg = ThrowawayPostgres()
    database_url = pg.start()
    env = {**os.environ, "DATABASE_URL": database_url, "CLOUDCORE_DATA_DIR": str(tmp_path), "ALLOW_BASIC_AUTH": "true"}
    manage = [os.sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=BASE_DIR)
    subprocess.run([*manage, "seed"], env=env, check=True, cwd=BASE_DIR, stdout=subprocess.DEVNULL)
    port = free_port()
    api = subprocess.Popen(
        [os.sys.executable, "-m", "gunicorn", "cloudcore.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "2"],
        env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    results: list[tuple[int, dict | None]] = []
    stop = threading.Event()

    def traffic():
        session = requests.Session()
        session.auth = ADMIN
        while not stop.is_set():
            try:
                response = session.get(f"http://127.0.0.1:{port}/v2.1/servers/detail", timeout=10)
                body = (
                    response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
                )
                results.append((response.status_code, body))
            except requests.RequestException:
                results.append((0, None))
            time.sleep(0.05)

    try:
        assert wait_for_port(port, 30)
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/v2.1/servers", auth=ADMIN).status_code == 200)
        worker = threading.Thread(target=traffic)
        worker.start()
        time.sleep(1)
        subprocess.run(pg.ctl("stop", "-m", "fast"), check=True, stdout=subprocess.DEVNULL)
        time.sleep(3)
        subprocess.run(pg.ctl("start", "-w"), check=True, stdout=subprocess.DEVNULL)
        restarted = len(results)
        wait_until(lambda: any(code == 200 for code, _ in results[restarted:]), timeout=30, message="recovery")
        stop.set()
        worker.join()
    finally:
        stop.set()
        os.killpg(api.pid, 15)
        api.wait(10)
        pg.stop()

    codes = [code for code, _ in results]
    assert 503 in codes, "the outage was never seen"
    assert 500 not in codes and 0 not in codes
    for code, body in results:
        if code != 200:
            assert code == 503 and body["serviceUnavailable"]["message"].startswith("The database is unavailable")
    print(f"\nPostgreSQL stopped for 3 s: {codes.count(503)} requests got 503, {codes.count(200)} got 200, none 500")
