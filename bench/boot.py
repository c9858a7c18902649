"""End-to-end boot benchmark: real API, scheduler, conductor and fake compute processes.

    .venv/bin/python -m tests.fixtures.services -- .venv/bin/python -m bench.boot [--servers 1000 --computes 10]

(throwaway PostgreSQL and Redis are started when DATABASE_URL/REDIS_URL are unset). The cloud is a
``RunningCloud`` on a database copied from a migrated, seeded template. C client threads, each with
its own HTTP session, POST M servers (``"networks": "none"``); the database is polled until all are
ACTIVE; then they are deleted the same way. A low-load run (one client, one server at a time)
measures latency on an idle cloud.

Latency is from the client sending the POST to the conductor writing ``launched_at`` (same
machine, same clock). CPU is user+system seconds of each process group (gunicorn's workers
included) over the boot phase, divided by the servers booted; "postgres" and "redis-server" are
the machine's database and broker, and "machine_cpu_busy" is the fraction of all cores in use
(1.0: the boot rate is bounded by CPU). Peak RSS is VmHWM summed per group. Commits per boot come
from pg_stat_database (approximate: heartbeats count too).

The "floor" (bench/floor.py) runs the same hops with no cloudcore logic: a gunicorn app inserts a
row and casts to a scheduler worker, which updates it and casts to a compute worker, which casts to
a conductor worker, which marks the row active. ``ratio_to_floor`` divides one by the other.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import requests

from bench.common import ADMIN, ProcessMeter, machine_busy, summary_ms, wait_for, workspace
from bench.profile import Profiler
from cloudcore.launcher import free_port, wait_for_port, worker_options


class Poller:
    """Reads servers' states straight from the database (one query per poll, whatever M is)."""

    def __init__(self, database_url: str, table: str):
        self.conn = psycopg2.connect(database_url)
        self.conn.autocommit = True
        self.table = table

    def counts(self, ids: list[str]) -> tuple[int, int]:
        with self.conn.cursor() as cur:
            cur.execute(
                f"SELECT count(*) FILTER (WHERE vm_state = 'active' AND task_state IS NULL),"
                f" count(*) FILTER (WHERE vm_state = 'error') FROM {self.table} WHERE uuid = ANY(%s::uuid[])",
                (ids,),
            )
            return cur.fetchone()

    def deleted(self, ids: list[str]) -> int:
        with self.conn.cursor() as cur:
            cur.execute(
                f"SELECT count(*) FROM {self.table} WHERE uuid = ANY(%s::uuid[]) AND deleted_at IS NOT NULL", (ids,)
            )
            return cur.fetchone()[0]

    def times(self, ids: list[str], column: str) -> dict[str, float]:
        with self.conn.cursor() as cur:
            cur.execute(
                f"SELECT uuid::text, extract(epoch FROM {column}) FROM {self.table}"
                f" WHERE uuid = ANY(%s::uuid[]) AND {column} IS NOT NULL",
                (ids,),
            )
            return {row[0]: float(row[1]) for row in cur.fetchall()}

    def commits(self) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            return int(cur.fetchone()[0])

    def close(self):
        self.conn.close()


def boot_phase(
    url: str,
    body,
    count: int,
    clients: int,
    poller: Poller,
    auth,
    meter: ProcessMeter,
    timeout: float,
    stats_wait: float = 1.1,
):
    """POST ``count`` servers from ``clients`` threads; wait for every one ACTIVE (or ERROR)."""
    local = threading.local()
    sent: dict[str, float] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.auth = auth
        began = time.time()
        try:
            response = session.post(url, json=body(i), timeout=60)
        except requests.RequestException as exc:
            with lock:
                errors.append(f"POST: {exc}")
            return
        if response.status_code != 202:
            with lock:
                errors.append(f"POST {response.status_code}: {response.text[:200]}")
            return
        with lock:
            sent[response.json()["server"]["id"]] = began

    cpu_before = meter.cpu()
    busy_before = machine_busy()
    commits_before = poller.commits()
    client_cpu_before = time.process_time()
    started = time.time()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    posted = time.time()
    ids = list(sent)
    state = {"active": 0, "error": 0}

    def settled():
        state["active"], state["error"] = poller.counts(ids)
        return state["active"] + state["error"] >= len(ids)

    wait_for(settled, timeout)
    client_cpu = time.process_time() - client_cpu_before
    cpu_after = meter.cpu()
    busy_after = machine_busy()
    time.sleep(stats_wait)  # idle backends publish their transaction counters within 10 s
    commits = poller.commits() - commits_before
    launched = poller.times(ids, "launched_at")
    created = poller.times(ids, "created_at")
    latencies = [launched[i] - sent[i] for i in ids if i in launched]
    in_cloud = [launched[i] - created[i] for i in ids if i in launched and i in created]
    done = len(launched)
    elapsed = (max(launched.values()) - started) if launched else float("nan")
    if state["error"]:
        errors.append(f"{state['error']} servers in ERROR")
    if done + state["error"] < len(ids):
        errors.append(f"{len(ids) - done - state['error']} servers not ACTIVE after {timeout:.0f} s")
    cpu = {name: round((cpu_after[name] - cpu_before[name]) / max(done, 1) * 1000, 2) for name in cpu_before}
    servers = ("postgres", "redis-server")
    busy = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1e-9)
    return ids, {
        "servers": count,
        "active": done,
        "boots_per_s": round(done / elapsed, 1) if done else 0.0,
        "posts_per_s": round(len(ids) / (posted - started), 1) if ids else 0.0,
        "elapsed_s": round(elapsed, 2),
        "latency_ms": summary_ms(latencies),
        "latency_in_cloud_ms": summary_ms(in_cloud),
        "cpu_ms_per_boot": {
            **cpu,
            "total": round(sum(v for k, v in cpu.items() if k not in servers), 2),
            "total_with_servers": round(sum(cpu.values()), 2),
        },
        "machine_cpu_busy": round(busy, 2),
        "client_cpu_ms_per_boot": round(client_cpu / max(done, 1) * 1000, 2),
        "db_commits_per_boot": round(commits / max(done, 1), 2),
        "errors": errors,
    }


def low_load(url: str, body, count: int, poller: Poller, auth, timeout: float) -> dict:
    """One client, one server at a time, each waited for: the latency of an idle cloud."""
    session = requests.Session()
    session.auth = auth
    latencies, errors, ids = [], [], []
    for i in range(count):
        began = time.time()
        response = session.post(url, json=body(i), timeout=60)
        if response.status_code != 202:
            errors.append(f"POST {response.status_code}: {response.text[:200]}")
            continue
        server_id = response.json()["server"]["id"]
        ids.append(server_id)
        if not wait_for(lambda sid=server_id: sum(poller.counts([sid])) >= 1, timeout, interval=0.002):
            errors.append(f"{server_id} not ACTIVE after {timeout:.0f} s")
            continue
        launched = poller.times([server_id], "launched_at")
        if server_id in launched:
            latencies.append(launched[server_id] - began)
    return ids, {"servers": count, "latency_ms": summary_ms(latencies), "errors": errors}


def delete_phase(base: str, ids: list[str], clients: int, poller: Poller, meter: ProcessMeter, timeout: float) -> dict:
    local = threading.local()
    errors: list[str] = []

    def one(server_id: str):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.auth = ADMIN
        try:
            response = session.delete(f"{base}/v2.1/servers/{server_id}", timeout=60)
        except requests.RequestException as exc:
            errors.append(f"DELETE: {exc}")
            return
        if response.status_code != 204:
            errors.append(f"DELETE {response.status_code}: {response.text[:200]}")

    cpu_before = meter.cpu()
    started = time.time()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, ids))
    gone = wait_for(lambda: poller.deleted(ids) >= len(ids), timeout)
    deleted = poller.times(ids, "deleted_at")
    elapsed = (max(deleted.values()) - started) if deleted else float("nan")
    cpu_after = meter.cpu()
    if not gone:
        errors.append(f"{len(ids) - len(deleted)} servers not deleted after {timeout:.0f} s")
    cpu = {name: round((cpu_after[name] - cpu_before[name]) / max(len(deleted), 1) * 1000, 2) for name in cpu_before}
    cpu = {k: v for k, v in cpu.items() if k not in ("postgres", "redis-server")} | {
        "servers": round(cpu["postgres"] + cpu["redis-server"], 2)
    }
    return {
        "deletes_per_s": round(len(deleted) / elapsed, 1) if deleted else 0.0,
        "cpu_ms_per_delete": {**cpu, "total": round(sum(cpu.values()), 2)},
        "errors": errors,
    }


def run_cloudcore(args, template: str, data_dir: Path, log_dir: Path) -> dict:
    from tests.integration.cloud import RunningCloud

    computes = {f"node{i + 1}": {} for i in range(args.computes)}
    env = {
        "REPORT_INTERVAL": "10",  # the default; RunningCloud's 1 s is for tests
        "FAKE_VCPUS": "64",
        "FAKE_MEMORY_MB": "262144",
        "FAKE_LOCAL_GB": "4000",
    }
    cloud = RunningCloud(template, data_dir, log_dir / "cloudcore", computes=computes, schedulers=args.schedulers,
                         env=env)  # fmt: skip
    cloud.config.conductors = args.conductors
    cloud.config.concurrency = args.concurrency
    with cloud:
        base = cloud.url("")
        meter = ProcessMeter({c.name: c.process.pid for c in cloud.cloud.children})
        poller = Poller(cloud.config.env["DATABASE_URL"], "compute_instance")
        image = cloud.demo_image_id()

        def body(i: int, prefix: str = "b"):
            return {"server": {"name": f"{prefix}{i}", "flavorRef": "1", "imageRef": image, "networks": "none"}}

        # Warm up: every gunicorn worker verifies the Basic password once, every process connects.
        for _ in range(4 * args.clients):
            cloud.get("/v2.1/flavors")
        warm, _ = low_load(f"{base}/v2.1/servers", lambda i: body(i, "warm"), 3, poller, ADMIN, 60)
        idle_ids, idle = low_load(f"{base}/v2.1/servers", lambda i: body(i, "idle"), args.low_load, poller, ADMIN, 60)
        profiled = {name: pid for name, pid in meter.leaders.items() if name in ("api", "scheduler-1", "conductor-1")}
        with Profiler(profiled, log_dir / "profile") if args.profile else contextlib.nullcontext() as profiler:
            ids, boot = boot_phase(f"{base}/v2.1/servers", body, args.servers, args.clients, poller, ADMIN, meter,
                                   args.timeout, args.stats_wait)  # fmt: skip
        if profiler is not None:
            boot["profile"] = profiler.results()
        delete = delete_phase(base, ids + idle_ids + warm, args.clients, poller, meter, args.timeout)
        rss, pss = meter.peak_rss_mb(), meter.pss_mb()
        poller.close()
    first_compute = next(name for name in rss if name.startswith("compute-"))
    control_plane = ["api", "scheduler-1", "conductor-1", first_compute]
    return {
        **boot,
        "low_load": idle,
        **delete,
        "errors": boot["errors"] + idle["errors"] + delete["errors"],
        "peak_rss_mb": rss,
        "control_plane_rss_mb": round(sum(rss[name] for name in control_plane), 1),
        "pss_mb": pss,
        "control_plane_pss_mb": round(sum(pss[name] for name in control_plane), 1),
        "control_plane": control_plane,
    }


def run_floor(args, log_dir: Path) -> dict:
    from bench import floor
    from tests.integration.cloud import admin_sql, database_url, drop_database

    name = f"cc_floor_{uuid.uuid4().hex[:8]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    floor.create_table(url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "FLOOR_COMPUTES": str(args.computes), "PYTHONUNBUFFERED": "1"}
    celery = [sys.executable, "-m", "celery", "-A", "bench.floor"]
    plan = {"api": [sys.executable, "-m", "gunicorn", "bench.floor:wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
                    "--threads", "4", "--access-logfile", "-"]}  # fmt: skip
    for i in range(args.schedulers):
        plan[f"scheduler-{i + 1}"] = [*celery, *worker_options(floor.SCHEDULER_QUEUE, f"fs{i}", args.concurrency)]
    for i in range(args.conductors):
        plan[f"conductor-{i + 1}"] = [*celery, *worker_options(floor.CONDUCTOR_QUEUE, f"fc{i}", args.concurrency)]
    for i in range(args.computes):
        queue = f"{floor.COMPUTE_QUEUE}.node{i + 1}"
        plan[f"compute-node{i + 1}"] = [*celery, *worker_options(queue, f"fn{i}", args.concurrency)]
    log_dir = log_dir / "floor"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = {}
    logs = []
    try:
        for role, argv in plan.items():
            log = open(log_dir / f"{role}.log", "ab")  # noqa: SIM115 - closed below
            logs.append(log)
            processes[role] = subprocess.Popen(argv, env=env, start_new_session=True, stdout=log,
                                               stderr=subprocess.STDOUT)  # fmt: skip
        assert wait_for_port(port, 30), f"the floor API did not listen; see {log_dir}"
        meter = ProcessMeter({role: p.pid for role, p in processes.items()})
        poller = Poller(url, floor.TABLE)
        base = f"http://127.0.0.1:{port}/"

        def body(i: int):
            return {"server": {"name": f"f{i}"}}

        for _ in range(4 * args.clients):
            requests.get(base, timeout=10)
        low_load(base, body, 3, poller, None, 60)  # warm up (and wait for every worker to consume)
        _, idle = low_load(base, body, args.low_load, poller, None, 60)
        _, boot = boot_phase(base, body, args.servers, args.clients, poller, None, meter, args.timeout, args.stats_wait)
        rss = meter.peak_rss_mb()
        poller.close()
    finally:
        for process in processes.values():
            os.killpg(process.pid, 15)
        for process in processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
        for log in logs:
            log.close()
        drop_database(name)
    return {**boot, "low_load": idle, "peak_rss_mb": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--computes", type=int, default=10)
    parser.add_argument("--schedulers", type=int, default=1)
    parser.add_argument("--conductors", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4, help="threads per Celery worker (as make up)")
    parser.add_argument("--low-load", type=int, default=50, help="servers booted one at a time for idle latency")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--stats-wait", type=float, default=11, help="seconds for PostgreSQL's commit counters")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--profile", action="store_true", help="sample the API, scheduler and conductor with py-spy")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 servers, 4 clients, 2 nodes")
    args = parser.parse_args()
    if args.quick:
        args.servers, args.clients, args.computes, args.low_load, args.timeout = 20, 4, 2, 5, 60
        args.stats_wait = 1.1

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with workspace("cloudcore-bench-") as (template, data_dir, log_dir):
        results = {
            "benchmark": "boot",
            "servers": args.servers,
            "clients": args.clients,
            "computes": args.computes,
            "schedulers": args.schedulers,
            "conductors": args.conductors,
            "cpus": os.cpu_count(),
            "cloudcore": run_cloudcore(args, template, data_dir, log_dir),
        }
        if not args.no_floor:
            floor = run_floor(args, log_dir)
            cc = results["cloudcore"]
            results["floor"] = floor
            results["ratio_to_floor"] = {
                "boots_per_s": round(cc["boots_per_s"] / floor["boots_per_s"], 3) if floor["boots_per_s"] else None,
                "cpu_per_boot": round(cc["cpu_ms_per_boot"]["total"] / floor["cpu_ms_per_boot"]["total"], 2)
                if floor["cpu_ms_per_boot"]["total"]
                else None,
                "cpu_per_boot_with_servers": round(
                    cc["cpu_ms_per_boot"]["total_with_servers"] / floor["cpu_ms_per_boot"]["total_with_servers"], 2
                )
                if floor["cpu_ms_per_boot"]["total_with_servers"]
                else None,
                "low_load_p50": round(cc["low_load"]["latency_ms"]["p50"] / floor["low_load"]["latency_ms"]["p50"], 2)
                if floor["low_load"]["latency_ms"]["p50"]
                else None,
            }
        results["boots_per_s"] = results["cloudcore"]["boots_per_s"]
        results["deletes_per_s"] = results["cloudcore"]["deletes_per_s"]
        results["errors"] = results["cloudcore"]["errors"] + results.get("floor", {}).get("errors", [])
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
