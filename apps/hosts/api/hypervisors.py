"""``/os-hypervisors`` in Nova's shapes (admin only), microversion by microversion:

- 2.28: ``cpu_info`` an object (JSON text before).
- 2.33: the lists page by ``limit``/``marker`` (the node's id) with ``hypervisors_links``.
- 2.53: ids are UUIDs (a malformed one is a 400); ``hypervisor_hostname_pattern`` and
  ``with_servers`` are query parameters (no paging with a pattern) and the ``/{pattern}/search``
  and ``/{pattern}/servers`` routes are gone; unknown query parameters are refused.
- 2.75: ``with_servers`` shows ``servers`` even when there are none.
- 2.88: detail and show drop the capacity fields (placement's) and gain ``uptime``, asked of the
  host (null when it is down or does not answer); ``/statistics`` and ``/{id}/uptime`` are gone.
"""

import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from celery.exceptions import TimeoutError as ReplyTimeout
from django.conf import settings
from django.db.models import Count, Q, Sum
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, NotFound
from apps.common.microversion import Since, at_least
from apps.common.query import Query, closed, multi, open_, single
from apps.common.schemas import boolean
from apps.compute.api.paging import ANY, BOOLEAN, FQDN, NON_NEGATIVE, STRING, limit_of, next_links
from apps.compute.models import Instance
from apps.hosts.api.services import public_id
from apps.hosts.api.views import require_admin
from apps.hosts.models import ComputeNode
from core import names, rpc

LOG = logging.getLogger(__name__)

MAX_PATTERN = 255  # a hostname pattern's length, as Nova's hostname field
UPTIME_CALLS = 8  # hosts asked for their uptime at once (a 2.88 detail list)

INDEX_QUERY = Query({
    "2.1": open_({}),
    "2.33": open_({"limit": multi(NON_NEGATIVE), "marker": multi(STRING)}),
    "2.53": closed({"limit": single(NON_NEGATIVE), "marker": single(STRING),
                    "hypervisor_hostname_pattern": single(FQDN), "with_servers": single(BOOLEAN)}),
})  # fmt: skip
SHOW_QUERY = Query({"2.1": open_({}), "2.53": closed({"with_servers": single(BOOLEAN)})})


def hypervisor_body(
    request, node: ComputeNode, detail: bool, servers: list | None = None, uptime: str | None = None
) -> dict:
    """A hypervisor as Nova shows it. ``servers`` is None when not asked for; an empty list shows
    only from 2.75. ``uptime`` is shown in a detail from 2.88."""
    service = node.service
    body = {
        "id": public_id(request, node),
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if service.is_up(settings.SERVICE_DOWN_TIME) else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        body.update(
            host_ip="127.0.0.1",
            hypervisor_type=node.hypervisor_type,
            hypervisor_version=node.hypervisor_version,
            service={"host": node.host, "id": public_id(request, service),
                     "disabled_reason": service.disabled_reason or None},
        )  # fmt: skip
        if at_least(request, "2.88"):
            body["uptime"] = uptime
        else:
            body.update(_capacity(request, node))
    if servers or (servers is not None and at_least(request, "2.75")):
        body["servers"] = servers
    return body


def _capacity(request, node: ComputeNode) -> dict:
    """The fields 2.88 removed (placement has them)."""
    cpu_info = {"arch": node.cpu_arch}
    workload = Instance.objects.filter(node=node.hypervisor_hostname, task_state__isnull=False, deleted_at__isnull=True)
    return {
        "vcpus": node.vcpus,
        "vcpus_used": node.vcpus_used,
        "memory_mb": node.memory_mb,
        "memory_mb_used": node.memory_mb_used,
        "local_gb": node.local_gb,
        "local_gb_used": node.local_gb_used,
        "free_ram_mb": node.memory_mb - node.memory_mb_used,
        "free_disk_gb": node.local_gb - node.local_gb_used,
        "disk_available_least": node.local_gb - node.local_gb_used,
        "running_vms": node.running_vms,
        "current_workload": workload.count(),
        "cpu_info": cpu_info if at_least(request, "2.28") else json.dumps(cpu_info),
    }


def _servers_on(node: ComputeNode) -> list[dict]:
    rows = Instance.objects.filter(node=node.hypervisor_hostname, deleted_at__isnull=True).values_list("uuid", "name")
    return [{"uuid": str(u), "name": n} for u, n in rows]


def host_uptime(host: str) -> str | None:
    """The host's ``uptime`` line, asked of its compute service; None if it does not answer."""
    try:
        reply = rpc.call(names.compute_queue(host), "compute.get_host_uptime", settings.CONSOLE_OUTPUT_TIMEOUT)
    except ReplyTimeout:
        return None
    except Exception:  # the broker is unreachable: no answer either
        LOG.warning("could not ask %s for its uptime", host, exc_info=True)
        return None
    uptime = reply.get("uptime") if isinstance(reply, dict) else None
    return uptime[:255] if isinstance(uptime, str) else None


def uptimes(nodes: list[ComputeNode]) -> dict[str, str | None]:
    """Each node's host's uptime (2.88): a down host is not asked (null), the others at once."""
    hosts = sorted({n.host for n in nodes if n.service.is_up(settings.SERVICE_DOWN_TIME)})
    if len(hosts) <= 1:
        return {host: host_uptime(host) for host in hosts}
    with ThreadPoolExecutor(max_workers=min(UPTIME_CALLS, len(hosts))) as pool:
        return dict(zip(hosts, pool.map(host_uptime, hosts), strict=True))


def _node(request, hypervisor_id: str) -> ComputeNode:
    """The node named in the path: a UUID from 2.53 (else 400), an integer id before (else 404)."""
    nodes = ComputeNode.objects.select_related("service")
    missing = NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")
    if at_least(request, "2.53"):
        try:
            key = uuid.UUID(hypervisor_id)
        except ValueError:
            raise BadRequest(f"Invalid uuid {hypervisor_id}") from None
        node = nodes.filter(uuid=key).first()
    else:
        try:
            key = int(hypervisor_id)
        except ValueError:
            raise missing from None
        node = nodes.filter(pk=key).first() if 0 < key < 2**63 else None
    if node is None:
        raise missing
    return node


def _matching(pattern: str) -> list[ComputeNode]:
    """Nodes whose hostname contains ``pattern`` (Nova's search); 404 for none."""
    pattern = pattern[:MAX_PATTERN]
    nodes = list(ComputeNode.objects.select_related("service").filter(hypervisor_hostname__icontains=pattern))
    if not nodes:
        raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return nodes


def _anchor(request, marker: str) -> ComputeNode | None:
    try:
        if at_least(request, "2.53"):
            return ComputeNode.objects.filter(uuid=uuid.UUID(marker)).first()
        key = int(marker)
    except ValueError:
        return None
    return ComputeNode.objects.filter(pk=key).first() if 0 < key < 2**63 else None


def _page(request, params: dict) -> list[ComputeNode]:
    """Nodes by id after the marker (the node's id before 2.53, its UUID from 2.53)."""
    nodes = ComputeNode.objects.select_related("service").order_by("id")
    if not at_least(request, "2.33"):
        return list(nodes)
    marker = params.get("marker")
    if marker is not None:
        anchor = _anchor(request, marker)
        if anchor is None:
            raise BadRequest(f"marker [{marker}] not found")
        nodes = nodes.filter(id__gt=anchor.id)
    limit = limit_of(params)
    return list(nodes[:limit]) if limit else []


class HypervisorListView(APIView):
    detail = False
    rule = "os_compute_api:os-hypervisors:list"
    query = INDEX_QUERY

    def get(self, request):
        require_admin(request, self.rule)
        params = INDEX_QUERY.validate(request)
        # INDEX_QUERY names the pattern and with_servers from 2.53 only: before, params hold neither.
        pattern = params.get("hypervisor_hostname_pattern")
        with_servers = boolean(params.get("with_servers", False))
        if pattern is not None:
            if "limit" in params or params.get("marker"):
                raise BadRequest("Paging over hypervisors with the hypervisor_hostname_pattern query parameter is "
                                 "not supported.")  # fmt: skip
            nodes = _matching(pattern)
        else:
            nodes = _page(request, params)
        up = uptimes(nodes) if self.detail and at_least(request, "2.88") else {}
        bodies = [
            hypervisor_body(request, n, self.detail, _servers_on(n) if with_servers else None, up.get(n.host))
            for n in nodes
        ]
        body = {"hypervisors": bodies}
        if pattern is None and at_least(request, "2.33"):
            collection = "os-hypervisors/detail" if self.detail else "os-hypervisors"
            if links := next_links(request, params, bodies, collection, "id"):
                body["hypervisors_links"] = links
        return Response(body)


class HypervisorDetailListView(HypervisorListView):
    detail = True
    rule = "os_compute_api:os-hypervisors:list-detail"


class HypervisorView(APIView):
    query = SHOW_QUERY

    def get(self, request, hypervisor_id):
        require_admin(request, "os_compute_api:os-hypervisors:show")
        params = SHOW_QUERY.validate(request)
        node = _node(request, hypervisor_id)
        with_servers = boolean(params.get("with_servers", False))  # SHOW_QUERY names it from 2.53 only
        servers = _servers_on(node) if with_servers else None
        uptime = uptimes([node]).get(node.host) if at_least(request, "2.88") else None
        return Response({"hypervisor": hypervisor_body(request, node, True, servers, uptime)})


class BeforePatternQueries(Since, APIView):
    """The routes 2.53 replaced with query parameters (Nova's 404 from 2.53; no query checked)."""

    query = ANY
    gone_from = "2.53"


class HypervisorSearchView(BeforePatternQueries):
    """``GET /os-hypervisors/{pattern}/search`` (2.1-2.52)."""

    def get(self, request, pattern):
        require_admin(request, "os_compute_api:os-hypervisors:search")
        return Response({"hypervisors": [hypervisor_body(request, n, False) for n in _matching(pattern)]})


class HypervisorServersView(BeforePatternQueries):
    """``GET /os-hypervisors/{pattern}/servers`` (2.1-2.52): matching nodes with their servers."""

    def get(self, request, pattern):
        require_admin(request, "os_compute_api:os-hypervisors:servers")
        nodes = _matching(pattern)
        return Response({"hypervisors": [hypervisor_body(request, n, False, _servers_on(n)) for n in nodes]})


class Before288(Since, APIView):
    """The routes 2.88 removed (Nova's 404 from 2.88; no query checked)."""

    query = ANY
    gone_from = "2.88"


class HypervisorUptimeView(Before288):
    """``GET /os-hypervisors/{id}/uptime`` (2.1-2.87): the host's ``uptime`` line, asked of its
    compute service; 400 when it is down or does not answer (from 2.88 detail shows it)."""

    def get(self, request, hypervisor_id):
        require_admin(request, "os_compute_api:os-hypervisors:uptime")
        node = _node(request, hypervisor_id)
        unavailable = BadRequest(f"Compute service of {node.host} is unavailable at this time.")
        if not node.service.is_up(settings.SERVICE_DOWN_TIME):
            raise unavailable
        uptime = host_uptime(node.host)
        if uptime is None:
            raise unavailable
        return Response({"hypervisor": {**hypervisor_body(request, node, False), "uptime": uptime}})


class HypervisorStatisticsView(Before288):
    """``GET /os-hypervisors/statistics`` (2.1-2.87): the capacity fields summed over the nodes."""

    def get(self, request):
        require_admin(request, "os_compute_api:os-hypervisors:statistics")
        totals = ComputeNode.objects.aggregate(
            count=Count("id"), vcpus=Sum("vcpus"), vcpus_used=Sum("vcpus_used"), memory_mb=Sum("memory_mb"),
            memory_mb_used=Sum("memory_mb_used"), local_gb=Sum("local_gb"), local_gb_used=Sum("local_gb_used"),
            running_vms=Sum("running_vms"),
        )  # fmt: skip
        totals = {k: v or 0 for k, v in totals.items()}
        workload = Instance.objects.filter(Q(task_state__isnull=False), deleted_at__isnull=True).count()
        totals.update(
            free_ram_mb=totals["memory_mb"] - totals["memory_mb_used"],
            free_disk_gb=totals["local_gb"] - totals["local_gb_used"],
            disk_available_least=totals["local_gb"] - totals["local_gb_used"],
            current_workload=workload,
        )
        return Response({"hypervisor_statistics": totals})
