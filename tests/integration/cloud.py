"""A real cloud for integration tests: its own PostgreSQL database, a clean Redis, real processes.

Processes are started by ``cloudcore.launcher.Cloud`` with the commands the README documents.
Each cloud gets a database copied from a migrated and seeded template (fast), and a flushed Redis.
"""

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extras
import redis
import requests

from cloudcore.launcher import Cloud, CloudConfig, free_port, manage, wait_for_port
from core import names, pki, rpc, signing
from tests.fixtures.polling import wait_until

ADMIN = ("admin", "admin")

#: Clouds running now, so a failing test's report can show their logs.
ACTIVE: list["RunningCloud"] = []


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on the server's admin database."""
    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def create_template(data_dir: Path) -> str:
    """Migrate and seed a template database once per test session; returns its name."""
    name = f"cc_template_{uuid.uuid4().hex[:8]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": database_url(name), "CLOUDCORE_DATA_DIR": str(data_dir)}
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("seed", env=env, quiet=True)
    return name


def drop_database(name: str) -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RunningCloud:
    def __init__(
        self,
        template: str,
        data_dir: Path,
        log_dir: Path,
        computes: dict[str, dict[str, str]] | None = None,
        schedulers: int = 2,
        api: bool = True,
        env: dict[str, str] | None = None,
        beat: bool = False,
        redis_url: str | None = None,
        external_database: str | None = None,
        flower: bool = False,
    ):
        self.template = template
        self.db_name = f"cc_{uuid.uuid4().hex[:12]}"
        self.redis_url = redis_url or os.environ["REDIS_URL"]
        self.own_database = external_database is None
        self.log_dir = log_dir
        self.api_port = free_port() if api else None
        cloud_env = {
            "DATABASE_URL": external_database or database_url(self.db_name),
            "REDIS_URL": self.redis_url,
            "CLOUDCORE_DATA_DIR": str(data_dir),
            "REPORT_INTERVAL": "1",
            "ALLOW_BASIC_AUTH": "true",
            "FLOWER_BASIC_AUTH": "admin:admin",
            # Tests boot hundreds of servers as the admin; the quota tests set their own limits.
            "QUOTA_INSTANCES": "-1",
            "QUOTA_CORES": "-1",
            "QUOTA_RAM": "-1",
            **(env or {}),
        }
        self.config = CloudConfig(
            api_port=self.api_port,
            api_workers=2,
            schedulers=schedulers if computes is not None else 0,
            conductors=1 if computes is not None else 0,
            computes=computes or {},
            beat=beat,
            flower_port=free_port() if flower else None,
            env=cloud_env,
            log_dir=log_dir,
        )
        self.cloud = Cloud(self.config)
        self.http = requests.Session()
        self.http.auth = ADMIN
        # The test speaks as the control plane (its own CA and identity, in the cloud's data directory).
        self.pki_dir = pki.pki_dir(self.config.env)
        self._control_plane = None
        self.celery = signing.SigningCelery("cloudcore-tests", set_as_current=False)
        self.celery.conf.update(rpc.celery_config(self.redis_url))
        if rpc.is_amqp(cloud_env.get("BROKER_URL")):  # the cloud's broker, and its replies, are RabbitMQ's
            self.celery.conf.update(broker_url=cloud_env["BROKER_URL"], result_backend="core.rpc:ReplyBackend")
        self.celery.configure_signing(identity=self.control_plane, ca=lambda: self.control_plane().ca)
        self._db = None

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> "RunningCloud":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "RunningCloud":
        ACTIVE.append(self)
        if self.own_database:
            admin_sql(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{self.template}"')
        redis.Redis.from_url(self.redis_url).flushdb()
        self.cloud.start()
        try:
            if self.api_port:
                assert wait_for_port(self.api_port, 30), f"API did not listen; see {self.log_dir}/api.log"
            if self.config.computes:
                wait_until(
                    lambda: (
                        self.query("SELECT count(*) AS n FROM hosts_computenode")[0]["n"] == len(self.config.computes)
                    ),
                    timeout=60,
                    message="every compute node to register",
                )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self not in ACTIVE:
            return
        ACTIVE.remove(self)
        self.cloud.stop()
        if self._db is not None:
            self._db.close()
        if self.own_database:
            drop_database(self.db_name)

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob("*.log")))

    # -- talking to it -------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.api_port}{path}"

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url(path), timeout=30, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.http.post(self.url(path), timeout=30, **kw)

    def delete(self, path: str) -> requests.Response:
        return self.http.delete(self.url(path), timeout=30)

    def query(self, sql: str, *params) -> list[dict]:
        if self._db is None:
            self._db = psycopg2.connect(self.config.env["DATABASE_URL"])
            self._db.autocommit = True
        with self._db.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def call(self, host: str, task: str, timeout: float = 20, **kwargs):
        """Ask a compute worker directly (``rpc.call``), as the API does for console output."""
        result = self.celery.send_task(task, kwargs=kwargs, queue=names.compute_queue(host), ignore_result=False)
        return result.get(timeout=timeout)

    def control_plane(self) -> pki.Identity:
        if self._control_plane is None:
            self._control_plane = pki.control_plane_identity(self.pki_dir)
        return self._control_plane

    def node_identity(self, host: str) -> pki.Identity:
        """The key and certificate the launcher enrolled ``host`` with."""
        return pki.load_identity(pki.host_cert_dir(host, self.pki_dir))

    def send_as(self, identity: pki.Identity | None, task: str, queue: str = names.CONDUCTOR_QUEUE, *,
                ttl: int | None = None, **kwargs) -> dict:  # fmt: skip
        """Send ``task`` to ``queue`` signed by ``identity`` (None: unsigned), as a node or a forger
        would. Returns the message, for ``deliver`` to send again, exactly, anywhere."""
        message = self.message(identity, task, queue, ttl=ttl, **kwargs)
        self.deliver(message, queue)
        return message

    @staticmethod
    def message(identity: pki.Identity | None, task: str, queue: str, *, ttl: int | None = None, **kwargs) -> dict:
        """A message signed by ``identity`` for ``queue`` (None: unsigned), not sent anywhere yet."""
        task_id = str(uuid.uuid4())
        headers = (
            signing.sign(identity, task, task_id, queue, (), kwargs, ttl=ttl) if identity else {signing.SIGNATURE: ""}
        )
        return {"task": task, "task_id": task_id, "kwargs": kwargs, "headers": headers}

    def deliver(self, message: dict, queue: str) -> None:
        """Put ``message`` (as ``send_as`` returned it) on ``queue`` as it is: a replay."""
        self.celery.send_task(message["task"], kwargs=message["kwargs"], queue=queue, headers=dict(message["headers"]),
                              task_id=message["task_id"])  # fmt: skip

    def queue_length(self, queue: str) -> int:
        return redis.Redis.from_url(self.redis_url).llen(queue)

    def demo_image_id(self) -> str:
        return next(i["id"] for i in self.get("/v2.1/images").json()["images"] if i["name"] == "demo")

    def create_server(self, name: str, flavor: str = "1", **fields) -> str:
        """POST a server (the demo image, no network; ``fields`` add to or replace the body's)."""
        server = {"name": name, "flavorRef": flavor, "imageRef": self.demo_image_id(), "networks": "none", **fields}
        response = self.post("/v2.1/servers", json={"server": server})
        assert response.status_code == 202, response.text
        return response.json()["server"]["id"]

    def boot(self, name: str, flavor: str = "1", **fields) -> dict:
        """A server created as ``create_server`` does, once it is ACTIVE (failing the test on ERROR)."""
        return self.settle(self.create_server(name, flavor, **fields), "ACTIVE")

    def server(self, server_id: str) -> dict | None:
        response = self.get(f"/v2.1/servers/{server_id}")
        return response.json()["server"] if response.status_code == 200 else None

    def wait_for_status(self, server_id: str, *statuses: str, timeout: float = 60) -> dict:
        return wait_until(
            lambda: (
                (s := self.server(server_id)) and s["status"] in statuses and s["OS-EXT-STS:task_state"] is None and s
            ),
            timeout=timeout,
            message=f"server {server_id} to reach {statuses}",
        )

    def settle(self, server_id: str, status: str, timeout: float = 60) -> dict:
        """The server once it reaches ``status`` with no task, failing the test (with the fault) if it
        ends in ERROR instead."""
        server = self.wait_for_status(server_id, status, "ERROR", timeout=timeout)
        assert server["status"] == status, server.get("fault")
        return server

    def remove(self, server_id: str, timeout: float = 60) -> None:
        """Delete the server and wait until its host resources are free (a delete is asynchronous:
        without the wait, the next test's server would be placed beside a server still going)."""
        response = self.delete(f"/v2.1/servers/{server_id}")
        assert response.status_code in (204, 404), response.text
        wait_until(lambda: not self.allocations(server_id), timeout=timeout, message=f"server {server_id} to go")

    def allocations(self, server_id: str | None = None) -> list[dict]:
        sql = (
            "SELECT a.instance_id, n.hypervisor_hostname AS node, a.vcpus, a.memory_mb, a.disk_gb "
            "FROM hosts_allocation a JOIN hosts_computenode n ON n.id = a.node_id"
        )
        if server_id is None:
            return self.query(sql)
        return self.query(sql + " WHERE a.instance_id = %s", server_id)

    def nodes(self) -> dict[str, dict]:
        return {row["hypervisor_hostname"]: row for row in self.query("SELECT * FROM hosts_computenode")}
