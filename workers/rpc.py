"""Messaging shared by every process: queue names, Celery settings, cast and call.

Plain Python with no Django import, so the compute worker (which never loads Django) and the
Django side agree on the wire format from one place.
"""

import os

from celery import current_app

SCHEDULER_QUEUE = "scheduler"
CONDUCTOR_QUEUE = "conductor"
COMPUTE_QUEUE_PREFIX = "compute."

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def compute_queue(host: str) -> str:
    """The queue a compute node named ``host`` consumes."""
    return f"{COMPUTE_QUEUE_PREFIX}{host}"


def celery_config(redis_url: str | None = None) -> dict:
    """Celery settings every cloudcore process uses (JSON only, late acks, prefetch 1)."""
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    return {
        "broker_url": url,
        "result_backend": url,
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
        "broker_transport_options": {"visibility_timeout": 3600},
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "enable_utc": True,
    }


def cast(queue: str, task: str, **kwargs) -> None:
    """Send ``task`` to ``queue`` with keyword arguments and return at once."""
    current_app.send_task(task, kwargs=kwargs, queue=queue)


def call(queue: str, task: str, timeout: float, **kwargs):
    """Send ``task`` to ``queue`` and wait up to ``timeout`` seconds for its result.

    Raises ``celery.exceptions.TimeoutError`` when no reply arrives in time.
    """
    result = current_app.send_task(task, kwargs=kwargs, queue=queue, ignore_result=False)
    try:
        return result.get(timeout=timeout, propagate=True, disable_sync_subtasks=False)
    finally:
        result.forget()
