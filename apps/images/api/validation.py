"""What an image body means beyond its schema (``request_schemas.py``): the stored value of each
attribute, the quotas, and who may give an image away or make it public (Glance's defaults)."""

import uuid

from django.conf import settings

from apps.common.exceptions import BadRequest, Forbidden
from apps.identity.auth import RequestContext
from apps.identity.models import Project
from apps.images.api.base import RequestTooLarge
from apps.images.api.request_schemas import ATTRIBUTES
from apps.images.models import Image

STATUSES = (
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "uploading",
    "importing",
    "pending_delete",
    "deactivated",
)


def property_quota() -> int:
    return getattr(settings, "IMAGE_PROPERTY_QUOTA", 128)


def tag_quota() -> int:
    return getattr(settings, "IMAGE_TAG_QUOTA", 128)


def _tags(ctx: RequestContext, tags: list[str]) -> list[str]:
    tags = list(dict.fromkeys(tags))  # duplicates once, first-seen order
    if len(tags) > tag_quota():
        raise RequestTooLarge(f"Maximum number of tags exceeded ({len(tags)} of at most {tag_quota()}).")
    return tags


def _owner(ctx: RequestContext, owner_id: str | None) -> str | None:
    check_owner(ctx, owner_id)
    if owner_id is not None and not Project.objects.filter(id=owner_id).exists():
        raise BadRequest(f"Project {owner_id} could not be found.")
    return owner_id


STORED = {
    "name": lambda ctx, name: name or "",
    "min_disk": lambda ctx, gib: int(gib),  # 1.0 is an integer to JSON schema
    "min_ram": lambda ctx, mib: int(mib),
    "tags": _tags,
    "owner": _owner,
}


def stored(ctx: RequestContext, attr: str, value):
    """What to store for a value of an attribute the schema accepted, or 400/403/413."""
    return STORED[attr](ctx, value) if attr in STORED else value


def check_property_count(properties: dict) -> None:
    if len(properties) > property_quota():
        raise RequestTooLarge(
            f"Maximum number of image properties exceeded ({len(properties)} of at most {property_quota()})."
        )


def check_owner(ctx: RequestContext, owner_id) -> None:
    """Glance's default: only admins create images for, or give images to, another project."""
    if owner_id != ctx.project_id and not ctx.is_admin:
        raise Forbidden(f"You are not permitted to create or change images owned by '{owner_id}'.")


def check_publicize(ctx: RequestContext, visibility: str) -> None:
    """Glance's default ``publicize_image``: only admins make an image public."""
    if visibility == Image.Visibility.PUBLIC and not ctx.is_admin:
        raise Forbidden("You are not authorized to complete publicize_image action.")


def create_spec(ctx: RequestContext, body: dict) -> dict:
    """The new image from a ``POST /v2/images`` body ``request_schemas.CREATE`` accepted: its fields,
    its ``tags`` and its custom ``properties``."""
    spec: dict = {"visibility": Image.Visibility.SHARED, "owner": ctx.project_id, "tags": [], "properties": {}}
    for attr, value in body.items():
        if attr == "id":
            spec["id"] = uuid.UUID(value)
        elif attr in ATTRIBUTES:
            spec[attr] = stored(ctx, attr, value)
        else:
            spec["properties"][attr] = value
    check_property_count(spec["properties"])
    check_publicize(ctx, spec["visibility"])
    return spec
