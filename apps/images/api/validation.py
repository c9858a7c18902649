"""Image attributes: which exist, which a client may write, and what values they take (Glance's schema)."""

import uuid

from django.conf import settings

from apps.common.exceptions import BadRequest, Forbidden
from apps.identity.auth import RequestContext
from apps.identity.models import Project
from apps.images.api.base import RequestTooLarge
from apps.images.models import Image

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = tuple(Image.Visibility.values)
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

# Attributes a client may write (``id`` only when creating).
WRITABLE = ("name", "visibility", "protected", "os_hidden", "disk_format", "container_format", "min_disk", "min_ram",
            "tags", "owner")  # fmt: skip
READ_ONLY = frozenset({"status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size", "created_at",
                       "updated_at", "file", "self", "schema", "direct_url", "locations", "stores"})  # fmt: skip
RESERVED = frozenset({"location", "deleted", "deleted_at"})
BASE = frozenset({"id", *WRITABLE, *READ_ONLY})
MAX_INT = 2**31 - 1


def property_quota() -> int:
    return getattr(settings, "IMAGE_PROPERTY_QUOTA", 128)


def tag_quota() -> int:
    return getattr(settings, "IMAGE_TAG_QUOTA", 128)


def check_writable(attr: str, creating: bool = False) -> None:
    """403 for what no client may set, as Glance: read-only and reserved attributes."""
    if attr in READ_ONLY or (attr == "id" and not creating):
        raise Forbidden(f"Attribute '{attr}' is read-only.")
    if attr in RESERVED or attr.startswith("os_glance"):
        raise Forbidden(f"Attribute '{attr}' is reserved.")


def _invalid(attr: str, why: str) -> BadRequest:
    return BadRequest(f"Provided object does not match schema 'image': {attr}: {why}")


def _integer(attr: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise _invalid(attr, f"{value!r} is not a non-negative integer")
    return value


def _boolean(attr: str, value) -> bool:
    if not isinstance(value, bool):
        raise _invalid(attr, f"{value!r} is not of type 'boolean'")
    return value


def _choice(choices):
    def check(attr: str, value) -> str:
        if value not in choices:
            raise _invalid(attr, f"{value!r} is not one of {list(choices)}")
        return value

    return check


def _name(attr: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 255:
        raise _invalid(attr, "must be a string of at most 255 characters or null")
    return value


def _tags(attr: str, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(tag, str) and 0 < len(tag) <= 255 for tag in value):
        raise _invalid(attr, "must be an array of non-empty strings of at most 255 characters")
    tags = list(dict.fromkeys(value))  # duplicates once, first-seen order
    if len(tags) > tag_quota():
        raise RequestTooLarge(f"Maximum number of tags exceeded ({len(tags)} of at most {tag_quota()}).")
    return tags


def _owner(attr: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 255:
        raise _invalid(attr, "must be a string of at most 255 characters or null")
    if not Project.objects.filter(id=value).exists():
        raise BadRequest(f"Project {value} could not be found.")
    return value


CHECKS = {
    "name": _name,
    "visibility": _choice(VISIBILITIES),
    "protected": _boolean,
    "os_hidden": _boolean,
    "disk_format": _choice(DISK_FORMATS),
    "container_format": _choice(CONTAINER_FORMATS),
    "min_disk": _integer,
    "min_ram": _integer,
    "tags": _tags,
    "owner": _owner,
}


def check_value(attr: str, value):
    """The normalised value of a base attribute, or 400."""
    return CHECKS[attr](attr, value)


def check_property(key: str, value) -> str:
    """A custom property: a string key and a string value (the schema's ``additionalProperties``)."""
    if not key or len(key) > 255:
        raise BadRequest(f"Invalid property name {key!r}: 1 to 255 characters.")
    check_writable(key)
    if not isinstance(value, str) or len(value) > 65535:
        raise _invalid(key, f"{value!r} is not of type 'string'")
    return value


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


def create_spec(ctx: RequestContext, data) -> dict:
    """Validate ``POST /v2/images``: the new image's fields, its ``tags`` and its custom ``properties``."""
    if not isinstance(data, dict):
        raise BadRequest("Malformed request body: expected a JSON object.")
    spec: dict = {"visibility": Image.Visibility.SHARED, "owner": ctx.project_id, "tags": [], "properties": {}}
    for attr, value in data.items():
        check_writable(attr, creating=True)
        if attr == "id":
            try:
                spec["id"] = uuid.UUID(str(value)) if isinstance(value, str) else None
            except ValueError:
                spec["id"] = None
            if spec["id"] is None:
                raise _invalid("id", f"{value!r} is not a UUID")
        elif attr in CHECKS:
            if attr == "owner":
                check_owner(ctx, value)
            spec[attr] = check_value(attr, value)
        else:
            spec["properties"][attr] = check_property(attr, value)
    check_property_count(spec["properties"])
    check_publicize(ctx, spec["visibility"])
    return spec
