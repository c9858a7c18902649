"""The scheduler's view of every compute node, kept fresh incrementally.

A full load reads every node, its service, its aggregates and its in-flight task count in a
handful of queries (never one per host). Between full loads, each decision reads only the nodes
and services whose ``updated_at`` moved (claims, releases, reports and heartbeats all bump it),
so a decision over 10,000 hosts costs a few small queries. The cache only guides placement:
claims are checked by the database, so a stale view costs at most a lost claim and a retry.
"""

import dataclasses
import math
import threading
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from apps.compute.models import Instance
from apps.hosts.claims import Destination, ResourceRequest
from apps.hosts.models import Aggregate, AggregateHost, ComputeNode, Service
from core.names import COMPUTE_BINARY
from workers.scheduler.host_table import HostTable

DEFAULT_AZ = "nova"


@dataclasses.dataclass(eq=False)
class HostState:
    node_id: int
    host: str
    node: str
    enabled: bool = True
    forced_down: bool = False
    last_seen: float = 0.0  # epoch seconds of the last heartbeat
    vcpus: int = 0
    vcpus_used: int = 0
    memory_mb: int = 0
    memory_mb_used: int = 0
    local_gb: int = 0
    local_gb_used: int = 0
    cpu_allocation_ratio: float = 16.0
    ram_allocation_ratio: float = 1.5
    disk_allocation_ratio: float = 1.0
    hypervisor_type: str = ""
    cpu_arch: str = ""
    failed_builds: int = 0
    capabilities: dict = dataclasses.field(default_factory=dict)  # as the node last reported them
    io_ops: int = 0
    availability_zone: str = DEFAULT_AZ
    aggregates: tuple[dict, ...] = ()
    # Derived from the above by recompute(); plain attributes so filters read them cheaply.
    free_vcpus: float = 0.0
    free_ram_mb: float = 0.0
    free_disk_gb: float = 0.0
    node_updated_at: object = None  # the node row's updated_at when last read
    _table: object = dataclasses.field(default=None, repr=False)
    _index: int = -1

    def __post_init__(self):
        self.recompute()

    @property
    def destination(self) -> Destination:
        return Destination(self.node_id, self.host, self.node, self.availability_zone)

    def attach(self, table, index: int) -> None:
        """Mirror this host's numbers into row ``index`` of ``table`` from now on."""
        self._table, self._index = table, index
        table.sync(index, self)

    def recompute(self) -> None:
        """Derive the free amounts (and refresh this host's table row) after any change."""
        self.free_vcpus = self.vcpus * self.cpu_allocation_ratio - self.vcpus_used
        self.free_ram_mb = self.memory_mb * self.ram_allocation_ratio - self.memory_mb_used
        self.free_disk_gb = self.local_gb * self.disk_allocation_ratio - self.local_gb_used
        if self._table is not None:
            self._table.sync(self._index, self)

    def up(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return not self.forced_down and now - self.last_seen <= settings.SERVICE_DOWN_TIME

    def consume(self, need: ResourceRequest) -> None:
        """Count a placement made in this request, so the next instance sees it."""
        self.vcpus_used += need.vcpus
        self.memory_mb_used += need.memory_mb
        self.local_gb_used += need.disk_gb
        self.io_ops += 1
        self.recompute()

    def update_from_node(self, node: ComputeNode) -> None:
        for field in (
            "vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
            "cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio", "hypervisor_type",
            "cpu_arch", "failed_builds", "capabilities",
        ):  # fmt: skip
            setattr(self, field, getattr(node, field))
        self.node_updated_at = node.updated_at
        self.update_from_service(node.service)
        self.recompute()

    def update_from_service(self, service: Service) -> None:
        self.set_service(service.disabled, service.forced_down, service.last_seen_up)

    def set_last_seen(self, seen: float) -> None:
        self.last_seen = seen
        if self._table is not None:
            self._table.last_seen[self._index] = seen

    def set_service(self, disabled: bool, forced_down: bool, last_seen_up) -> None:
        self.enabled = not disabled
        self.forced_down = forced_down
        self.last_seen = last_seen_up.timestamp() if last_seen_up else 0.0
        if self._table is not None:
            self._table.sync(self._index, self)


def _aggregates_by_host() -> dict[str, list[Aggregate]]:
    by_host: dict[str, list[Aggregate]] = {}
    aggregates = {a.id: a for a in Aggregate.objects.all()}
    for aggregate_id, host in AggregateHost.objects.values_list("aggregate_id", "host"):
        by_host.setdefault(host, []).append(aggregates[aggregate_id])
    return by_host


def _operator_versions() -> tuple:
    """What operators last changed, in one small query: (aggregates changed at, aggregate count,
    services changed at). Comparing it with the last one tells whether to re-read those."""
    aggregate, service = Aggregate._meta.db_table, Service._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(updated_at) FROM {aggregate}), (SELECT count(*) FROM {aggregate}), "
            f"(SELECT max(updated_at) FROM {service})"
        )
        return tuple(cursor.fetchone())


def io_ops_by_host() -> Counter:
    """Instances with an operation in flight, per host."""
    rows = (
        Instance.objects.filter(deleted_at__isnull=True, task_state__isnull=False, host__isnull=False)
        .values("host")
        .annotate(n=Count("uuid"))
    )
    return Counter({row["host"]: row["n"] for row in rows})


class HostStateCache:
    """One scheduler thread's view of all hosts. ``states()`` refreshes what changed and returns them."""

    OVERLAP = timedelta(seconds=1)  # re-read rows this far behind the watermark (late commits, clock skew)
    LIVENESS_SECONDS = 2.0  # how often every host's last heartbeat is re-read

    def __init__(self, full_refresh_seconds: float = 30.0):
        self.full_refresh_seconds = full_refresh_seconds
        self._by_node: dict[int, HostState] = {}
        self._by_host: dict[str, list[HostState]] = {}
        self._watermark = self._services_watermark = None
        self._loaded_at = -math.inf
        self._versions = None
        self._liveness_at = -math.inf

    def table(self) -> HostTable:
        """The refreshed view as a table (``table.states`` are the HostStates, ordered by node)."""
        self.states()
        return self._table

    def states(self) -> list[HostState]:
        versions = _operator_versions()
        if (
            self._watermark is None
            or time.monotonic() - self._loaded_at > self.full_refresh_seconds
            or versions[:2] != self._versions[:2]
        ):
            self.full_load(versions)
        else:
            self._refresh(services_changed=versions[2] != self._versions[2])
            self._versions = versions
            if time.monotonic() - self._liveness_at > self.LIVENESS_SECONDS:
                self._refresh_liveness()
        return self._table.states

    def reread(self, state: HostState) -> None:
        """Re-read one node after a lost claim; a node that is gone leaves the view."""
        node = ComputeNode.objects.select_related("service").filter(pk=state.node_id).first()
        if node is None:
            self._watermark = None  # rebuild the view (and its table) on the next decision
        else:
            state.update_from_node(node)

    def full_load(self, versions=None, nodes: list[str] | None = None) -> None:
        started = timezone.now()
        aggregates = _aggregates_by_host()
        io_ops = io_ops_by_host()
        by_node = {}
        rows = (
            ComputeNode.objects.select_related("service")
            .filter(service__binary=COMPUTE_BINARY)
            .order_by("hypervisor_hostname")
        )
        if nodes is not None:
            rows = rows.filter(hypervisor_hostname__in=nodes)
        for node in rows:
            state = HostState(node_id=node.id, host=node.host, node=node.hypervisor_hostname)
            state.update_from_node(node)
            host_aggregates = aggregates.get(node.host, [])
            state.aggregates = tuple(a.metadata for a in host_aggregates)
            zones = [a.availability_zone for a in host_aggregates if a.availability_zone]
            state.availability_zone = zones[0] if zones else settings.DEFAULT_AVAILABILITY_ZONE
            state.io_ops = io_ops.get(node.host, 0)
            by_node[node.id] = state
        self._by_node = by_node
        self._table = HostTable(list(by_node.values()))
        self._by_host = {}
        for state in by_node.values():
            self._by_host.setdefault(state.host, []).append(state)
        self._watermark = self._services_watermark = started
        self._loaded_at = self._liveness_at = time.monotonic()
        self._versions = versions or _operator_versions()

    _NODE_FIELDS = (
        "id", "updated_at", "vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
        "cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio", "hypervisor_type", "cpu_arch",
        "failed_builds", "capabilities",
    )  # fmt: skip

    def _refresh_liveness(self) -> None:
        """Heartbeats do not bump ``updated_at``; read every host's last one in one small query."""
        for host, last_seen_up in Service.objects.filter(binary=COMPUTE_BINARY).values_list("host", "last_seen_up"):
            seen = last_seen_up.timestamp() if last_seen_up else 0.0
            for state in self._by_host.get(host, ()):
                if state.last_seen != seen:
                    state.set_last_seen(seen)
        self._liveness_at = time.monotonic()

    def _refresh(self, services_changed: bool) -> None:
        """Apply the nodes (and, if an operator changed any, the services) changed since the last look."""
        started = timezone.now()
        since = self._watermark - self.OVERLAP
        for row in ComputeNode.objects.filter(updated_at__gte=since).values_list(*self._NODE_FIELDS):
            state = self._by_node.get(row[0])
            if state is None:
                self.full_load()
                return
            if state.node_updated_at == row[1]:
                continue
            state.node_updated_at = row[1]
            for field, value in zip(self._NODE_FIELDS[2:], row[2:], strict=True):
                setattr(state, field, value)
            state.recompute()
        self._watermark = started
        if services_changed:
            # Changes an operator made (enable, disable, force down); heartbeats are read apart.
            since = self._services_watermark - self.OVERLAP
            self._services_watermark = started
            changed = Service.objects.filter(binary=COMPUTE_BINARY, updated_at__gte=since).values_list(
                "host", "disabled", "forced_down", "last_seen_up"
            )
            for host, disabled, forced_down, last_seen_up in changed:
                for state in self._by_host.get(host, ()):
                    state.set_service(disabled, forced_down, last_seen_up)


_local = threading.local()


def cache() -> HostStateCache:
    """The current thread's cache (scheduler workers run several threads)."""
    current = getattr(_local, "cache", None)
    if current is None:
        current = _local.cache = HostStateCache(settings.SCHEDULER_FULL_REFRESH_SECONDS)
    return current


def host_table() -> HostTable:
    """The current thread's cached view as a table, refreshed."""
    return cache().table()


def forget_cache() -> None:
    _local.cache = None


def load_host_states(nodes: list[str] | None = None) -> list[HostState]:
    """A fresh view from the database (of ``nodes`` only, if given), not cached."""
    cache = HostStateCache()
    cache.full_load(nodes=nodes)
    return list(cache._by_node.values())
