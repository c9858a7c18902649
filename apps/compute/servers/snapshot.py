"""Snapshotting a server into a new image of its project."""

import logging

from django.db import transaction

from apps.compute.servers.lookup import get_instance
from apps.compute.servers.operation import begin, cast_or_revert
from apps.identity.auth import RequestContext
from apps.images.models import Image

LOG = logging.getLogger(__name__)


def create_image(ctx: RequestContext, server_id: str, name: str, metadata: dict, request_id: str) -> Image:
    """Snapshot the server into a new private image of its project (queued until the host writes it)."""
    with transaction.atomic():
        peek = get_instance(ctx, server_id)
        image = Image.objects.create(
            name=name,
            owner_id=peek.project_id,
            visibility=Image.Visibility.PRIVATE,
            disk_format=(peek.image.disk_format if peek.image else "raw"),
            status=Image.Status.QUEUED,
            # As Nova: a snapshot needs at least the disk it was taken from, and the RAM its image needed.
            min_disk=max(int(peek.flavor.get("root_gb") or 0), peek.image.min_disk if peek.image else 0),
            min_ram=peek.image.min_ram if peek.image else 0,
            properties={
                **metadata,
                "image_type": "snapshot",
                "instance_uuid": str(peek.uuid),
                "base_image_ref": peek.image_ref,
            },
        )
        instance = begin(ctx, server_id, "createImage", "createImage", request_id)
    fields = {"instance": instance.payload(), "image_id": str(image.id)}
    cast_or_revert(instance, "compute.snapshot_instance", request_id, fields)
    return image
