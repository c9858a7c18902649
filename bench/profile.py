"""Sampling profiles of running cloud processes with py-spy, summarised for the benchmark's JSON.

``Profiler`` attaches ``py-spy record --gil --format raw`` (collapsed stacks of the thread holding
the GIL: Python's CPU time, not threads waiting on a socket) to each process group leader
(``--subprocesses`` follows gunicorn's and Celery's workers) and stops it with SIGINT, which makes
py-spy write what it sampled. ``summarise`` turns the stacks into where the time went: the
share of samples in each layer (the database driver, Django's ORM, Celery and kombu, Redis, JSON,
the HTTP stack, cloudcore's own code) and the functions with the most samples of their own.
"""

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

# The first matching layer of a frame's file wins; checked leaf first, so time is charged to the
# innermost layer that is not Python's standard library.
LAYERS = [
    ("database driver", ("psycopg2", "psycopg/")),
    ("django orm", ("django/db/",)),
    ("celery + kombu", ("celery/", "kombu/", "billiard/", "vine/")),
    ("redis client", ("redis/",)),
    ("http (gunicorn, django, drf)", ("gunicorn/", "django/", "rest_framework/", "whitenoise/")),
    ("cloudcore", ("/apps/", "/workers/", "/cloudcore/", "/drivers/")),
]


def _frames(stack: str) -> list[tuple[str, str]]:
    """``func (file:line);...`` root first -> [(function, file), ...]."""
    frames = []
    for frame in stack.split(";"):
        name, _, where = frame.partition(" (")
        frames.append((name.strip(), where.rsplit(":", 1)[0]))
    return frames


def _layer(frames: list[tuple[str, str]]) -> str:
    for _name, path in reversed(frames):
        for layer, markers in LAYERS:
            if any(marker in path for marker in markers):
                return layer
    return "python and other"


def summarise(path: Path, top: int = 12) -> dict:
    """Where one process group's CPU time went (samples of the thread holding the GIL)."""
    layers: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = _frames(stack)
        total += n
        layers[_layer(frames)] += n
        name, where = frames[-1]
        leaves[f"{name} ({where.rsplit('/', 2)[-2] if '/' in where else where}/{where.rsplit('/', 1)[-1]})"] += n
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "layers_pct": {k: round(v * 100 / total, 1) for k, v in layers.most_common()},
        "top_self_pct": {k: round(v * 100 / total, 1) for k, v in leaves.most_common(top)},
    }


class Profiler:
    """py-spy on ``{"name": leader_pid}`` while the ``with`` block runs; ``results()`` afterwards."""

    def __init__(self, leaders: dict[str, int], out_dir: Path, rate: int = 100):
        self.leaders = leaders
        self.out_dir = out_dir
        self.rate = rate
        self.processes: dict[str, subprocess.Popen] = {}

    @staticmethod
    def available() -> str | None:
        """The py-spy executable, or None."""
        here = Path(sys.executable).parent / "py-spy"
        return str(here) if here.exists() else shutil.which("py-spy")

    def __enter__(self):
        exe = self.available()
        if exe is None:
            raise RuntimeError("py-spy is not installed (pip install py-spy)")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.leaders.items():
            output = str(self.out_dir / f"{name}.txt")
            argv = [exe, "record", "--pid", str(pid), "--subprocesses", "--gil", "--format", "raw",
                    "--rate", str(self.rate), "--nonblocking", "--output", output]  # fmt: skip
            self.processes[name] = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, *exc):
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def results(self) -> dict:
        out = {}
        for name in self.leaders:
            path = self.out_dir / f"{name}.txt"
            out[name] = summarise(path) if path.exists() else {"samples": 0, "error": "py-spy wrote nothing"}
        return out
