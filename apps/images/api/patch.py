"""``PATCH /v2/images/<id>``: Glance's JSON-patch (``application/openstack-images-v2.1-json-patch``).

Operations ``add``, ``replace`` and ``remove`` on one top-level member: an image attribute or a
custom property. As in Glance: ``add`` sets an attribute or a property whether or not it exists,
``replace`` needs the property to exist (409 otherwise), ``remove`` removes custom properties
only (an attribute is 403, a missing property 409); read-only attributes are 403.
"""

from apps.common.exceptions import BadRequest, Conflict, Forbidden
from apps.identity.auth import RequestContext
from apps.images.api import validation
from apps.images.models import Image

OPERATIONS = ("add", "replace", "remove")
# Format and container describe the data: Glance lets them change only before there is any.
DATA_ATTRIBUTES = ("disk_format", "container_format")


def _pointer(path) -> str:
    """The one member a JSON pointer names (``/name``, ``/hw_disk_bus``, ``/a~1b`` for ``a/b``)."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise BadRequest(f"Invalid JSON pointer for this resource: {path!r}")
    parts = path[1:].split("/")
    if len(parts) != 1 or not parts[0]:
        raise BadRequest(f"Invalid JSON pointer for this resource: '{path}'")
    name = parts[0]
    if "~" in name.replace("~0", "").replace("~1", ""):
        raise BadRequest(f"Invalid JSON pointer for this resource: '{path}'")
    return name.replace("~1", "/").replace("~0", "~")


def parse(data) -> list[tuple[str, str, object]]:
    """``[(op, member, value), ...]`` from the request body, or 400/403 before anything changes."""
    if not isinstance(data, list):
        raise BadRequest("Request body must be a JSON array of operation objects.")
    changes = []
    for item in data:
        if not isinstance(item, dict) or "op" not in item or "path" not in item:
            raise BadRequest("Operation objects must contain exactly one member named 'op' and one named 'path'.")
        op = item["op"]
        if op not in OPERATIONS:
            raise BadRequest(f"Invalid operation: {op!r}: it must be one of {', '.join(OPERATIONS)}.")
        if op != "remove" and "value" not in item:
            raise BadRequest(f"Operation object '{op}' must contain a member named 'value'.")
        member = _pointer(item["path"])
        validation.check_writable(member)
        changes.append((op, member, item.get("value")))
    return changes


def apply(ctx: RequestContext, image: Image, changes: list[tuple[str, str, object]]) -> list[str] | None:
    """Apply ``changes`` to ``image`` in memory (not saved). Returns the new tag list, if tags changed."""
    properties = dict(image.properties or {})
    visibility = image.visibility
    tags = None
    for op, member, value in changes:
        if member in validation.CHECKS:
            if op == "remove":
                raise Forbidden(f"Property {member} may not be removed.")
            if member == "owner":
                validation.check_owner(ctx, value)
            value = validation.check_value(member, value)
            if member in DATA_ATTRIBUTES and value != getattr(image, member) and image.status != Image.Status.QUEUED:
                raise Forbidden(f"Attribute {member} can be only replaced for a queued image.")
            if member == "tags":
                tags = value
            elif member == "owner":
                image.owner_id = value
            else:
                setattr(image, member, value)
        elif op == "add":
            properties[member] = validation.check_property(member, value)
        elif member not in properties:
            raise Conflict(f"Property {member} does not exist.")
        elif op == "replace":
            properties[member] = validation.check_property(member, value)
        else:
            del properties[member]
    validation.check_property_count(properties)
    if image.visibility != visibility:
        validation.check_publicize(ctx, image.visibility)
    image.properties = properties
    return tags
