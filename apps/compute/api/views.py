"""The Compute API v2.1: versions, images (Nova's proxy) and servers (flavors are in flavors.py)."""

from django.db.models import prefetch_related_objects
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common import microversion
from apps.compute.api import builders, listing, validation
from apps.compute.api.schemas import servers as server_schemas
from apps.compute.api.server_extras import ServerUpdateMixin
from apps.compute.models import Instance
from apps.compute.servers import security
from apps.compute.servers.create import create_servers
from apps.compute.servers.delete import delete_server
from apps.compute.servers.lookup import get_image, get_instance
from apps.identity.auth import request_context
from apps.images.models import Image
from apps.network import ipam

MIN_VERSION = microversion.text(microversion.MIN_VERSION)
MAX_VERSION = microversion.text(microversion.MAX_VERSION)
VERSION_UPDATED = "2013-07-23T11:33:21Z"


def _version(request, status: str = "CURRENT") -> dict:
    return {
        "id": "v2.1",
        "status": status,
        "version": MAX_VERSION,
        "min_version": MIN_VERSION,
        "updated": VERSION_UPDATED,
        "links": [{"rel": "self", "href": request.build_absolute_uri("/v2.1/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    }


def _legacy_version(request) -> dict:
    """Nova's v2.0, which clients still expect to see listed first: supported, without microversions."""
    return {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [{"rel": "self", "href": request.build_absolute_uri("/v2/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}],
    }


class VersionsView(APIView):
    """Every API version this endpoint serves: v2.0 first, as Nova lists them."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        return Response({"versions": [_legacy_version(request), _version(request)]})


class LegacyVersionView(APIView):
    """The v2.0 version document (``/v2/``)."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        return Response({"version": _legacy_version(request)})


class VersionView(APIView):
    """The Compute API v2.1 version document."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        return Response({"version": _version(request)})


class ImageProxyView(microversion.Since, APIView):
    """Nova's image proxy, which microversion 2.36 removed (clients use the image API instead)."""

    gone_from = "2.36"


class ImageListView(ImageProxyView):
    """Images through Nova's proxy: list."""

    detail = False

    def get(self, request):
        ctx = request_context(request)
        build = builders.image_detail if self.detail else builders.image_brief
        return Response({"images": [build(request, image) for image in Image.objects.visible_to(ctx)]})


class ImageDetailListView(ImageListView):
    """Images with their status, sizes and metadata."""

    detail = True


class ImageView(ImageProxyView):
    """One image."""

    def get(self, request, image_id):
        image = get_image(request_context(request), image_id)
        return Response({"image": builders.image_detail(request, image)})


class ServerListView(APIView):
    """Servers: list (GET), create (POST → 202)."""

    detail = False
    query = listing.QUERY

    def get(self, request):
        ctx = request_context(request)
        all_tenants = listing.check_all_tenants(ctx, request.query_params)
        instances = listing.filtered(
            request, ctx, Instance.objects.visible_to(ctx, all_projects=all_tenants, with_deleted=True)
        )
        if self.detail:
            # What the host is told, not what the API shows: no need to load and decode it per row.
            instances = instances.defer("request_spec", "key_data", "alternate_hosts")
        else:
            instances = instances.only("uuid", "name", "created_at", "updated_at")
        page, more = listing.sorted_page(request, instances)
        if self.detail:
            # Only ERROR and DELETED servers show a fault: one query for those (none if there are none).
            prefetch_related_objects([i for i in page if i.vm_state in builders.FAULT_STATES], "faults")
            addresses = ipam.addresses_for([str(i.uuid) for i in page])
            groups = security.names_by_server([i.uuid for i in page])
            servers = [builders.server_detail(request, i, ctx, addresses, groups) for i in page]
        else:
            servers = [builders.server_brief(request, i) for i in page]
        body = {"servers": servers}
        if more:
            body["servers_links"] = listing.next_link(request, page, self.detail)
        return Response(body)

    def post(self, request):
        ctx = request_context(request)
        spec = validation.server_create(server_schemas.CREATE.validate(request))
        instances, admin_pass = create_servers(ctx, spec, request.request_id)
        first = instances[0]
        if spec["return_reservation_id"]:
            return Response({"reservation_id": first.reservation_id}, status=202)
        body = {
            "server": {
                "id": str(first.uuid),
                "links": builders.links(request, "servers", first.uuid),
                "OS-DCF:diskConfig": first.disk_config,
                "security_groups": [{"name": name} for name in spec["security_groups"] or ["default"]],
                "adminPass": admin_pass,
            }
        }
        location = builders.links(request, "servers", first.uuid)[0]["href"]
        return Response(body, status=202, headers={"Location": location})


class ServerDetailListView(ServerListView):
    """Servers with their full state."""

    detail = True
    http_method_names = ["get", "head", "options"]


class ServerView(ServerUpdateMixin, APIView):
    """One server: show (GET), update name or description (PUT), delete (DELETE → 204)."""

    def get(self, request, server_id):
        ctx = request_context(request)
        instance = get_instance(ctx, server_id)
        return Response({"server": builders.server_show(request, instance, ctx)})

    def delete(self, request, server_id):
        delete_server(request_context(request), server_id, request.request_id)
        return Response(status=204)
