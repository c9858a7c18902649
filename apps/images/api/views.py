"""The Image API v2 (a Glance subset): images and their tags. Data is in ``data.py``."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.common.exceptions import BadRequest, Conflict, Forbidden, NotFound
from apps.identity.auth import request_context
from apps.images.api import listing, patch, request_schemas, validation
from apps.images.api.base import (
    IMAGES_SCHEMA,
    GlanceView,
    JSONPatchParser,
    RequestTooLarge,
    get_image,
    image_body,
    require_owner,
)
from apps.images.models import Image, ImageTag
from apps.images.store import discard

# What PATCH may change on the row (never status, data or digests: the upload owns those).
PATCHABLE_FIELDS = ["name", "visibility", "protected", "os_hidden", "disk_format", "container_format", "min_disk",
                    "min_ram", "owner", "properties", "updated_at"]  # fmt: skip


def _reload(image: Image) -> Image:
    return Image.objects.prefetch_related("tags").get(pk=image.pk)


class ImagesView(GlanceView):
    """``/v2/images``: list (GET) and create (POST)."""

    def get(self, request):
        ctx = request_context(request)
        params = request.query_params
        images, more = listing.page(ctx, params)
        body = {"images": [image_body(image) for image in images], "schema": IMAGES_SCHEMA}
        body.update(listing.links(params, images[-1] if images else None, more))
        return Response(body)

    def post(self, request):
        ctx = request_context(request)
        spec = validation.create_spec(ctx, request_schemas.CREATE.validate(request))
        tags, owner = spec.pop("tags"), spec.pop("owner")
        if "id" in spec and Image.objects.filter(id=spec["id"]).exists():
            raise Conflict(f"Image with identifier {spec['id']} already exists!")
        try:
            with transaction.atomic():
                image = Image.objects.create(owner_id=owner, status=Image.Status.QUEUED, **spec)
                ImageTag.objects.bulk_create(ImageTag(image=image, value=tag) for tag in tags)
        except IntegrityError:
            raise Conflict(f"Image with identifier {spec.get('id')} already exists!") from None
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{image.id}")
        return Response(image_body(_reload(image)), status=201, headers={"Location": location})


class ImageView(GlanceView):
    """``/v2/images/<id>``: show (GET), update with a JSON patch (PATCH), delete (DELETE)."""

    parser_classes = [JSONPatchParser, JSONParser]

    def get(self, request, image_id):
        return Response(image_body(get_image(request_context(request), image_id)))

    def patch(self, request, image_id):
        ctx = request_context(request)
        get_image(ctx, image_id)  # 404 before anything is said about the body
        changes = patch.changes(request_schemas.PATCH.validate(request))
        with transaction.atomic():
            image = get_image(ctx, image_id, for_update=True)
            require_owner(ctx, image, "modify_image")
            tags = patch.apply(ctx, image, changes)
            image.updated_at = timezone.now()
            image.save(update_fields=PATCHABLE_FIELDS)
            if tags is not None:
                image.tags.exclude(value__in=tags).delete()
                existing = set(image.tags.values_list("value", flat=True))
                ImageTag.objects.bulk_create(ImageTag(image=image, value=tag) for tag in tags if tag not in existing)
        return Response(image_body(_reload(image)))

    def delete(self, request, image_id):
        ctx = request_context(request)
        with transaction.atomic():
            image = get_image(ctx, image_id, for_update=True)
            require_owner(ctx, image, "delete_image")
            if image.protected:
                raise Forbidden(f"Image {image.id} is protected and cannot be deleted.")
            path = image.file_path
            Image.objects.filter(pk=image.pk).update(
                status=Image.Status.DELETED, file_path="", updated_at=timezone.now()
            )
            if path:
                transaction.on_commit(lambda: discard(path))
        return Response(status=204)


class ImageTagView(GlanceView):
    """``/v2/images/<id>/tags/<tag>``: add (PUT) or remove (DELETE) one tag."""

    def put(self, request, image_id, tag):
        ctx = request_context(request)
        if not 0 < len(tag) <= 255:
            raise BadRequest("A tag is 1 to 255 characters.")
        with transaction.atomic():
            image = get_image(ctx, image_id, for_update=True)
            require_owner(ctx, image, "modify_image")
            if not image.tags.filter(value=tag).exists():
                if image.tags.count() >= validation.tag_quota():
                    raise RequestTooLarge(f"Maximum number of tags exceeded (at most {validation.tag_quota()}).")
                ImageTag.objects.create(image=image, value=tag)
                Image.objects.filter(pk=image.pk).update(updated_at=timezone.now())
        return Response(status=204)

    def delete(self, request, image_id, tag):
        ctx = request_context(request)
        with transaction.atomic():
            image = get_image(ctx, image_id, for_update=True)
            require_owner(ctx, image, "modify_image")
            deleted, _ = image.tags.filter(value=tag).delete()
            if not deleted:
                raise NotFound(f"Tag {tag} not found on image {image.id}.")
            Image.objects.filter(pk=image.pk).update(updated_at=timezone.now())
        return Response(status=204)
