"""``/os-services`` in Nova's shapes (admin only); ``/os-hypervisors`` is in ``hypervisors``.

- 2.11: ``forced_down``, and the ``force-down`` action.
- 2.53: ids are UUIDs (a malformed one is a 400); ``PUT /os-services/{uuid}`` takes the change
  and answers with the whole service; the ``enable``/``disable``/``disable-log-reason``/
  ``force-down`` paths (and their host-and-binary bodies) are gone.
- 2.75: unknown query parameters are refused.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.common.microversion import at_least
from apps.common.query import Query, closed, multi, open_
from apps.common.schemas import boolean
from apps.compute.api.paging import STRING
from apps.compute.models import Instance, Migration
from apps.hosts.api import schemas
from apps.hosts.api.views import require_admin
from apps.hosts.models import Aggregate, AggregateHost, ComputeNode, Service
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


_INDEX = {"host": multi(STRING), "binary": multi(STRING)}
INDEX_QUERY = Query({"2.1": open_(_INDEX), "2.75": closed(_INDEX)})


def _service(request, service_id, missing: str = "Service {} not found.") -> Service:
    """The service named in the path: a UUID from 2.53 (else 400), an integer id before."""
    if at_least(request, "2.53"):
        try:
            uuid.UUID(str(service_id))
        except ValueError:
            raise BadRequest(f"Invalid uuid {service_id}") from None
    service = by_public_id(request, Service, service_id)
    if service is None:
        raise NotFound(missing.format(service_id))
    return service


class ServiceListView(APIView):
    query = INDEX_QUERY

    def get(self, request):
        require_admin(request, "os_compute_api:os-services:list")
        params = INDEX_QUERY.validate(request)
        services = Service.objects.all()
        if params.get("host"):
            services = services.filter(host=params["host"])
        if params.get("binary"):
            services = services.filter(binary=params["binary"])
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
            found = _service(request, service_id, "Service {} could not be found.")
            service = Service.objects.select_for_update().get(pk=found.pk)
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
        """Delete a service; a compute service only without instances and moves in progress, and it
        leaves its aggregates (as Nova)."""
        require_admin(request, "os_compute_api:os-services:delete")
        if not at_least(request, "2.53"):
            try:
                int(service_id)
            except ValueError:
                raise BadRequest("Invalid input received: id must be an integer") from None
        service = _service(request, service_id)
        with transaction.atomic():
            if service.binary == COMPUTE_BINARY:
                _check_unused(service)
                # Out of its aggregates, moving their updated_at, which tells schedulers to re-read them.
                Aggregate.objects.filter(hosts__host=service.host).update(updated_at=timezone.now())
                AggregateHost.objects.filter(host=service.host).delete()
            ComputeNode.objects.filter(service=service).delete()
            service.delete()
        return Response(status=204)


def _check_unused(service: Service) -> None:
    """409 while the compute service hosts instances or takes part in a move (Nova's checks)."""
    if Instance.objects.filter(host=service.host, deleted_at__isnull=True).exists():
        raise Conflict("Unable to delete compute service that is hosting instances. Migrate or delete the instances "
                       "first.")  # fmt: skip
    nodes = list(ComputeNode.objects.filter(service=service).values_list("hypervisor_hostname", flat=True))
    moving = Migration.objects.filter(status__in=Migration.OPEN).filter(
        Q(source_compute=service.host, source_node__in=nodes) | Q(dest_compute=service.host, dest_node__in=nodes)
    )
    if nodes and moving.exists():
        raise Conflict("Unable to delete compute service that has in-progress migrations. Complete the migrations or "
                       "delete the instances first.")  # fmt: skip


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
