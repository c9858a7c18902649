"""``/os-services`` and ``/os-hypervisors``, in Nova's shapes (admin only)."""

import json
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.common.microversion import at_least
from apps.common.schemas import boolean
from apps.compute.models import Instance
from apps.hosts.api import schemas
from apps.hosts.api.views import require_admin
from apps.hosts.models import ComputeNode, Service
from apps.hosts.zones import zones
from core.names import COMPUTE_BINARY


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def _zone_of() -> dict[str, str]:
    return {host: zone for zone, hosts in zones().items() for host in hosts}


def public_id(request, row) -> int | str:
    """A service's or node's id as the API shows it: the integer key before 2.53, the UUID from 2.53."""
    return str(row.uuid) if at_least(request, "2.53") else row.pk


def by_public_id(request, model, given):
    """The row whose public id is ``given`` (the key before 2.53, the UUID from 2.53), or None."""
    try:
        if at_least(request, "2.53"):
            return model.objects.get(uuid=uuid.UUID(str(given)))
        return model.objects.get(pk=int(given))
    except (ValueError, model.DoesNotExist):
        return None


def service_body(request, service: Service, zone_of: dict) -> dict:
    up = service.is_up(settings.SERVICE_DOWN_TIME)
    body = {
        "id": public_id(request, service),
        "binary": service.binary,
        "host": service.host,
        "zone": zone_of.get(service.host, "internal"),
        "status": "disabled" if service.disabled else "enabled",
        "state": "up" if up else "down",
        "updated_at": _iso(service.last_seen_up),
        "disabled_reason": service.disabled_reason or None,
    }
    if at_least(request, "2.11"):
        body["forced_down"] = service.forced_down
    return body


def _service(request, service_id) -> Service:
    service = by_public_id(request, Service, service_id)
    if service is None:
        raise NotFound(f"Service {service_id} not found.")
    return service


class ServiceListView(APIView):
    def get(self, request):
        require_admin(request, "os_compute_api:os-services:list")
        services = Service.objects.all()
        if request.query_params.get("host"):
            services = services.filter(host=request.query_params["host"])
        if request.query_params.get("binary"):
            services = services.filter(binary=request.query_params["binary"])
        zone_of = _zone_of()
        return Response({"services": [service_body(request, s, zone_of) for s in services]})


class ServiceView(APIView):
    def put(self, request, service_id):
        """Enable or disable (``status``, ``disabled_reason``) and force down (``forced_down``); before
        2.53 the path names the action instead (``legacy_update``)."""
        require_admin(request, "os_compute_api:os-services:update")
        body = schemas.SERVICE_UPDATE.validate(request)
        if not at_least(request, "2.53"):
            return legacy_update(request, service_id, body)
        with transaction.atomic():
            service = Service.objects.select_for_update().get(pk=_service(request, service_id).pk)
            if service.binary != COMPUTE_BINARY:
                raise BadRequest(f"Updating a {service.binary} service is not supported. Only {COMPUTE_BINARY} "
                                 "services can be updated.")  # fmt: skip
            if "status" not in body and "forced_down" not in body:
                raise BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.")
            if body.get("status") == "enabled":
                if body.get("disabled_reason"):
                    raise BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
                service.disabled, service.disabled_reason = False, ""
            elif body.get("status") == "disabled":
                service.disabled, service.disabled_reason = True, body.get("disabled_reason", "")
            if "forced_down" in body:
                service.forced_down = boolean(body["forced_down"])
            service.save()  # bumps updated_at, which schedulers watch
        return Response({"service": service_body(request, service, _zone_of())})

    def delete(self, request, service_id):
        require_admin(request, "os_compute_api:os-services:delete")
        service = _service(request, service_id)
        if Instance.objects.filter(host=service.host, deleted_at__isnull=True).exists():
            raise Conflict(f"Unable to delete compute service that is hosting instances ({service.host}).")
        with transaction.atomic():
            ComputeNode.objects.filter(service=service).delete()
            service.delete()
        return Response(status=204)


# Before 2.53 the service is named in the body by host (and binary), and the path names the action.
LEGACY_ACTIONS = {"enable": "2.1", "disable": "2.1", "disable-log-reason": "2.1", "force-down": "2.11"}
BINARY_ALIASES = {"nova-compute": COMPUTE_BINARY}


def legacy_update(request, action: str, body: dict) -> Response:
    """``PUT /os-services/{enable,disable,disable-log-reason,force-down}`` as Nova had them before 2.53."""
    if action not in LEGACY_ACTIONS or not at_least(request, LEGACY_ACTIONS[action]):
        raise NotFound("Unknown action")
    host, binary = body["host"], body["binary"]
    with transaction.atomic():
        service = (
            Service.objects.select_for_update().filter(host=host, binary=BINARY_ALIASES.get(binary, binary)).first()
        )
        if service is None:
            raise NotFound(f"Service {binary} on host {host} could not be found.")
        answer = {"host": host, "binary": binary}
        if action == "force-down":
            if "forced_down" not in body:
                raise BadRequest("Missing forced_down field")
            service.forced_down = boolean(body["forced_down"])
            answer["forced_down"] = service.forced_down
        else:
            service.disabled = action != "enable"
            service.disabled_reason = ""
            if action == "disable-log-reason":
                if "disabled_reason" not in body:
                    raise BadRequest("Missing disabled reason field")
                service.disabled_reason = answer["disabled_reason"] = body["disabled_reason"]
            answer["status"] = "disabled" if service.disabled else "enabled"
        service.save()  # bumps updated_at, which schedulers watch
    return Response({"service": answer})


def hypervisor_body(request, node: ComputeNode, detail: bool, servers: list | None = None) -> dict:
    """A hypervisor as Nova shows it: integer ids before 2.53, ``cpu_info`` as JSON text before 2.28."""
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
    if servers is not None and at_least(request, "2.53"):
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
        bodies = [hypervisor_body(request, n, self.detail, _servers_on(n) if with_servers else None) for n in nodes]
        return Response({"hypervisors": bodies})


class HypervisorDetailListView(HypervisorListView):
    detail = True


class HypervisorView(APIView):
    def get(self, request, hypervisor_id):
        require_admin(request, "os_compute_api:os-hypervisors:show")
        node = by_public_id(request, ComputeNode, hypervisor_id)
        if node is None:
            raise NotFound(f"Hypervisor {hypervisor_id} could not be found.")
        with_servers = request.query_params.get("with_servers", "").lower() in ("1", "true", "yes")
        body = hypervisor_body(request, node, True, _servers_on(node) if with_servers else None)
        return Response({"hypervisor": body})


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
