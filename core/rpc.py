"""Messaging shared by every process: queue names, Celery settings, cast and call.

Plain Python with no Django import, so the compute worker (which never loads Django) and the
Django side agree on the wire format from one place.
"""

import logging
import os

from celery import current_app
from celery.backends.rpc import RPCBackend

from core.names import CONDUCTOR_QUEUE, DEFAULT_REDIS_URL, SCHEDULER_QUEUE

LOG = logging.getLogger(__name__)


# Call replies on RabbitMQ go through this exchange, keyed by the caller's own reply queue.
REPLY_EXCHANGE = "cloudcore.reply"


def is_amqp(url: str | None) -> bool:
    return bool(url) and url.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")


class ReplyBackend(RPCBackend):
    """Celery's RPC result backend, but through a named exchange instead of the default one: a
    compute node may publish replies there without the right to publish to every queue (which the
    default exchange would give), and only the caller can read its reply queue."""

    def _create_exchange(self, name, type="direct", delivery_mode=2):
        return self.Exchange(REPLY_EXCHANGE, "direct", delivery_mode=delivery_mode)

    def as_uri(self, include_password=True):
        return "core.rpc:ReplyBackend"


def celery_config(redis_url: str | None = None) -> dict:
    """Celery settings every cloudcore process uses (JSON only, late acks, prefetch 1).

    The broker is ``BROKER_URL`` when set (RabbitMQ, say), else Redis. Call results go through
    the broker on RabbitMQ (``ReplyBackend``, so a compute node needs no Redis), else through
    Redis (``REDIS_URL``), which also keeps the metrics.
    """
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    broker = os.environ.get("BROKER_URL") if redis_url is None else None
    task_events = os.environ.get("TASK_EVENTS", "true").strip().lower() not in ("0", "false", "no", "off")
    return {
        "broker_url": broker or url,
        "result_backend": "core.rpc:ReplyBackend" if is_amqp(broker) else url,
        "accept_content": ["json"],
        "task_serializer": "json",
        "result_serializer": "json",
        "result_expires": 3600,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_routes": {
            "scheduler.*": {"queue": SCHEDULER_QUEUE},
            "conductor.*": {"queue": CONDUCTOR_QUEUE},
        },
        "task_default_queue": CONDUCTOR_QUEUE,
        "broker_connection_retry_on_startup": True,
        # A broker that vanishes mid-request must not hang a worker thread forever: bounded socket
        # waits turn a dead connection into an error that the publish retry and reconnect handle.
        "broker_transport_options": {
            "visibility_timeout": 3600,
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
            "socket_keepalive": True,
            "health_check_interval": 10,
        },
        "redis_socket_timeout": 10,
        "redis_socket_connect_timeout": 5,
        "redis_retry_on_timeout": True,
        "task_publish_retry_policy": {
            "max_retries": 10,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 2,
        },
        "worker_hijack_root_logger": False,
        # Task events (sent, received, started, succeeded: four messages per task) feed Flower's
        # task pages; a cloud nobody watches through Flower can save them with TASK_EVENTS=false.
        "worker_send_task_events": task_events,
        "task_send_sent_event": task_events,
        "enable_utc": True,
    }


_app = None


def use_app(app) -> None:
    """Name the process's Celery app. Celery's ``current_app`` is per thread: a thread of our own
    (the compute heartbeat) would otherwise get a default app that talks to no broker of ours."""
    global _app
    _app = app
    app.set_default()
    survive_broker_loss()


def _current():
    return _app or current_app


def cast(queue: str, task: str, **kwargs) -> None:
    """Send ``task`` to ``queue`` with keyword arguments and return at once."""
    _current().send_task(task, kwargs=kwargs, queue=queue)


def call(queue: str, task: str, timeout: float, **kwargs):
    """Send ``task`` to ``queue`` and wait up to ``timeout`` seconds for its result.

    Raises ``celery.exceptions.TimeoutError`` when no reply arrives in time.
    """
    result = _current().send_task(task, kwargs=kwargs, queue=queue, ignore_result=False)
    try:
        return result.get(timeout=timeout, propagate=True, disable_sync_subtasks=False)
    finally:
        result.forget()


def survive_broker_loss() -> None:
    """Work around kombu 5.7's Redis transport under Celery 5.7: once a lost connection has been
    closed, anything that still goes through its old channel (handing back unacknowledged
    messages, acknowledging a task that finished during the outage) fails with AttributeError
    instead of a connection error, and that kills the worker. Raise the connection error kombu
    expects, so those are logged and the worker reconnects; messages not handed back return after
    the visibility timeout, and the reconciler resends what it needs sooner."""
    import redis
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams
    if getattr(original, "survives_broker_loss", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("the connection to the broker was closed")
        return original(self, asynchronous=asynchronous)

    _connparams.survives_broker_loss = True
    kombu_redis.Channel._connparams = _connparams
