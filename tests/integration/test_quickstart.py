"""The quick start itself: ``make up`` on SQLite and the embedded Redis boots a server, and SIGTERM
stops every process it started."""

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests

from cloudcore.launcher import BASE_DIR, free_port, wait_for_port
from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_make_up_boots_a_server_and_stops_cleanly(tmp_path):
    api_port, flower_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(CLOUDCORE_DATA_DIR=str(tmp_path), API_PORT=str(api_port), FLOWER_PORT=str(flower_port))
    env["REPORT_INTERVAL"] = "1"
    log = (tmp_path / "make-up.log").open("wb")
    make = subprocess.Popen(["make", "-s", "up"], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:
        assert wait_for_port(api_port, 120), (tmp_path / "make-up.log").read_text()[-3000:]
        db = tmp_path / "cloudcore.sqlite3"

        def nodes() -> int:
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT count(*) FROM hosts_computenode").fetchone()[0]

        wait_until(lambda: nodes() == 2, timeout=60, message="node1 and node2 to register")
        api = requests.Session()
        api.auth = ("admin", "admin")
        base = f"http://127.0.0.1:{api_port}/v2.1"
        image = next(i["id"] for i in api.get(f"{base}/images").json()["images"] if i["name"] == "demo")
        flavor = next(f["id"] for f in api.get(f"{base}/flavors").json()["flavors"] if f["name"] == "m1.tiny")
        body = {"server": {"name": "vm1", "flavorRef": flavor, "imageRef": image, "networks": "none"}}
        created = api.post(f"{base}/servers", json=body)
        assert created.status_code == 202, created.text
        server_id = created.json()["server"]["id"]
        wait_until(
            lambda: api.get(f"{base}/servers/{server_id}").json()["server"]["status"] == "ACTIVE",
            timeout=60,
            message="the server to become ACTIVE",
        )
        # The token recipe make up prints works as printed, and its token works on the API.
        printed = (tmp_path / "make-up.log").read_text()
        recipe = printed.split("Get a token for the admin (then send it as X-Auth-Token):\n", 1)[1]
        command = "\n".join(recipe.splitlines()[:2])
        header = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30).stdout
        token = header.split(":", 1)[1].strip()
        servers = requests.get(f"{base}/servers", headers={"X-Auth-Token": token}, timeout=10)
        assert servers.status_code == 200 and [s["id"] for s in servers.json()["servers"]] == [server_id]
        assert wait_for_port(flower_port, 30)
        assert requests.get(f"http://127.0.0.1:{flower_port}/", timeout=10).status_code == 401
        flower = requests.get(f"http://127.0.0.1:{flower_port}/tasks", auth=("admin", "admin"), timeout=10)
        assert flower.status_code == 200
        started = descendants(make.pid)
        assert len(started) >= 9  # the launcher, redis, api, scheduler, conductor, 2 computes, beat, flower
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=60)
        log.close()

    wait_until(lambda: not [pid for pid in started if alive(pid)], timeout=30, message="every child to exit")
