"""Finding what a request names, as the caller may see it: 404 for anything else, so ids do not leak."""

import logging
import uuid

from django.conf import settings

from apps.common.exceptions import BadRequest, Forbidden, NotFound
from apps.compute.models import Flavor, Instance, KeyPair, Migration
from apps.hosts.models import Service
from apps.identity.auth import RequestContext
from apps.images.models import Image
from core.names import COMPUTE_BINARY

LOG = logging.getLogger(__name__)


def get_image(ctx: RequestContext, image_id: str) -> Image:
    try:
        return Image.objects.visible_to(ctx).get(id=uuid.UUID(str(image_id)))
    except (ValueError, Image.DoesNotExist):
        raise NotFound(f"Image {image_id} could not be found.") from None


def get_flavor(ctx: RequestContext, flavorid: str) -> Flavor:
    try:
        if "\x00" in flavorid:
            raise Flavor.DoesNotExist
        return Flavor.objects.visible_to(ctx).get(flavorid=flavorid)
    except Flavor.DoesNotExist:
        raise NotFound(f"Flavor {flavorid} could not be found.") from None


def get_instance(ctx: RequestContext, server_id: str, for_update: bool = False, with_deleted: bool = False) -> Instance:
    """The caller's instance (any project's, for an admin); 404 for anything else, so ids do not leak.
    ``with_deleted`` finds deleted ones too (their actions from 2.21)."""
    instances = Instance.objects.visible_to(ctx, all_projects=True, with_deleted=with_deleted)
    if for_update:
        instances = instances.select_for_update()
    try:
        return instances.get(uuid=uuid.UUID(str(server_id)))
    except (ValueError, Instance.DoesNotExist):
        raise NotFound(f"Instance {server_id} could not be found.") from None


def require_project(ctx: RequestContext) -> None:
    if ctx.project is None:
        raise Forbidden(f"User {ctx.user.username} has no project; ask an administrator to assign one.")


def host_is_up(host: str) -> bool:
    """Whether the host's compute service is heartbeating (a disabled host still answers)."""
    service = Service.objects.filter(host=host, binary=COMPUTE_BINARY).first()
    return service is not None and service.is_up(settings.SERVICE_DOWN_TIME)


def migration_hosts(instance: Instance) -> set[str]:
    """The hosts of the instance's resize or migration still in progress, if any."""
    hosts = set()
    for source, dest in instance.migrations.filter(status__in=Migration.OPEN).values_list(
        "source_compute", "dest_compute"
    ):
        hosts |= {h for h in (source, dest) if h}
    return hosts


def get_key_pair(ctx: RequestContext, name: str) -> KeyPair:
    """The caller's key pair ``name`` (a server's create and rebuild name one); Nova's 400 otherwise."""
    keypair = KeyPair.objects.filter(user=ctx.user, name=name).first()
    if keypair is None:
        raise BadRequest("Invalid key_name provided.")
    return keypair
