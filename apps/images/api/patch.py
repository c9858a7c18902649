"""``PATCH /v2/images/<id>``: Glance's JSON-patch (``application/openstack-images-v2.1-json-patch``).

Operations ``add``, ``replace`` and ``remove`` on one top-level member: an image attribute or a
custom property. ``request_schemas.PATCH`` checks their shape and values (read-only attributes are
a 403 there); here, as in Glance: ``add`` sets an attribute or a property whether or not it exists,
``replace`` needs the property to exist (409 otherwise), ``remove`` removes custom properties
only (an attribute is 403, a missing property 409).
"""

from apps.common.exceptions import Conflict, Forbidden
from apps.identity.auth import RequestContext
from apps.images.api import validation
from apps.images.api.request_schemas import ATTRIBUTES
from apps.images.models import Image

# Format and container describe the data: Glance lets them change only before there is any.
DATA_ATTRIBUTES = ("disk_format", "container_format")


def _member(pointer: str) -> str:
    """The member a JSON pointer the schema accepted names (``/name``, ``/a~1b`` for ``a/b``)."""
    return pointer[1:].replace("~1", "/").replace("~0", "~")


def changes(operations: list[dict]) -> list[tuple[str, str, object]]:
    """``[(op, member, value), ...]`` from a body ``request_schemas.PATCH`` accepted."""
    return [(item["op"], _member(item["path"]), item.get("value")) for item in operations]


def apply(ctx: RequestContext, image: Image, changes: list[tuple[str, str, object]]) -> list[str] | None:
    """Apply ``changes`` to ``image`` in memory (not saved). Returns the new tag list, if tags changed."""
    properties = dict(image.properties or {})
    visibility = image.visibility
    tags = None
    for op, member, value in changes:
        if member in ATTRIBUTES:
            if op == "remove":
                raise Forbidden(f"Property {member} may not be removed.")
            value = validation.stored(ctx, member, value)
            if member in DATA_ATTRIBUTES and value != getattr(image, member) and image.status != Image.Status.QUEUED:
                raise Forbidden(f"Attribute {member} can be only replaced for a queued image.")
            if member == "tags":
                tags = value
            elif member == "owner":
                image.owner_id = value
            else:
                setattr(image, member, value)
        elif op == "add":
            properties[member] = value
        elif member not in properties:
            raise Conflict(f"Property {member} does not exist.")
        elif op == "replace":
            properties[member] = value
        else:
            del properties[member]
    validation.check_property_count(properties)
    if image.visibility != visibility:
        validation.check_publicize(ctx, image.visibility)
    image.properties = properties
    return tags
