"""``/metrics`` for Prometheus, and the API's own request metrics.

Counters and histograms recorded by any process (API replicas, schedulers, conductors) live in
Redis (``core.observability.metrics``); gauges are read fresh at each scrape: servers by
vm_state and task_state and hosts up or down from the database, queue depths from the broker.
"""

import json
import time

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from core import names
from core.observability import BUCKETS, metrics

HELP = {
    "api_requests_total": "API requests by method, route and status",
    "api_request_duration_seconds": "API request latency by method and route",
    "scheduler_decision_seconds": "Time the scheduler takes to place one instance",
    "scheduler_no_valid_host_total": "Instances the scheduler found no host for",
    "conductor_update_lag_seconds": "Time from a compute host finishing an operation to the conductor recording it",
    "conductor_refused_reports_total": "Compute host reports the conductor refused, by task and reason",
    "refused_messages_total": "Tasks refused for who signed them (or did not), by service, task and reason",
}
# The methods counted by name; any other (a client can send any word) is counted as "other", so
# requests cannot add series without bound to the Redis that is also the broker.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def metrics_middleware(get_response):
    """Count and time every API request by its route pattern (bounded labels, not raw paths)."""

    def middleware(request):
        start = time.perf_counter()
        response = get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        if route != "metrics":
            method = request.method if request.method in METHODS else "other"
            labels = {"method": method, "route": route}
            metrics.inc("api_requests_total", {**labels, "status": str(response.status_code)})
            metrics.observe("api_request_duration_seconds", time.perf_counter() - start, labels)
        return response

    return middleware


class CloudCollector:
    def collect(self):
        counters, histograms = metrics.read()
        for name, series in sorted(counters.items()):
            family = CounterMetricFamily(f"cloudcore_{name.removesuffix('_total')}", HELP.get(name, name),
                                         labels=_label_names(series))  # fmt: skip
            for labels, value in series.items():
                family.add_metric(list(json.loads(labels).values()), value)
            yield family
        for name, series in sorted(histograms.items()):
            family = HistogramMetricFamily(f"cloudcore_{name}", HELP.get(name, name), labels=_label_names(series))
            for labels, entry in series.items():
                buckets = [(str(b), entry["buckets"].get(b, 0.0)) for b in BUCKETS] + [("+Inf", entry["count"])]
                family.add_metric(list(json.loads(labels).values()), buckets, entry["sum"])
            yield family
        yield from _database_gauges()
        yield _queue_depths()


def _label_names(series: dict) -> list[str]:
    first = next(iter(series), "{}")
    return list(json.loads(first))


def _database_gauges():
    from apps.compute.models import Instance
    from apps.hosts.models import Service
    from core.names import COMPUTE_BINARY

    servers = GaugeMetricFamily("cloudcore_servers", "Servers by vm_state and task_state",
                                labels=["vm_state", "task_state"])  # fmt: skip
    rows = Instance.objects.filter(deleted_at__isnull=True).values("vm_state", "task_state").annotate(n=Count("uuid"))
    for row in rows:
        servers.add_metric([row["vm_state"], row["task_state"] or "none"], row["n"])
    yield servers
    hosts = GaugeMetricFamily("cloudcore_hosts", "Compute hosts by state", labels=["state"])
    up = sum(1 for s in Service.objects.filter(binary=COMPUTE_BINARY) if s.is_up(settings.SERVICE_DOWN_TIME))
    total = Service.objects.filter(binary=COMPUTE_BINARY).count()
    hosts.add_metric(["up"], up)
    hosts.add_metric(["down"], total - up)
    yield hosts


def _queue_depths() -> GaugeMetricFamily:
    from apps.hosts.models import Service

    family = GaugeMetricFamily("cloudcore_queue_depth", "Messages waiting per queue", labels=["queue"])
    queues = [names.SCHEDULER_QUEUE, names.CONDUCTOR_QUEUE]
    queues += [names.compute_queue(h) for h in Service.objects.values_list("host", flat=True).distinct()]
    client = metrics.client()
    for queue in queues:
        family.add_metric([queue], client.llen(queue))
    return family


def metrics_view(request):
    registry = CollectorRegistry()
    registry.register(CloudCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
