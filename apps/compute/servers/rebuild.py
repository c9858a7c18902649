"""Rebuilding a server from an image, on its own host."""

import logging

from apps.common.exceptions import BadRequest
from apps.compute.models import Instance
from apps.compute.servers.lookup import get_image
from apps.compute.servers.operation import begin, cast_or_revert
from apps.compute.states import VmState
from apps.identity.auth import RequestContext
from apps.images.models import Image

LOG = logging.getLogger(__name__)


def rebuild(
    ctx: RequestContext, server_id: str, image_ref: str, name: str | None, request_id: str, other: dict | None = None
) -> Instance:
    """Rebuild from ``image_ref``; ``other`` are the Instance fields the request also sets (metadata,
    description, access IPs, disk config), written as the rebuild starts."""
    image = get_image(ctx, image_ref) if image_ref else None
    if image is None or image.status != Image.Status.ACTIVE:
        raise BadRequest(f"Image {image_ref} could not be found or is not active.")
    changes = {**(other or {}), "image": image, "image_ref": str(image.id)}
    if name is not None:
        changes["name"] = name
    instance = begin(ctx, server_id, "rebuild", "rebuild", request_id, changes=changes)
    power_on = instance.vm_state != VmState.STOPPED
    cast_or_revert(
        instance, "compute.rebuild_instance", request_id, {"instance": instance.payload(), "power_on": power_on}
    )
    return instance
