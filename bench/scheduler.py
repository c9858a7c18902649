"""Scheduler benchmark: decision time over 1,000 and 10,000 hosts, placements/s for a 100-server request.

Run with a PostgreSQL and a Redis (throwaway ones are started when DATABASE_URL/REDIS_URL are unset):

    .venv/bin/python -m tests.fixtures.services -- .venv/bin/python -m bench.scheduler

It creates its own database, fills it with hosts, and prints JSON. A "decision" is what the
scheduler does per server before claiming: refresh the cached host view, filter and weigh.
Meanwhile other nodes' usage changes at CHURN_PER_S (50/s), as if another scheduler were placing
servers at that rate. "placements_per_s" is a whole 100-server request: decisions, claims, events, casts.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid

from core.names import COMPUTE_BINARY
from tests.integration.cloud import admin_sql, database_url

CHURN_PER_S = 50


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", default="1000,10000")
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--request-size", type=int, default=100)
    args = parser.parse_args()

    name = f"cc_bench_{uuid.uuid4().hex[:8]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudcore.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        results = {"benchmark": "scheduler", "hosts": {}}
        for count in (int(n) for n in args.hosts.split(",")):
            results["hosts"][str(count)] = run(count, args.decisions, args.request_size)
        print(json.dumps(results, indent=2))
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


def run(count: int, decisions: int, request_size: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from apps.compute.models import Flavor, Instance, InstanceAction
    from apps.compute.states import TaskState
    from apps.hosts.models import Allocation, ComputeNode, Service
    from apps.identity.models import Project, User
    from workers.scheduler import manager, request_spec
    from workers.scheduler.host_state import forget_cache, host_table
    from workers.scheduler.pipeline import decide

    Allocation.objects.all().delete()
    Instance.objects.all().delete()
    ComputeNode.objects.all().delete()
    Service.objects.all().delete()
    now = timezone.now()
    services = Service.objects.bulk_create(
        [Service(host=f"host{i:05d}", binary=COMPUTE_BINARY, last_seen_up=now) for i in range(count)]
    )
    rng = random.Random(42)
    ComputeNode.objects.bulk_create(
        [
            ComputeNode(
                service=s, host=s.host, hypervisor_hostname=s.host, vcpus=64, memory_mb=262144, local_gb=2000,
                vcpus_used=rng.randint(0, 32), memory_mb_used=rng.randint(0, 131072),
                local_gb_used=rng.randint(0, 1000), hypervisor_type="fake", cpu_arch="x86_64",
            )
            for s in services
        ],
        batch_size=2000,
    )  # fmt: skip
    # A live cloud's nodes were not all written a moment ago (every one would be "recently changed").
    ComputeNode.objects.update(updated_at=now - timezone.timedelta(hours=1))
    Service.objects.update(updated_at=now - timezone.timedelta(hours=1))
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would gather on a live cloud
        cursor.execute("ANALYZE")
    project, _ = Project.objects.get_or_create(name="bench")
    user = User.objects.filter(username="bench").first() or User.objects.create_user("bench", default_project=project)
    flavor, _ = Flavor.objects.get_or_create(
        flavorid="1", defaults=dict(name="m1.tiny", vcpus=1, memory_mb=512, root_gb=1)
    )

    def new_instances(n):
        made = Instance.objects.bulk_create(
            [Instance(name=f"b{i}", project=project, user=user, flavor=flavor.snapshot(),
                      task_state=TaskState.SCHEDULING) for i in range(n)]
        )  # fmt: skip
        InstanceAction.objects.bulk_create(
            [
                InstanceAction(instance=i, action="create", request_id="req-bench", start_time=timezone.now())
                for i in made
            ]
        )
        return made

    forget_cache()
    started = time.perf_counter()
    host_table()
    full_load_ms = (time.perf_counter() - started) * 1000

    probe = new_instances(1)[0]
    node_ids = list(ComputeNode.objects.values_list("id", flat=True))
    times = []
    for _ in range(decisions):
        ComputeNode.objects.filter(id=rng.choice(node_ids)).update(
            vcpus_used=rng.randint(0, 32), updated_at=timezone.now()
        )
        spec = request_spec.build(probe)
        started = time.perf_counter()
        decision = decide(host_table(), spec)
        times.append((time.perf_counter() - started) * 1000)
        assert decision.ranked

    batch = new_instances(request_size)
    queries_before = len(connection.queries)
    started = time.perf_counter()
    manager.select_destinations([str(i.uuid) for i in batch], request_id="req-bench")
    elapsed = time.perf_counter() - started
    placed = Instance.objects.filter(uuid__in=[i.uuid for i in batch], task_state=TaskState.SPAWNING).count()
    del queries_before
    return {
        "decision_ms": {"p50": round(statistics.median(times), 3), "p99": round(percentile(times, 0.99), 3)},
        "full_load_ms": round(full_load_ms, 1),
        "request_of": request_size,
        "placed": placed,
        "placements_per_s": round(placed / elapsed, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
