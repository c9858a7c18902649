"""Load test: U concurrent users mix creates, lists, shows, actions and deletes for D seconds.

    .venv/bin/python -m tests.fixtures.services -- .venv/bin/python -m bench.load [--users 50 --duration 60]

(throwaway PostgreSQL and Redis are started when DATABASE_URL/REDIS_URL are unset). The cloud is a
``RunningCloud`` (API, two schedulers, a conductor, N fake compute nodes whose operations take a
little simulated time, so users race each other and the workers). Each user is a thread with its
own HTTP session that loops: think for a moment, then pick by weight

- create a server (when it holds fewer than ``--per-user``; otherwise delete one),
- list servers (``/servers/detail?limit=50``, or ``/servers?status=ACTIVE``),
- show one of its servers,
- act on one of its servers, the action chosen from the status it last saw (stop, start, soft and
  hard reboot, pause, unpause, suspend, resume, resize, confirm and revert a resize),
- delete one of its servers.

A 409 is the answer to acting on a server that another request just moved on, and is counted,
not failed. After D seconds the users stop; every server created must settle (no task in
progress, a stable state), then every survivor is deleted and must be gone with nothing left
allocated. ``errors`` lists every 5xx, unexpected status, stuck, ERROR or leaked server: a clean
run prints ``"errors": []``.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

from bench.common import ADMIN, summary_ms, wait_for, workspace

STABLE = ("active", "stopped", "paused", "suspended", "resized", "error")
WEIGHTS = {"create": 25, "list": 25, "show": 15, "action": 25, "delete": 10}
# What a user may ask of a server in each status; every one is legal there at the time it looked.
ACTIONS_BY_STATUS = {
    "ACTIVE": [
        {"os-stop": None},
        {"reboot": {"type": "SOFT"}},
        {"reboot": {"type": "HARD"}},
        {"pause": None},
        {"suspend": None},
        "resize",  # to the next bigger seeded flavor (Nova refuses a smaller disk)
    ],
    "SHUTOFF": [{"os-start": None}],
    "PAUSED": [{"unpause": None}],
    "SUSPENDED": [{"resume": None}],
    "VERIFY_RESIZE": [{"confirmResize": None}, {"revertResize": None}],
}
BIGGEST_FLAVOR = 3  # of the seeded m1.tiny (1) .. m1.xlarge (5): room for many on the fake nodes
# The answers each kind of request may give; anything else is an error of the run.
EXPECTED = {
    "create": {202},
    "list": {200},
    "show": {200},
    "action": {202, 204, 409},  # confirmResize answers 204, as in Nova
    "delete": {204, 409},
}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.codes: dict[str, Counter] = defaultdict(Counter)
        self.unexpected: list[str] = []
        self.created: list[str] = []

    def record(self, kind: str, response: requests.Response | None, seconds: float, detail: str = ""):
        with self.lock:
            self.latency[kind].append(seconds)
            code = response.status_code if response is not None else "no-response"
            self.codes[kind][code] += 1
            if response is None or code not in EXPECTED[kind]:
                text = response.text[:200] if response is not None else detail
                if len(self.unexpected) < 50:
                    self.unexpected.append(f"{kind} {detail} -> {code}: {text}")


class User(threading.Thread):
    def __init__(self, number: int, base: str, image: str, stats: Stats, stop: threading.Event, args):
        super().__init__(name=f"user-{number}", daemon=True)
        self.number = number
        self.base = base
        self.image = image
        self.stats = stats
        self.stop_event = stop
        self.args = args
        self.rng = random.Random(args.seed * 1000 + number)
        self.session = requests.Session()
        self.session.auth = ADMIN
        self.servers: dict[str, str] = {}  # id -> the status this user last saw
        self.flavors: dict[str, str] = {}  # id -> the flavor it last saw
        self.count = 0

    def request(self, kind: str, method: str, path: str, detail: str = "", **kw) -> requests.Response | None:
        began = time.monotonic()
        try:
            response = self.session.request(method, self.base + path, timeout=120, **kw)
        except requests.RequestException as exc:
            self.stats.record(kind, None, time.monotonic() - began, f"{detail} {exc}")
            return None
        self.stats.record(kind, response, time.monotonic() - began, detail)
        return response

    def run(self):
        kinds, weights = zip(*WEIGHTS.items(), strict=True)
        while not self.stop_event.is_set():
            time.sleep(self.rng.uniform(0, self.args.think))
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "create" and len(self.servers) >= self.args.per_user:
                kind = "delete"
            if kind in ("show", "action", "delete") and not self.servers:
                kind = "create"
            getattr(self, kind)()

    def create(self):
        self.count += 1
        name = f"load-{self.number}-{self.count}"
        body = {"server": {"name": name, "flavorRef": "1", "imageRef": self.image, "networks": "none"}}
        response = self.request("create", "POST", "/v2.1/servers", name, json=body)
        if response is not None and response.status_code == 202:
            server_id = response.json()["server"]["id"]
            self.servers[server_id] = "BUILD"
            self.flavors[server_id] = "1"
            with self.stats.lock:
                self.stats.created.append(server_id)

    def list(self):
        path = self.rng.choice(["/v2.1/servers/detail?limit=50", "/v2.1/servers?status=ACTIVE"])
        self.request("list", "GET", path, path)

    def show(self):
        server_id = self.rng.choice(list(self.servers))
        response = self.request("show", "GET", f"/v2.1/servers/{server_id}", server_id)
        if response is not None and response.status_code == 200:
            server = response.json()["server"]
            self.servers[server_id] = server["status"] if server["OS-EXT-STS:task_state"] is None else "BUSY"
            self.flavors[server_id] = server["flavor"]["id"]

    def action(self):
        server_id = self.rng.choice(list(self.servers))
        choices = ACTIONS_BY_STATUS.get(self.servers[server_id])
        if not choices:  # building or busy the last time it looked: look again
            self.show()
            return
        body = self.rng.choice(choices)
        if body == "resize":
            bigger = int(self.flavors[server_id]) + 1
            body = {"resize": {"flavorRef": str(bigger)}} if bigger <= BIGGEST_FLAVOR else {"os-stop": None}
        response = self.request("action", "POST", f"/v2.1/servers/{server_id}/action", f"{server_id} {body}", json=body)
        if response is not None and response.status_code in (202, 204):
            self.servers[server_id] = "BUSY"

    def delete(self):
        server_id = self.rng.choice(list(self.servers))
        response = self.request("delete", "DELETE", f"/v2.1/servers/{server_id}", server_id)
        if response is not None and response.status_code == 204:
            del self.servers[server_id]


def settle(cloud, ids: list[str], timeout: float) -> dict[str, int]:
    """Wait until every server is deleted or stable with no task; return the count per state."""
    seen: dict[str, list] = {}

    def settled() -> bool:
        seen["rows"] = cloud.query(
            "SELECT vm_state, task_state, deleted_at IS NOT NULL AS gone FROM compute_instance"
            " WHERE uuid = ANY(%s::uuid[])",
            ids,
        )
        seen["busy"] = [
            r for r in seen["rows"] if not r["gone"] and (r["task_state"] is not None or r["vm_state"] not in STABLE)
        ]
        return not seen["busy"]

    wait_for(settled, timeout, interval=0.2)
    states = Counter("deleted" if r["gone"] else r["vm_state"] for r in seen["rows"])
    states.update({f"unsettled:{r['vm_state']}/{r['task_state']}": 1 for r in seen["busy"]})
    return dict(states)


def clean_up(cloud, ids: list[str], timeout: float) -> dict:
    """Delete every server still there; then nothing of them may be left, allocations included."""

    def remaining() -> list[str]:
        sql = "SELECT uuid::text FROM compute_instance WHERE uuid = ANY(%s::uuid[]) AND deleted_at IS NULL"
        return [r["uuid"] for r in cloud.query(sql, ids)]

    rest = remaining()
    failed = []
    for server_id in rest:
        response = cloud.delete(f"/v2.1/servers/{server_id}")
        if response.status_code != 204:
            failed.append(f"DELETE {server_id} -> {response.status_code}: {response.text[:200]}")
    wait_for(lambda: not remaining(), timeout, interval=0.2)
    allocations = cloud.query("SELECT count(*) AS n FROM hosts_allocation WHERE instance_id = ANY(%s::uuid[])", ids)
    left = len(remaining())
    return {"deleted_after_run": len(rest), "left": left, "allocations_left": allocations[0]["n"], "failed": failed}


def run(args, template: str, data_dir: Path, log_dir: Path) -> dict:
    from tests.integration.cloud import RunningCloud

    computes = {f"node{i + 1}": {} for i in range(args.computes)}
    env = {
        "FAKE_VCPUS": "256",
        "FAKE_MEMORY_MB": "1048576",
        "FAKE_LOCAL_GB": "20000",
        "FAKE_SPAWN_DELAY": str(args.op_delay * 2),
        "FAKE_DESTROY_DELAY": str(args.op_delay),
        "FAKE_OP_DELAY": str(args.op_delay),
        "REPORT_INTERVAL": "10",
    }
    with RunningCloud(template, data_dir, log_dir, computes=computes, env=env) as cloud:
        base = cloud.url("")
        image = cloud.demo_image_id()
        stats = Stats()
        stop = threading.Event()
        users = [User(i, base, image, stats, stop, args) for i in range(args.users)]
        started = time.monotonic()
        for user in users:
            user.start()
        time.sleep(args.duration)
        stop.set()
        for user in users:
            user.join(150)
        elapsed = time.monotonic() - started
        ids = list(stats.created)
        states = settle(cloud, ids, args.settle_timeout) if ids else {}
        cleanup = clean_up(cloud, ids, args.settle_timeout) if ids else {}

    total = sum(sum(c.values()) for c in stats.codes.values())
    server_errors = sum(
        n for c in stats.codes.values() for code, n in c.items() if isinstance(code, int) and code >= 500
    )
    errors = list(stats.unexpected)
    errors += [
        f"{n} servers {state}" for state, n in states.items() if state.startswith("unsettled") or state == "error"
    ]
    if cleanup.get("left"):
        errors.append(f"{cleanup['left']} servers not deleted after the run")
    if cleanup.get("allocations_left"):
        errors.append(f"{cleanup['allocations_left']} allocations left after the run")
    errors += cleanup.get("failed", [])
    return {
        "benchmark": "load",
        "users": args.users,
        "duration_s": args.duration,
        "computes": args.computes,
        "op_delay_s": args.op_delay,
        "cpus": os.cpu_count(),
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "server_errors_5xx": server_errors,
        "status_codes": {kind: {str(k): v for k, v in sorted(c.items(), key=str)} for kind, c in stats.codes.items()},
        "latency_ms": {kind: summary_ms(values) for kind, values in stats.latency.items()},
        "servers_created": len(ids),
        "states_after_run": states,
        "cleanup": {k: v for k, v in cleanup.items() if k != "failed"},
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--computes", type=int, default=4)
    parser.add_argument("--per-user", type=int, default=6, help="servers a user holds at most")
    parser.add_argument("--think", type=float, default=0.2, help="a user's pause before each request, at most")
    parser.add_argument("--op-delay", type=float, default=0.05, help="seconds each fake operation takes")
    parser.add_argument("--settle-timeout", type=float, default=180)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 8 users for 8 s on 2 nodes")
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.computes, args.settle_timeout = 8, 8, 2, 60

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with workspace("cloudcore-load-") as (template, data_dir, log_dir):
        results = run(args, template, data_dir, log_dir)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
