"""``/os-hypervisors`` in Nova's shapes (admin only): integer ids before 2.53, UUIDs from 2.53; the
search, servers and uptime routes Nova serves before 2.53 (uptime before 2.88)."""

import json

from celery.exceptions import TimeoutError as ReplyTimeout
from django.conf import settings
from django.db.models import Count, Q, Sum
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, NotFound
from apps.common.microversion import at_least
from apps.compute.models import Instance
from apps.hosts.api.services import by_public_id, public_id
from apps.hosts.api.views import require_admin
from apps.hosts.models import ComputeNode
from core import names, rpc

MAX_PATTERN = 255  # a hostname pattern's length, as Nova's hostname field


def hypervisor_body(request, node: ComputeNode, detail: bool, servers: list | None = None) -> dict:
    """A hypervisor as Nova shows it: integer ids before 2.53, ``cpu_info`` as JSON text before 2.28,
    ``servers`` only where there are some (an empty list only from 2.75, beyond cloudcore's range)."""
    service = node.service
    body = {
        "id": public_id(request, node),
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if service.is_up(settings.SERVICE_DOWN_TIME) else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        cpu_info = {"arch": node.cpu_arch}
        body.update(
            {
                "host_ip": "127.0.0.1",
                "hypervisor_type": node.hypervisor_type,
                "hypervisor_version": node.hypervisor_version,
                "service": {
                    "host": node.host,
                    "id": public_id(request, service),
                    "disabled_reason": service.disabled_reason or None,
                },
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
                "current_workload": Instance.objects.filter(
                    node=node.hypervisor_hostname, task_state__isnull=False, deleted_at__isnull=True
                ).count(),  # fmt: skip
                "cpu_info": cpu_info if at_least(request, "2.28") else json.dumps(cpu_info),
            }
        )
    if servers:
        body["servers"] = servers
    return body


def _servers_on(node: ComputeNode) -> list[dict]:
    rows = Instance.objects.filter(node=node.hypervisor_hostname, deleted_at__isnull=True).values_list("uuid", "name")
    return [{"uuid": str(u), "name": n} for u, n in rows]


def _with_servers(request) -> bool:
    """``with_servers`` is a query parameter from 2.53 (before, ``/{pattern}/servers`` does it)."""
    return at_least(request, "2.53") and request.query_params.get("with_servers", "").lower() in ("1", "true", "yes")


def _node(request, hypervisor_id) -> ComputeNode:
    node = by_public_id(request, ComputeNode.objects.select_related("service"), hypervisor_id)
    if node is None:
        raise NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")
    return node


def _matching(request, pattern: str) -> list[ComputeNode]:
    """Nodes whose hostname contains ``pattern`` (Nova's search); 404 for none, and from 2.53, where
    these routes are gone."""
    if at_least(request, "2.53"):
        raise NotFound("The resource could not be found.")
    nodes = list(
        ComputeNode.objects.select_related("service").filter(hypervisor_hostname__icontains=pattern[:MAX_PATTERN])
    )
    if not nodes:
        raise NotFound(f"No hypervisor matching '{pattern[:MAX_PATTERN]}' could be found.")
    return nodes


class HypervisorListView(APIView):
    detail = False

    def get(self, request):
        require_admin(request, "os_compute_api:os-hypervisors:list")
        nodes = ComputeNode.objects.select_related("service")
        pattern = request.query_params.get("hypervisor_hostname_pattern")
        if pattern and at_least(request, "2.53"):
            nodes = nodes.filter(hypervisor_hostname__icontains=pattern[:MAX_PATTERN])
        with_servers = _with_servers(request)
        bodies = [hypervisor_body(request, n, self.detail, _servers_on(n) if with_servers else None) for n in nodes]
        return Response({"hypervisors": bodies})


class HypervisorDetailListView(HypervisorListView):
    detail = True


class HypervisorView(APIView):
    def get(self, request, hypervisor_id):
        require_admin(request, "os_compute_api:os-hypervisors:show")
        node = _node(request, hypervisor_id)
        servers = _servers_on(node) if _with_servers(request) else None
        return Response({"hypervisor": hypervisor_body(request, node, True, servers)})


class HypervisorSearchView(APIView):
    """``GET /os-hypervisors/{pattern}/search`` (2.1-2.52)."""

    def get(self, request, pattern):
        require_admin(request, "os_compute_api:os-hypervisors:search")
        return Response({"hypervisors": [hypervisor_body(request, n, False) for n in _matching(request, pattern)]})


class HypervisorServersView(APIView):
    """``GET /os-hypervisors/{pattern}/servers`` (2.1-2.52): matching nodes with their servers."""

    def get(self, request, pattern):
        require_admin(request, "os_compute_api:os-hypervisors:servers")
        nodes = _matching(request, pattern)
        return Response({"hypervisors": [hypervisor_body(request, n, False, _servers_on(n)) for n in nodes]})


class HypervisorUptimeView(APIView):
    """``GET /os-hypervisors/{id}/uptime``: the host's ``uptime`` line, asked of its compute service."""

    def get(self, request, hypervisor_id):
        require_admin(request, "os_compute_api:os-hypervisors:uptime")
        node = _node(request, hypervisor_id)
        if not node.service.is_up(settings.SERVICE_DOWN_TIME):
            raise BadRequest(f"Compute service of {node.host} is unavailable at this time.")
        try:
            reply = rpc.call(names.compute_queue(node.host), "compute.get_host_uptime", settings.CONSOLE_OUTPUT_TIMEOUT)
        except ReplyTimeout as exc:
            raise BadRequest(f"Compute service of {node.host} is unavailable at this time.") from exc
        uptime = reply.get("uptime") if isinstance(reply, dict) else None
        if not isinstance(uptime, str):
            raise BadRequest(f"Compute service of {node.host} is unavailable at this time.")
        return Response({"hypervisor": {**hypervisor_body(request, node, False), "uptime": uptime[:255]}})


class HypervisorStatisticsView(APIView):
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
