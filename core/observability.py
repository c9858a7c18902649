"""Request ids in every log line and every task, and metrics kept in Redis so every process and
replica adds to the same numbers. Plain Python: the compute worker uses it without Django.

- ``REQUEST_ID`` holds the request id of what the current thread is doing: the API sets it per
  request; ``task_prerun`` sets it from the task's ``request_id`` (argument or message header);
  ``before_task_publish`` puts it in the header of every task sent meanwhile.
- Log lines carry it as ``request_id``; ``LOG_FORMAT=json`` writes one JSON object a line.
- ``metrics`` counts and times in Redis hashes; ``/metrics`` reads them back for Prometheus.
"""

import contextvars
import json
import logging
import os

from celery import signals

from core.names import DEFAULT_REDIS_URL

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
LOG = logging.getLogger(__name__)

# -- logging -----------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s [%(request_id)s]: %(message)s"


def logging_config(level: str | None = None) -> dict:
    """The ``logging.config.dictConfig`` of every cloudcore process (Django's ``LOGGING`` too)."""
    json_lines = os.environ.get("LOG_FORMAT", "plain").lower() == "json"
    formatter = {"()": JsonFormatter} if json_lines else {"format": PLAIN_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level or os.environ.get("LOG_LEVEL", "INFO")},
    }


@signals.setup_logging.connect
def _configure_worker_logging(**_kwargs):
    """Celery workers log with the same format (and request ids) as the API."""
    import logging.config

    logging.config.dictConfig(logging_config())


# -- request ids through Celery ------------------------------------------------------------------


@signals.before_task_publish.connect
def _send_request_id(headers=None, body=None, **_kwargs):
    request_id = REQUEST_ID.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@signals.task_prerun.connect
def _adopt_request_id(task=None, kwargs=None, **_kwargs):
    request_id = (kwargs or {}).get("request_id") or getattr(task.request, "request_id", None)
    task.request.cloudcore_request_id_token = REQUEST_ID.set(request_id)


@signals.task_postrun.connect
def _drop_request_id(task=None, **_kwargs):
    token = getattr(task.request, "cloudcore_request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


# -- metrics in Redis -----------------------------------------------------------------------------

PREFIX = "cloudcore:metrics:"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Counters and histograms in Redis. A failure to record is logged and forgotten: metrics must
    never fail the work they measure."""

    def __init__(self, url: str | None = None):
        self._url = url
        self._client = None

    def client(self):
        if self._client is None:
            import redis

            url = self._url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
            self._client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        return self._client

    @staticmethod
    def _labels(labels: dict | None) -> str:
        return json.dumps(labels or {}, sort_keys=True, separators=(",", ":"))

    def inc(self, name: str, labels: dict | None = None, by: float = 1) -> None:
        try:
            self.client().hincrbyfloat(f"{PREFIX}counter:{name}", self._labels(labels), by)
        except Exception as exc:  # noqa: BLE001 - see the class docstring
            LOG.debug("metric %s not recorded: %s", name, exc)

    def observe(self, name: str, value: float, labels: dict | None = None) -> None:
        key, series = f"{PREFIX}histogram:{name}", self._labels(labels)
        try:
            pipe = self.client().pipeline(transaction=False)
            pipe.hincrbyfloat(key, f"{series}|sum", value)
            pipe.hincrby(key, f"{series}|count", 1)
            for bound in BUCKETS:
                if value <= bound:
                    pipe.hincrby(key, f"{series}|le={bound}", 1)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            LOG.debug("metric %s not recorded: %s", name, exc)

    def read(self) -> tuple[dict, dict]:
        """({counter: {labels: value}}, {histogram: {labels: {"sum", "count", "buckets": {le: n}}}})."""
        counters, histograms = {}, {}
        client = self.client()
        for raw in client.scan_iter(f"{PREFIX}*"):
            key = raw.decode()
            kind, _, name = key[len(PREFIX) :].partition(":")
            fields = {k.decode(): float(v) for k, v in client.hgetall(key).items()}
            if kind == "counter":
                counters[name] = {labels: value for labels, value in fields.items()}
            elif kind == "histogram":
                series: dict[str, dict] = {}
                for field, value in fields.items():
                    labels, _, part = field.rpartition("|")
                    entry = series.setdefault(labels, {"sum": 0.0, "count": 0, "buckets": {}})
                    if part.startswith("le="):
                        entry["buckets"][float(part[3:])] = value
                    else:
                        entry[part] = value
                histograms[name] = series
        return counters, histograms


metrics = Metrics()
