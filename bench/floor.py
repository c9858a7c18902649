"""The floor for bench/boot.py: a boot's hops with no cloudcore logic.

A WSGI app (run by gunicorn, as the API is) inserts a row and casts ``floor.schedule``; the
"scheduler" updates the row (host, task state) and casts ``floor.build`` to the compute queue; the
"compute" worker, which has no database as in cloudcore, casts ``floor.report``; the "conductor"
marks the row active with ``launched_at``. Same broker, same Celery settings, same worker options,
one transaction per database hop. What cloudcore spends beyond this is its own logic.
"""

import json
import os
import threading
import uuid

from celery import Celery

from core import rpc

TABLE = "bench_floor"
SCHEDULER_QUEUE = "floor.scheduler"
COMPUTE_QUEUE = "floor.compute"
CONDUCTOR_QUEUE = "floor.conductor"

app = Celery("floor", set_as_current=False)
app.conf.update(rpc.celery_config(os.environ.get("REDIS_URL")))
app.conf.task_routes = {
    "floor.schedule": {"queue": SCHEDULER_QUEUE},
    "floor.build": {"queue": COMPUTE_QUEUE},
    "floor.report": {"queue": CONDUCTOR_QUEUE},
}

_local = threading.local()


def _db():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        import psycopg2

        conn = psycopg2.connect(os.environ["DATABASE_URL"])
        _local.conn = conn
    return conn


def _execute(sql: str, *params) -> None:
    conn = _db()
    with conn, conn.cursor() as cur:  # one transaction
        cur.execute(sql, params)


def create_table(database_url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (uuid uuid PRIMARY KEY, name text, vm_state text, task_state text,"
            " host text, created_at timestamptz NOT NULL DEFAULT clock_timestamp(), launched_at timestamptz)"
        )
    conn.close()


@app.task(name="floor.schedule")
def schedule(server_id: str) -> None:
    host = f"node{int(server_id[:8], 16) % int(os.environ.get('FLOOR_COMPUTES', '1')) + 1}"
    _execute(f"UPDATE {TABLE} SET host = %s, task_state = 'spawning' WHERE uuid = %s", host, server_id)
    app.send_task("floor.build", args=[server_id, host], queue=f"{COMPUTE_QUEUE}.{host}")


@app.task(name="floor.build")
def build(server_id: str, host: str) -> None:
    app.send_task("floor.report", args=[server_id, host])


@app.task(name="floor.report")
def report(server_id: str, host: str) -> None:
    _execute(
        f"UPDATE {TABLE} SET vm_state = 'active', task_state = NULL, launched_at = clock_timestamp() "
        "WHERE uuid = %s AND task_state = 'spawning'",
        server_id,
    )


def wsgi(environ, start_response):
    """POST anything: one row and one cast, answered 202 with the id."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    server_id = str(uuid.uuid4())
    name = body.get("server", {}).get("name", "floor")
    _execute(
        f"INSERT INTO {TABLE} (uuid, name, vm_state, task_state) VALUES (%s, %s, 'building', 'scheduling')",
        server_id,
        name,
    )
    app.send_task("floor.schedule", args=[server_id])
    payload = json.dumps({"server": {"id": server_id}}).encode()
    start_response("202 Accepted", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
