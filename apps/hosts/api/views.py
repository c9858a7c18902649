"""Operator APIs for hosts: aggregates (``/os-aggregates``) and zones (``/os-availability-zone``).

- 2.41: an aggregate's ``uuid``.
- 2.81: ``POST /os-aggregates/{id}/images`` asks the aggregate's hosts to cache images.
- 2.102: the lists and shows refuse query parameters.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.common.microversion import Since, at_least
from apps.compute.api.builders import usec
from apps.compute.servers.lookup import get_image
from apps.hosts.api import schemas
from apps.hosts.models import Aggregate, AggregateHost, Service
from apps.hosts.zones import zone_conflict, zones
from apps.identity import policy
from apps.identity.auth import request_context
from core import names, rpc
from core.names import COMPUTE_BINARY

LOG = logging.getLogger(__name__)


def require_admin(request, rule: str) -> None:
    policy.enforce(request_context(request), rule)


def aggregate_body(request, aggregate: Aggregate, created: bool = False) -> dict:
    """An aggregate as Nova shows it (``uuid`` from 2.41); a create answers without hosts and metadata."""
    body = {
        "id": aggregate.id,
        "name": aggregate.name,
        "availability_zone": aggregate.availability_zone,
        "created_at": usec(aggregate.created_at),
        "updated_at": usec(aggregate.updated_at),
        "deleted": False,
        "deleted_at": None,
    }
    if not created:
        body.update(hosts=sorted(aggregate.hosts.values_list("host", flat=True)), metadata=aggregate.metadata)
    if at_least(request, "2.41"):
        body["uuid"] = str(aggregate.uuid)
    return body


def _get(aggregate_id) -> Aggregate:
    try:
        return Aggregate.objects.get(pk=int(aggregate_id))
    except (ValueError, Aggregate.DoesNotExist):
        raise NotFound(f"Aggregate {aggregate_id} could not be found.") from None


def _zone_conflict(aggregate: Aggregate, host: str, zone: str | None) -> None:
    """A host lives in one zone: refuse to put it in an aggregate whose zone differs from its others."""
    if other := zone_conflict(aggregate, host, zone):
        raise Conflict(
            f"Cannot add host {host} in aggregate {aggregate.id}: host is already in availability zone "
            f"{other.availability_zone}"
        )


class AggregateListView(APIView):
    def get(self, request):
        require_admin(request, "os_compute_api:os-aggregates:index")
        aggregates = Aggregate.objects.prefetch_related("hosts")
        return Response({"aggregates": [aggregate_body(request, a) for a in aggregates]})

    def post(self, request):
        require_admin(request, "os_compute_api:os-aggregates:create")
        body = schemas.AGGREGATE_CREATE.validate(request)["aggregate"]
        name, zone = body["name"], body.get("availability_zone")
        try:
            with transaction.atomic():
                aggregate = Aggregate.objects.create(name=name, metadata={"availability_zone": zone} if zone else {})
        except IntegrityError:
            raise Conflict(f"Aggregate {name} already exists.") from None
        return Response({"aggregate": aggregate_body(request, aggregate, created=True)})


class AggregateView(APIView):
    def get(self, request, aggregate_id):
        require_admin(request, "os_compute_api:os-aggregates:show")
        return Response({"aggregate": aggregate_body(request, _get(aggregate_id))})

    def put(self, request, aggregate_id):
        require_admin(request, "os_compute_api:os-aggregates:update")
        body = schemas.AGGREGATE_UPDATE.validate(request)["aggregate"]
        with transaction.atomic():
            aggregate = _get(aggregate_id)
            if "name" in body:
                aggregate.name = body["name"]
            if "availability_zone" in body:
                zone = body["availability_zone"]
                for host in aggregate.hosts.values_list("host", flat=True):
                    _zone_conflict(aggregate, host, zone)
                metadata = dict(aggregate.metadata)
                metadata.pop("availability_zone", None)
                aggregate.metadata = {**metadata, **({"availability_zone": zone} if zone else {})}
            try:
                aggregate.save()
            except IntegrityError:
                raise Conflict(f"Aggregate {aggregate.name} already exists.") from None
        return Response({"aggregate": aggregate_body(request, aggregate)})

    def delete(self, request, aggregate_id):
        require_admin(request, "os_compute_api:os-aggregates:delete")
        aggregate = _get(aggregate_id)
        if aggregate.hosts.exists():
            raise BadRequest(f"Cannot remove aggregate {aggregate.id}: it still has hosts")
        aggregate.delete()
        return Response(status=200)


class AggregateActionView(APIView):
    """``add_host``, ``remove_host`` and ``set_metadata`` (a null value removes a key)."""

    def post(self, request, aggregate_id):
        require_admin(request, "os_compute_api:os-aggregates:action")
        data = request.data
        if not isinstance(data, dict) or len(data) != 1:
            raise BadRequest("Malformed request body: expected one action")
        ((action, _),) = data.items()
        if action not in schemas.AGGREGATE_ACTIONS:
            raise BadRequest(f"There is no such action: {action}")
        body = schemas.AGGREGATE_ACTIONS[action].validate(request)[action]
        with transaction.atomic():
            aggregate = _get(aggregate_id)
            Aggregate.objects.select_for_update().filter(pk=aggregate.pk).first()
            if action == "set_metadata":
                self._metadata(aggregate, body["metadata"])
            else:
                self._host(aggregate, action, body["host"])
            aggregate.save()  # bumps updated_at, which tells schedulers to re-read aggregates
        return Response({"aggregate": aggregate_body(request, aggregate)})

    @staticmethod
    def _host(aggregate: Aggregate, action: str, host: str) -> None:
        if action == "add_host":
            if not Service.objects.filter(host=host, binary=COMPUTE_BINARY).exists():
                raise NotFound(f"Compute host {host} could not be found.")
            _zone_conflict(aggregate, host, aggregate.availability_zone)
            _, created = AggregateHost.objects.get_or_create(aggregate=aggregate, host=host)
            if not created:
                raise Conflict(f"Aggregate {aggregate.id} already has host {host}.")
        elif not AggregateHost.objects.filter(aggregate=aggregate, host=host).delete()[0]:
            raise NotFound(f"Cannot remove host {host} in aggregate {aggregate.id}")

    @staticmethod
    def _metadata(aggregate: Aggregate, new: dict) -> None:
        metadata = dict(aggregate.metadata)
        for key, value in new.items():
            if value is None:
                metadata.pop(key, None)
                continue
            if key == "availability_zone":
                if error := schemas.zone_error(value):
                    raise BadRequest(f"Invalid input for field/attribute availability_zone. Value: {value}. {error}")
                for host in aggregate.hosts.values_list("host", flat=True):
                    _zone_conflict(aggregate, host, value)
            metadata[key] = value
        aggregate.metadata = metadata


class AggregateImagesView(Since, APIView):
    """``POST /os-aggregates/{id}/images`` (2.81): ask every host of the aggregate that is up to
    fetch the images into its image cache now, so later boots skip the download. Nova's checks
    (an integer id, no image twice, the aggregate and every image exist); the hosts' work is
    fire-and-forget, each logs what it cached."""

    min_version = "2.81"

    def post(self, request, aggregate_id):
        require_admin(request, "compute:aggregates:images")
        body = schemas.AGGREGATE_IMAGES.validate(request)
        try:
            int(aggregate_id)
        except ValueError:
            raise BadRequest("Invalid input received: id must be an integer") from None
        image_ids = [item["id"] for item in body["cache"]]
        if len(set(image_ids)) != len(image_ids):
            raise BadRequest("Duplicate images in request")
        aggregate = _get(aggregate_id)
        ctx = request_context(request)
        images = []
        for image_id in image_ids:
            try:
                images.append(get_image(ctx, image_id).payload())
            except NotFound as exc:
                raise BadRequest(exc.message) from None
        services = Service.objects.filter(binary=COMPUTE_BINARY, host__in=aggregate.hosts.values("host"))
        for service in services:
            if not service.is_up(settings.SERVICE_DOWN_TIME):
                LOG.info("not asking %s to cache images %s: it is down", service.host, ", ".join(image_ids))
                continue
            try:
                rpc.cast(names.compute_queue(service.host), "compute.cache_images", images=images,
                         request_id=request.request_id)  # fmt: skip
            except Exception:  # noqa: BLE001 - best effort, as Nova's: the images download at the next boot
                LOG.warning("could not ask %s to cache images", service.host, exc_info=True)
        return Response(status=202)


class AvailabilityZoneView(APIView):
    """Zones with hosts; ``detail`` (admin) adds each host's service state."""

    detail = False

    def get(self, request):
        if self.detail:
            require_admin(request, "os_compute_api:os-availability-zone:detail")
        services = {s.host: s for s in Service.objects.filter(binary=COMPUTE_BINARY)}
        info = []
        for zone, hosts in zones().items():
            available = any(services[h].is_up(settings.SERVICE_DOWN_TIME) and not services[h].disabled for h in hosts)
            item = {"zoneName": zone, "zoneState": {"available": available}, "hosts": None}
            if self.detail:
                item["hosts"] = {
                    host: {
                        "nova-compute": {
                            "available": services[host].is_up(settings.SERVICE_DOWN_TIME),
                            "active": not services[host].disabled,
                            "updated_at": usec(services[host].last_seen_up),
                        }
                    }
                    for host in hosts
                }
            info.append(item)
        return Response({"availabilityZoneInfo": info})


class AvailabilityZoneDetailView(AvailabilityZoneView):
    detail = True
