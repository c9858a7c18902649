"""What every Image API view shares: content negotiation, parsers, who may see and change an image,
and the image body as Glance shapes it."""

import uuid

from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.views import APIView

from apps.common.exceptions import CloudError, Forbidden, NotFound
from apps.identity.auth import RequestContext
from apps.images.models import Image

JSON_PATCH = "application/openstack-images-v2.1-json-patch"
COLLECTION = "/v2/images"
IMAGE_SCHEMA = "/v2/schemas/image"
IMAGES_SCHEMA = "/v2/schemas/images"


class Gone(CloudError):
    code = 410
    kind = "gone"


class RequestTooLarge(CloudError):
    code = 413
    kind = "overLimit"


class GlanceView(APIView):
    """An Image API view. Clients send ``Accept: ""`` or ``application/octet-stream`` (downloads and
    patches through openstacksdk): answer JSON rather than 406."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class JSONPatchParser(JSONParser):
    """``PATCH /v2/images/<id>``: Glance's JSON-patch media type (a JSON array of operations)."""

    media_type = JSON_PATCH


class OctetStreamParser(BaseParser):
    """Image data: never read here; the upload view reads ``request.stream`` chunk by chunk."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


# Who sees what. Members (image sharing) are out of scope, so "shared" behaves as "private".


def get_image(ctx: RequestContext, image_id, for_update: bool = False) -> Image:
    """The image, if the caller may see it; anything else (another project's private image) is 404."""
    images = Image.objects.visible_to(ctx)
    if for_update:
        images = images.select_for_update()
    try:
        return images.prefetch_related("tags").get(id=uuid.UUID(str(image_id)))
    except (ValueError, Image.DoesNotExist):
        raise NotFound(f"No image found with ID {image_id}") from None


def require_owner(ctx: RequestContext, image: Image, action: str) -> None:
    """Only the owning project (or an admin) changes an image it can see: others get Glance's 403."""
    if not ctx.is_admin and (image.owner_id is None or image.owner_id != ctx.project_id):
        raise Forbidden(f"You are not authorized to complete {action} action.")


def iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def image_body(image: Image) -> dict:
    """The image as Glance returns it: its attributes, then its custom properties at the top level."""
    body = {key: value for key, value in (image.properties or {}).items()}
    body.update(
        {
            "id": str(image.id),
            "name": image.name or None,
            "status": image.status,
            "visibility": image.visibility,
            "protected": image.protected,
            "os_hidden": image.os_hidden,
            "checksum": image.checksum or None,
            "os_hash_algo": image.os_hash_algo or None,
            "os_hash_value": image.os_hash_value or None,
            "owner": image.owner_id,
            "size": image.size,
            "virtual_size": None,
            "min_disk": image.min_disk,
            "min_ram": image.min_ram,
            "disk_format": image.disk_format or None,
            "container_format": image.container_format or None,
            "created_at": iso(image.created_at),
            "updated_at": iso(image.updated_at),
            "tags": image.tag_list,
            "file": f"{COLLECTION}/{image.id}/file",
            "self": f"{COLLECTION}/{image.id}",
            "schema": IMAGE_SCHEMA,
        }
    )
    return body
