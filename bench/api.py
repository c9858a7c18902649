"""API read benchmark: server lists, one server and flavors over 10,000 instances.

    .venv/bin/python -m tests.fixtures.services -- .venv/bin/python -m bench.api [--instances 10000]

(throwaway PostgreSQL and Redis are started when DATABASE_URL/REDIS_URL are unset). A database is
copied from a migrated, seeded template and filled with instances by ``bulk_create`` (1% in ERROR
with a fault, the rest ACTIVE on ten hosts); the API runs under gunicorn as ``RunningCloud`` runs
it (no scheduler, conductor or compute: these are reads). C client threads, each with its own
HTTP session (Basic auth as admin), hammer each endpoint for a fixed time; then one client alone
for half that time ("one_client"), which is the latency of a request on an otherwise idle API.

SQL queries per request are counted in-process with ``CaptureQueriesContext`` for limit=10 and
limit=100: a list must cost the same number of queries whatever its length.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import ADMIN, ProcessMeter, services, summary_ms

HOSTS = [f"node{i}" for i in range(1, 11)]


def seed(count: int) -> list[str]:
    from django.utils import timezone

    from apps.compute.models import Flavor, Instance, InstanceFault
    from apps.compute.states import VmState
    from apps.identity.models import User
    from apps.images.models import Image
    from core.power_state import PowerState

    admin = User.objects.get(username="admin")
    project = admin.default_project
    flavor = Flavor.objects.get(flavorid="1").snapshot()
    image = Image.objects.filter(name="demo").first()
    now = timezone.now()
    rng = random.Random(7)
    rows = []
    for i in range(count):
        error = i % 100 == 0
        rows.append(
            Instance(
                name=f"seed{i}", project=project, user=admin, flavor=flavor, image=image,
                image_ref=str(image.id) if image else "", host=rng.choice(HOSTS), node=None,
                vm_state=VmState.ERROR if error else VmState.ACTIVE,
                power_state=PowerState.NOSTATE if error else PowerState.RUNNING,
                metadata={"n": str(i)}, launched_at=None if error else now,
            )
        )  # fmt: skip
    made = Instance.objects.bulk_create(rows, batch_size=2000)
    InstanceFault.objects.bulk_create(
        [InstanceFault(instance=i, code=500, message="No valid host was found.") for i in made if i.vm_state == "error"]
    )
    # Spread created_at as a live cloud would (auto_now_add gave them all one instant).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE compute_instance SET created_at = now() - (random() * interval '30 days')")
        # The newest is in ERROR, so every first page has a fault to show (and its query to count).
        cursor.execute("UPDATE compute_instance SET created_at = now() WHERE vm_state = 'error' AND name = 'seed0'")
        cursor.execute("ANALYZE")
    return [str(i.uuid) for i in made]


def query_counts() -> dict:
    """SQL queries per request, counted in-process, for pages of 10 and 100 servers."""
    import base64

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"admin:admin").decode())
    counts = {}
    some = None
    for path in ("/v2.1/servers/detail?limit=10", "/v2.1/servers/detail?limit=100",
                 "/v2.1/servers/detail?limit=10&status=ERROR", "/v2.1/servers/detail?limit=100&status=ERROR",
                 "/v2.1/servers?limit=100", "/v2.1/flavors", "/v2.1/flavors/detail", "one"):  # fmt: skip
        url = f"/v2.1/servers/{some}" if path == "one" else path
        client.get(url)  # warm: the password check is cached after the first request
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if some is None and "servers" in response.json():
            some = response.json()["servers"][0]["id"]
        counts["GET /v2.1/servers/<id>" if path == "one" else f"GET {path}"] = len(captured)
    return counts


def hammer(url: str, clients: int, seconds: float, pick=None) -> dict:
    """``clients`` threads GET for ``seconds``; requests/s and latency percentiles."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(_):
        session = requests.Session()
        session.auth = ADMIN
        mine = []
        while time.monotonic() < deadline:
            target = url + pick() if pick else url
            began = time.perf_counter()
            response = session.get(target, timeout=60)
            mine.append(time.perf_counter() - began)
            if response.status_code != 200:
                with lock:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": summary_ms(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 instances, 4 clients, 1 s each")
    args = parser.parse_args()
    if args.quick:
        args.instances, args.clients, args.seconds = 300, 4, 1.0

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOW_BASIC_AUTH"] = "true"
    from tests.integration.cloud import RunningCloud, admin_sql, create_template, database_url, drop_database

    with services(), tempfile.TemporaryDirectory(prefix="cloudcore-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        template = create_template(data_dir)
        name = f"cc_api_{uuid.uuid4().hex[:8]}"
        admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = database_url(name)
        os.environ["DATABASE_URL"] = url
        os.environ["CLOUDCORE_DATA_DIR"] = str(data_dir)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudcore.settings")
        try:
            import django

            django.setup()
            from django.db import connections

            began = time.monotonic()
            ids = seed(args.instances)
            seed_s = time.monotonic() - began
            queries = query_counts()
            connections.close_all()
            results = {
                "benchmark": "api",
                "instances": args.instances,
                "clients": args.clients,
                "seconds_per_endpoint": args.seconds,
                "seed_s": round(seed_s, 1),
                "queries_per_request": queries,
                "queries_constant": queries["GET /v2.1/servers/detail?limit=10"]
                == queries["GET /v2.1/servers/detail?limit=100"]
                and queries["GET /v2.1/servers/detail?limit=10&status=ERROR"]
                == queries["GET /v2.1/servers/detail?limit=100&status=ERROR"],
                "endpoints": {},
                "one_client": {},
            }
            log_dir = Path(os.environ.get("BENCH_LOG_DIR") or Path(tmp) / "logs") / "api"
            with RunningCloud(template, data_dir, log_dir, computes=None, external_database=url) as cloud:
                meter = ProcessMeter({"api": cloud.cloud.child("api").process.pid})
                base = cloud.url("")
                hammer(f"{base}/v2.1/flavors", args.clients, 1.0)  # warm: every worker checks the password once
                rng = random.Random(3)
                for label, path, pick in (
                    ("GET /v2.1/servers/detail?limit=100", "/v2.1/servers/detail?limit=100", None),
                    ("GET /v2.1/servers/<id>", "/v2.1/servers/", lambda: rng.choice(ids)),
                    ("GET /v2.1/flavors", "/v2.1/flavors", None),
                ):
                    results["endpoints"][label] = hammer(base + path, args.clients, args.seconds, pick)
                    # The same with one client: the latency of one request on an idle API.
                    results["one_client"][label] = hammer(base + path, 1, args.seconds / 2, pick)
                results["api_peak_rss_mb"] = meter.peak_rss_mb()["api"]
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(name)
            drop_database(template)
    results["errors"] = sum(e["errors"] for e in [*results["endpoints"].values(), *results["one_client"].values()])
    print(json.dumps(results, indent=2))
    return 0 if results["queries_constant"] else 1


if __name__ == "__main__":
    sys.exit(main())
