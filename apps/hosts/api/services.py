"""``/os-services`` and ``/os-hypervisors``, in Nova's shapes (admin only)."""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.compute.api import validation
from apps.compute.models import Instance
from apps.hosts.api.views import require_admin
from apps.hosts.models import ComputeNode, Service
from apps.hosts.zones import zones


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def _zone_of() -> dict[str, str]:
    return {host: zone for zone, hosts in zones().items() for host in hosts}


def service_body(service: Service, zone_of: dict) -> dict:
    up = service.is_up(settings.SERVICE_DOWN_TIME)
    return {
        "id": str(service.uuid),
        "binary": service.binary,
        "host": service.host,
        "zone": zone_of.get(service.host, "internal"),
        "status": "disabled" if service.disabled else "enabled",
        "state": "up" if up else "down",
        "updated_at": _iso(service.last_seen_up),
        "disabled_reason": service.disabled_reason or None,
        "forced_down": service.forced_down,
    }


def _service(service_id) -> Service:
    try:
        return Service.objects.get(uuid=uuid.UUID(str(service_id)))
    except (ValueError, Service.DoesNotExist):
        raise NotFound(f"Service {service_id} not found.") from None


class ServiceListView(APIView):
    def get(self, request):
        require_admin(request, "os_compute_api:os-services:list")
        services = Service.objects.all()
        if request.query_params.get("host"):
            services = services.filter(host=request.query_params["host"])
        if request.query_params.get("binary"):
            services = services.filter(binary=request.query_params["binary"])
        zone_of = _zone_of()
        return Response({"services": [service_body(s, zone_of) for s in services]})


class ServiceView(APIView):
    def put(self, request, service_id):
        """Enable or disable (``status``, ``disabled_reason``) and force down (``forced_down``)."""
        require_admin(request, "os_compute_api:os-services:update")
        body = request.data
        if not isinstance(body, dict) or not body or set(body) - {"status", "disabled_reason", "forced_down"}:
            raise BadRequest("Expected 'status', 'disabled_reason' and/or 'forced_down'")
        with transaction.atomic():
            service = Service.objects.select_for_update().get(pk=_service(service_id).pk)
            if "status" in body:
                if body["status"] not in ("enabled", "disabled"):
                    raise validation.invalid("status", "It must be 'enabled' or 'disabled'")
                service.disabled = body["status"] == "disabled"
                service.disabled_reason = "" if not service.disabled else service.disabled_reason
            if "disabled_reason" in body:
                reason = body["disabled_reason"]
                if not service.disabled or not isinstance(reason, str) or len(reason) > 255:
                    raise BadRequest("disabled_reason needs status 'disabled' and a string of at most 255 characters")
                service.disabled_reason = reason
            if "forced_down" in body:
                service.forced_down = validation.boolean(body["forced_down"], "forced_down")
            service.save()  # bumps updated_at, which schedulers watch
        return Response({"service": service_body(service, _zone_of())})

    def delete(self, request, service_id):
        require_admin(request, "os_compute_api:os-services:delete")
        service = _service(service_id)
        if Instance.objects.filter(host=service.host, deleted_at__isnull=True).exists():
            raise Conflict(f"Unable to delete compute service that is hosting instances ({service.host}).")
        with transaction.atomic():
            ComputeNode.objects.filter(service=service).delete()
            service.delete()
        return Response(status=204)


def hypervisor_body(node: ComputeNode, detail: bool, servers: list | None = None) -> dict:
    service = node.service
    body = {
        "id": str(node.uuid),
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if service.is_up(settings.SERVICE_DOWN_TIME) else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        body.update(
            {
                "host_ip": "127.0.0.1",
                "hypervisor_type": node.hypervisor_type,
                "hypervisor_version": node.hypervisor_version,
                "service": {
                    "host": node.host,
                    "id": str(service.uuid),
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
                "cpu_info": {"arch": node.cpu_arch},
                "uptime": None,
            }
        )
    if servers is not None:
        body["servers"] = servers
    return body


def _servers_on(node: ComputeNode) -> list[dict]:
    rows = Instance.objects.filter(node=node.hypervisor_hostname, deleted_at__isnull=True).values_list("uuid", "name")
    return [{"uuid": str(u), "name": n} for u, n in rows]


class HypervisorListView(APIView):
    detail = False

    def get(self, request):
        require_admin(request, "os_compute_api:os-hypervisors:list")
        nodes = ComputeNode.objects.select_related("service")
        pattern = request.query_params.get("hypervisor_hostname_pattern")
        if pattern:
            nodes = nodes.filter(hypervisor_hostname__icontains=pattern)
        with_servers = request.query_params.get("with_servers", "").lower() in ("1", "true", "yes")
        return Response(
            {"hypervisors": [hypervisor_body(n, self.detail, _servers_on(n) if with_servers else None) for n in nodes]}
        )


class HypervisorDetailListView(HypervisorListView):
    detail = True


class HypervisorView(APIView):
    def get(self, request, hypervisor_id):
        require_admin(request, "os_compute_api:os-hypervisors:show")
        try:
            node = ComputeNode.objects.select_related("service").get(uuid=uuid.UUID(str(hypervisor_id)))
        except (ValueError, ComputeNode.DoesNotExist):
            raise NotFound(f"Hypervisor {hypervisor_id} could not be found.") from None
        with_servers = request.query_params.get("with_servers", "").lower() in ("1", "true", "yes")
        return Response({"hypervisor": hypervisor_body(node, True, _servers_on(node) if with_servers else None)})


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
