"""Server sub-resources: update, metadata, tags, addresses, the server password and security groups
(migrations are in ``migration_views``)."""

from django.conf import settings
from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.common.microversion import Since
from apps.compute.api import builders, validation
from apps.compute.api.schemas import server_extras as extra_schemas
from apps.compute.api.schemas import servers as server_schemas
from apps.compute.api.schemas.server_extras import MAX_TAGS
from apps.compute.servers import security
from apps.compute.servers.lookup import get_instance
from apps.identity.auth import request_context
from apps.network import ipam


def _locked_instance(request, server_id):
    ctx = request_context(request)
    return ctx, get_instance(ctx, server_id, for_update=True)


# What an update, a rebuild or a resize may set beside a name, as Nova: body key -> Instance field.
ACCESS_FIELDS = {"accessIPv4": "access_ip_v4", "accessIPv6": "access_ip_v6", "OS-DCF:diskConfig": "disk_config"}


class ServerUpdateMixin:
    """``PUT /servers/{id}``: rename or describe a server."""

    def put(self, request, server_id):
        body = server_schemas.UPDATE.validate(request)["server"]
        with transaction.atomic():
            ctx, instance = _locked_instance(request, server_id)
            if "name" in body:
                instance.name = body["name"]
            if "description" in body:
                instance.description = body["description"]
            for field, column in ACCESS_FIELDS.items():
                if field in body:
                    setattr(instance, column, body[field] or None)
            if "hostname" in body:  # 2.90
                instance.hostname = body["hostname"]
            if "pinned_availability_zone" in body:  # 2.104
                instance.pinned_availability_zone = _pin(instance, body["pinned_availability_zone"])
            instance.save()
        return Response({"server": builders.server_changed(request, instance, ctx)})


def _pin(instance, wanted: str | None) -> str | None:
    """2.104: unpin (null), pin to the zone the server is in, or keep the pin; never move it."""
    current = instance.pinned_availability_zone
    if wanted is None or wanted == current:
        return wanted
    if current is not None:
        raise Conflict(
            f"Server {instance.uuid} is pinned to availability zone {current}; unpin it before pinning it to {wanted}."
        )
    where = instance.availability_zone or settings.DEFAULT_AVAILABILITY_ZONE
    if wanted != where:
        raise Conflict(f"Server {instance.uuid} is in availability zone {where}, not {wanted}: cannot pin it there.")
    return wanted


class MetadataView(APIView):
    """``/servers/{id}/metadata``: show, merge (POST), replace (PUT)."""

    def get(self, request, server_id):
        instance = get_instance(request_context(request), server_id)
        return Response({"metadata": instance.metadata})

    def _write(self, request, server_id, replace: bool):
        new = extra_schemas.METADATA_BODY.validate(request)["metadata"]
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            instance.metadata = dict(new) if replace else {**instance.metadata, **new}
            instance.save(update_fields=["metadata", "updated_at"])
        return Response({"metadata": instance.metadata})

    def post(self, request, server_id):
        return self._write(request, server_id, replace=False)

    def put(self, request, server_id):
        return self._write(request, server_id, replace=True)


class MetadataItemView(APIView):
    """``/servers/{id}/metadata/{key}``: show, set (PUT ``{"meta": {key: value}}``), delete."""

    def get(self, request, server_id, key):
        instance = get_instance(request_context(request), server_id)
        if key not in instance.metadata:
            raise NotFound("Metadata item was not found")
        return Response({"meta": {key: instance.metadata[key]}})

    def put(self, request, server_id, key):
        meta = extra_schemas.METADATA_ITEM.validate(request)["meta"]
        if list(meta) != [key]:
            raise BadRequest("Request body and URI mismatch")
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            instance.metadata = {**instance.metadata, **meta}
            instance.save(update_fields=["metadata", "updated_at"])
        return Response({"meta": meta})

    def delete(self, request, server_id, key):
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            if key not in instance.metadata:
                raise NotFound("Metadata item was not found")
            instance.metadata = {k: v for k, v in instance.metadata.items() if k != key}
            instance.save(update_fields=["metadata", "updated_at"])
        return Response(status=204)


def _tag(value) -> str:
    """A tag named in the URL (the body's tags are the schema's)."""
    if not 1 <= len(value) <= 60 or "," in value or "/" in value or "\x00" in value:
        raise validation.invalid("tags", f"Value: {value}. A tag is 1 to 60 characters without ',' or '/'")
    return value


class TagsView(Since, APIView):
    """``/servers/{id}/tags`` (2.26+): list, replace all (PUT), delete all."""

    min_version = "2.26"

    def get(self, request, server_id):
        return Response({"tags": get_instance(request_context(request), server_id).tags})

    def put(self, request, server_id):
        tags = list(dict.fromkeys(extra_schemas.TAGS.validate(request)["tags"]))
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            instance.tags = tags
            instance.save(update_fields=["tags", "updated_at"])
        return Response({"tags": tags})

    def delete(self, request, server_id):
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            instance.tags = []
            instance.save(update_fields=["tags", "updated_at"])
        return Response(status=204)


class TagView(Since, APIView):
    """``/servers/{id}/tags/{tag}`` (2.26+): check (204/404), add (PUT: 201, or 204 if present), delete."""

    min_version = "2.26"

    def get(self, request, server_id, tag):
        if tag not in get_instance(request_context(request), server_id).tags:
            raise NotFound(f"Tag {tag} could not be found.")
        return Response(status=204)

    def put(self, request, server_id, tag):
        _tag(tag)
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            location = request.build_absolute_uri(f"/v2.1/servers/{instance.uuid}/tags/{tag}")
            if tag in instance.tags:
                return Response(status=204, headers={"Location": location})
            if len(instance.tags) >= MAX_TAGS:
                raise BadRequest(f"The number of tags exceeds the per-server limit {MAX_TAGS}")
            instance.tags = [*instance.tags, tag]
            instance.save(update_fields=["tags", "updated_at"])
        return Response(status=201, headers={"Location": location})

    def delete(self, request, server_id, tag):
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            if tag not in instance.tags:
                raise NotFound(f"Tag {tag} could not be found.")
            instance.tags = [t for t in instance.tags if t != tag]
            instance.save(update_fields=["tags", "updated_at"])
        return Response(status=204)


class ServerIpsView(APIView):
    """``/servers/<id>/ips``: the server's addresses by network (``/ips/<network>`` for one)."""

    def get(self, request, server_id, network=None):
        instance = get_instance(request_context(request), server_id)
        addresses = ipam.addresses_for([str(instance.uuid)])[str(instance.uuid)]
        if network is None:
            return Response({"addresses": addresses})
        if network not in addresses:
            raise NotFound(f"Instance is not a member of specified network {network}")
        return Response({network: addresses[network]})


class ServerPasswordView(APIView):
    """``/servers/{id}/os-server-password``: the encrypted password the guest posted to the metadata
    service (empty until it has), and clearing it (which does not change the guest's password)."""

    def get(self, request, server_id):
        instance = get_instance(request_context(request), server_id)
        return Response({"password": instance.password or ""})

    def delete(self, request, server_id):
        with transaction.atomic():
            _ctx, instance = _locked_instance(request, server_id)
            instance.password = ""
            instance.save(update_fields=["password", "updated_at"])
        return Response(status=204)


class ServerSecurityGroupsView(APIView):
    """``/servers/{id}/os-security-groups``: the groups of the server's ports, in Nova's shape."""

    def get(self, request, server_id):
        return Response({"security_groups": security.shown(request_context(request), server_id)})
