"""What the end-to-end benchmarks share: servers when none are given, process accounting, percentiles."""

import contextlib
import os
import tempfile
from pathlib import Path

from tests.fixtures.polling import poll

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ADMIN = ("admin", "admin")  # the seeded admin, as the test clouds have it (HTTP Basic)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary_ms(values_s: list[float]) -> dict:
    return {f"p{int(f * 100)}": round(percentile(values_s, f) * 1000, 1) for f in (0.5, 0.95, 0.99)}


def wait_for(check, timeout: float, interval: float = 0.02) -> bool:
    """Call ``check`` until it is true (True) or ``timeout`` seconds have passed (False)."""
    return bool(poll(check, timeout, interval))


@contextlib.contextmanager
def services():
    """PostgreSQL and Redis: the environment's (DATABASE_URL, REDIS_URL) or throwaway ones."""
    from tests.fixtures.services import ThrowawayPostgres, ThrowawayRedis

    started = []
    try:
        if not os.environ.get("DATABASE_URL"):
            pg = ThrowawayPostgres()
            os.environ["DATABASE_URL"] = pg.start()
            started.append(pg)
        if not os.environ.get("REDIS_URL"):
            rd = ThrowawayRedis()
            os.environ["REDIS_URL"] = rd.start()
            started.append(rd)
        yield
    finally:
        for server in reversed(started):
            server.stop()


@contextlib.contextmanager
def workspace(prefix: str):
    """Services, a scratch directory and a migrated, seeded template database to copy clouds from.

    Yields ``(template, data_dir, log_dir)``; logs go to BENCH_LOG_DIR when set. The template is
    dropped on the way out; the services stay up until then.
    """
    from tests.integration.cloud import create_template, drop_database

    with services(), tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        log_dir = Path(os.environ.get("BENCH_LOG_DIR") or Path(tmp) / "logs")
        template = create_template(data_dir)
        try:
            yield template, data_dir, log_dir
        finally:
            drop_database(template)


def group_pids(leader: int) -> list[int]:
    """Every live process in ``leader``'s process group (each cloud child runs in its own session)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:  # pgrp
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, its reaped children included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the comm field: state=0 ... utime=11 stime=12 cutime=13 cstime=14
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLOCK_TICKS


def _proc_kb(path: str, key: str) -> int:
    """A ``Key:   123 kB`` line of a /proc file, in kB (0 when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def status_kb(pid: int, key: str) -> int:
    return _proc_kb(f"/proc/{pid}/status", key)


def smaps_kb(pid: int, key: str) -> int:
    return _proc_kb(f"/proc/{pid}/smaps_rollup", key)


def named_pids(comm: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == comm:
                    pids.append(int(entry.name))
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / CLOCK_TICKS, sum(fields) / CLOCK_TICKS


class ProcessMeter:
    """CPU seconds and memory of named process groups: ``{"api": leader_pid, ...}``.

    ``cpu()`` also reports every ``postgres`` process on the machine (a finished backend's time
    is in its postmaster's reaped-children fields) and every ``redis-server``: the servers work
    for the cloud too.
    """

    def __init__(self, leaders: dict[str, int]):
        self.leaders = leaders

    def cpu(self) -> dict[str, float]:
        used = {name: sum(cpu_seconds(p) for p in group_pids(pid)) for name, pid in self.leaders.items()}
        for comm in ("postgres", "redis-server"):
            used[comm] = sum(cpu_seconds(p) for p in named_pids(comm))
        return used

    def pss_mb(self) -> dict[str, float]:
        """Proportional set size now, summed over each group: pages shared between processes (the
        interpreter, libraries, what gunicorn's workers share) counted once in all, not in each."""
        return {
            name: round(sum(smaps_kb(p, "Pss") for p in group_pids(pid)) / 1024, 1)
            for name, pid in self.leaders.items()
        }

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM summed over each group's processes (gunicorn's master and workers together)."""
        return {
            name: round(sum(status_kb(p, "VmHWM") for p in group_pids(pid)) / 1024, 1)
            for name, pid in self.leaders.items()
        }
