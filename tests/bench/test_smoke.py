"""Smoke runs of the benchmarks: each script, at a tiny size, exits 0 and prints sane JSON.

Never a speed assertion: only that the numbers are there and positive. Each script runs as a
subprocess exactly as ``make bench`` runs it (with the PostgreSQL and Redis of the test session).
"""

import json
import os
import subprocess
import sys

import pytest

from cloudcore.launcher import BASE_DIR

pytestmark = pytest.mark.integration


def run(*argv: str, timeout: float = 120) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", *argv], cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def positive(value) -> bool:
    return isinstance(value, int | float) and value > 0


@pytest.fixture(autouse=True)
def _services():
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        pytest.skip("needs DATABASE_URL and REDIS_URL (run under python -m tests.fixtures.services)")


def test_scheduler_benchmark():
    out = run("bench.scheduler", "--hosts", "50", "--decisions", "5", "--request-size", "5")
    result = out["hosts"]["50"]
    assert result["placed"] == 5
    assert positive(result["placements_per_s"])
    assert set(result["decision_ms"]) == {"p50", "p99"}


def test_boot_benchmark():
    out = run("bench.boot", "--quick", "--profile")
    assert out["errors"] == []
    cloud, floor = out["cloudcore"], out["floor"]
    for result in (cloud, floor):
        assert result["active"] == result["servers"] == out["servers"]
        assert positive(result["boots_per_s"])
        assert all(positive(result["latency_ms"][p]) for p in ("p50", "p95", "p99"))
        assert all(positive(result["low_load"]["latency_ms"][p]) for p in ("p50", "p95", "p99"))
        assert positive(result["cpu_ms_per_boot"]["total"])
        assert all(positive(mb) for mb in result["peak_rss_mb"].values())
    assert positive(cloud["deletes_per_s"])
    assert positive(cloud["control_plane_rss_mb"])
    assert set(cloud["peak_rss_mb"]) >= {"api", "scheduler-1", "conductor-1", "compute-node1"}
    assert all(positive(ratio) for ratio in out["ratio_to_floor"].values())
    assert positive(cloud["control_plane_pss_mb"])
    # py-spy sampled the boot phase of each control-plane process (no assertion on where time went)
    assert set(cloud["profile"]) == {"api", "scheduler-1", "conductor-1"}
    for profile in cloud["profile"].values():
        assert isinstance(profile["samples"], int)
        if profile["samples"]:
            assert 99 <= sum(profile["layers_pct"].values()) <= 101
            assert profile["top_self_pct"]


def test_api_benchmark():
    out = run("bench.api", "--quick")
    assert out["errors"] == 0
    assert out["queries_constant"] is True
    assert all(positive(n) for n in out["queries_per_request"].values())
    assert set(out["endpoints"]) == {
        "GET /v2.1/servers/detail?limit=100",
        "GET /v2.1/servers/<id>",
        "GET /v2.1/flavors",
    }
    for result in out["endpoints"].values():
        assert positive(result["requests_per_s"])
        assert all(positive(result["latency_ms"][p]) for p in ("p50", "p95", "p99"))
    assert positive(out["api_peak_rss_mb"])


def test_load_benchmark():
    out = run("bench.load", "--quick")
    assert out["errors"] == []
    assert out["server_errors_5xx"] == 0
    assert out["servers_created"] > 0
    assert set(out["status_codes"]) >= {"create", "list"}
    assert out["cleanup"] == {
        "deleted_after_run": out["cleanup"]["deleted_after_run"],
        "left": 0,
        "allocations_left": 0,
    }
    settled = sum(out["states_after_run"].values())
    assert settled == out["servers_created"]
    assert not any(state.startswith("unsettled") for state in out["states_after_run"])
