"""``/os-services`` in Nova's shapes (admin only); ``/os-hypervisors`` is in ``hypervisors``."""

import uuid

from django.conf import settings
from django.db import transaction
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


def by_public_id(request, rows, given):
    """The row of ``rows`` (a model or a queryset) whose public id is ``given`` (the key before 2.53,
    the UUID from 2.53), or None."""
    rows = rows.objects.all() if isinstance(rows, type) else rows
    try:
        if at_least(request, "2.53"):
            return rows.get(uuid=uuid.UUID(str(given)))
        key = int(given)
        return rows.get(pk=key) if 0 < key < 2**31 else None
    except (ValueError, rows.model.DoesNotExist):
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
