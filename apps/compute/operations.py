"""What the API (and later the admin) does to servers: the domain functions behind each request."""

import logging
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.exceptions import BadRequest, Conflict, Forbidden, NotFound, ServiceUnavailable
from apps.compute import quotas
from apps.compute.actions import add_fault, start_action
from apps.compute.models import Flavor, Instance, KeyPair, Migration, ServerGroup
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from apps.hosts.models import Service
from apps.hosts.zones import zones
from apps.identity import policy
from apps.identity.auth import RequestContext
from apps.images.models import Image
from apps.network import ipam
from core import names, rpc
from core.names import COMPUTE_BINARY
from core.power_state import PowerState

LOG = logging.getLogger(__name__)


def visible_images(ctx: RequestContext):
    images = Image.objects.exclude(status=Image.Status.DELETED)
    if ctx.is_admin:
        return images
    return images.filter(visibility__in=[Image.Visibility.PUBLIC, Image.Visibility.COMMUNITY]) | images.filter(
        owner_id=ctx.project_id
    )


def visible_flavors(ctx: RequestContext):
    flavors = Flavor.objects.all()
    return flavors if ctx.is_admin else flavors.filter(is_public=True)


def get_image(ctx: RequestContext, image_id: str) -> Image:
    try:
        return visible_images(ctx).get(id=uuid.UUID(str(image_id)))
    except (ValueError, Image.DoesNotExist):
        raise NotFound(f"Image {image_id} could not be found.") from None


def get_flavor(ctx: RequestContext, flavorid: str) -> Flavor:
    try:
        if "\x00" in flavorid:
            raise Flavor.DoesNotExist
        return visible_flavors(ctx).get(flavorid=flavorid)
    except Flavor.DoesNotExist:
        raise NotFound(f"Flavor {flavorid} could not be found.") from None


def visible_instances(ctx: RequestContext, all_tenants: bool = False, with_deleted: bool = False):
    instances = Instance.objects.all() if with_deleted else Instance.objects.filter(deleted_at__isnull=True)
    if ctx.is_admin and all_tenants:
        return instances
    return instances.filter(project_id=ctx.project_id)


def get_instance(ctx: RequestContext, server_id: str, for_update: bool = False) -> Instance:
    """The caller's instance (any project's, for an admin); 404 for anything else, so ids do not leak."""
    instances = Instance.objects.filter(deleted_at__isnull=True)
    if not ctx.is_admin:
        instances = instances.filter(project_id=ctx.project_id)
    if for_update:
        instances = instances.select_for_update()
    try:
        return instances.get(uuid=uuid.UUID(str(server_id)))
    except (ValueError, Instance.DoesNotExist):
        raise NotFound(f"Instance {server_id} could not be found.") from None


def require_project(ctx: RequestContext) -> None:
    if ctx.project is None:
        raise Forbidden(f"User {ctx.user.username} has no project; ask an administrator to assign one.")


def create_servers(ctx: RequestContext, spec: dict, request_id: str) -> tuple[list[Instance], str]:
    """Validate references, write the instances and their create actions, and cast the scheduler.

    Returns the instances and the admin password. Nothing is written if any check fails; if the
    scheduler cannot be reached the instances are put in ERROR with a fault and 503 is raised.
    """
    require_project(ctx)
    try:
        flavor = get_flavor(ctx, spec["flavor_ref"])
    except NotFound:
        raise BadRequest(f"Flavor {spec['flavor_ref']} could not be found.") from None
    if flavor.disabled:
        raise BadRequest(f"Flavor {flavor.flavorid} is disabled.")
    try:
        image = get_image(ctx, spec["image_ref"])
    except NotFound:
        raise BadRequest(f"Image {spec['image_ref']} could not be found.") from None
    if image.status != Image.Status.ACTIVE:
        raise BadRequest(f"Image {image.id} is not active.")
    if flavor.memory_mb < image.min_ram:
        raise BadRequest(f"Flavor's memory is too small for requested image ({image.min_ram} MB needed).")
    if flavor.root_gb and flavor.root_gb < image.min_disk:
        raise BadRequest(f"Flavor's disk is too small for requested image ({image.min_disk} GB needed).")
    keypair = None
    if spec["key_name"] is not None:
        keypair = KeyPair.objects.filter(user=ctx.user, name=spec["key_name"]).first()
        if keypair is None:
            raise BadRequest("Invalid key_name provided.")
    zone, placement = _placement(ctx, spec["availability_zone"])
    group = _group(ctx, spec["scheduler_hints"].get("group"))
    request_spec = {"scheduler_hints": spec["scheduler_hints"], "min_count": spec["min_count"], **placement}

    admin_pass = secrets.token_urlsafe(12)
    reservation_id = f"r-{secrets.token_hex(4)}"
    with transaction.atomic():
        # Under the project's lock until commit: concurrent creates cannot pass the quota together.
        count = quotas.instances_allowed(ctx.project_id, flavor.snapshot(), spec["min_count"], spec["count"])
        if group is not None:
            quotas.check_group_members(group, count)
        instances = []
        for index in range(count):
            instance = Instance.objects.create(
                name=spec["name"] if count == 1 else f"{spec['name']}-{index + 1}",
                description=spec["description"],
                project=ctx.project,
                user=ctx.user,
                flavor=flavor.snapshot(),
                image=image,
                image_ref=str(image.id),
                metadata=spec["metadata"],
                key_name=keypair.name if keypair else None,
                key_data=keypair.public_key if keypair else None,
                availability_zone=zone,
                reservation_id=reservation_id,
                request_spec=request_spec,
                vm_state=VmState.BUILDING,
                task_state=TaskState.SCHEDULING,
                power_state=PowerState.NOSTATE,
            )
            start_action(instance, "create", request_id, ctx.user.id, ctx.project_id)
            for network_id in spec["networks"]:
                ipam.allocate_port(instance_uuid=str(instance.uuid), project=ctx.project, network_id=network_id)
            instances.append(instance)
        if group is not None:
            group.members.add(*instances)
    uuids = [str(i.uuid) for i in instances]
    try:
        rpc.cast(names.SCHEDULER_QUEUE, "scheduler.select_destinations", instance_uuids=uuids, request_id=request_id)
    except Exception as exc:
        LOG.exception("could not reach the scheduler for %s", uuids)
        _fail_unscheduled(uuids, f"Could not reach the scheduler: {exc}")
        raise ServiceUnavailable("The scheduler could not be reached; the servers were put in ERROR.") from exc
    return instances, admin_pass


def _placement(ctx: RequestContext, requested: str | None) -> tuple[str | None, dict]:
    """The zone asked for, and a forced host from an admin's ``zone:host[:node]``."""
    if not requested:
        return None, {}
    zone, _, forced = requested.partition(":")
    force_host, _, force_node = forced.partition(":")
    if forced:
        policy.enforce(ctx, "os_compute_api:servers:create:forced_host")
    if zone and zone != settings.DEFAULT_AVAILABILITY_ZONE and zone not in zones():
        raise BadRequest(f"The requested availability zone is not available: {zone}")
    placement = {k: v for k, v in (("force_host", force_host), ("force_node", force_node)) if v}
    return zone or None, placement


def _group(ctx: RequestContext, group_id: str | None) -> ServerGroup | None:
    if group_id is None:
        return None
    try:
        return ServerGroup.objects.get(uuid=uuid.UUID(group_id), **({} if ctx.is_admin else {"project": ctx.project}))
    except (ValueError, ServerGroup.DoesNotExist):
        raise BadRequest(f"Invalid server group {group_id}: it could not be found.") from None


def _fail_unscheduled(uuids: list[str], message: str) -> None:
    with transaction.atomic():
        Instance.objects.filter(uuid__in=uuids, task_state=TaskState.SCHEDULING).update(
            vm_state=VmState.ERROR, task_state=None
        )
        for instance_uuid in uuids:
            add_fault(instance_uuid, message)


def host_is_up(host: str) -> bool:
    """Whether the host's compute service is heartbeating (a disabled host still answers)."""
    service = Service.objects.filter(host=host, binary=COMPUTE_BINARY).first()
    return service is not None and service.is_up(settings.SERVICE_DOWN_TIME)


def mark_deleted(instance_uuid) -> None:
    """The instance is gone from every host (or its host is down): keep the row as deleted, close
    any migration, and free everything it held. Call inside a transaction holding its row lock."""
    now = timezone.now()
    Instance.objects.filter(uuid=instance_uuid).update(
        vm_state=VmState.DELETED, task_state=None, power_state=PowerState.NOSTATE, deleted_at=now,
        terminated_at=now, attempt_id=None,
    )  # fmt: skip
    Migration.objects.filter(instance_id=instance_uuid, status__in=Migration.OPEN).update(status=Migration.Status.ERROR)
    claims.release(str(instance_uuid))
    ipam.release_ports(str(instance_uuid))


def migration_hosts(instance: Instance) -> set[str]:
    """The hosts of the instance's resize or migration still in progress, if any."""
    hosts = set()
    for source, dest in instance.migrations.filter(status__in=Migration.OPEN).values_list(
        "source_compute", "dest_compute"
    ):
        hosts |= {h for h in (source, dest) if h}
    return hosts


def delete_server(ctx: RequestContext, server_id: str, request_id: str, action: str = "delete") -> None:
    """Delete a server from any state: at once if no live host holds it, else through its host.

    Deleting again while a delete is under way is harmless (the host's destroy is idempotent).
    """
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if instance.locked and not ctx.is_admin:
            raise Conflict(f"Instance {instance.uuid} is locked")
        start_action(instance, action, request_id, ctx.user.id, ctx.project_id)
        if not instance.host or not host_is_up(instance.host):
            mark_deleted(instance.uuid)
            return
        previous_task_state = instance.task_state
        instance.task_state = TaskState.DELETING
        instance.save(update_fields=["task_state", "updated_at"])
        host, instance_uuid = instance.host, str(instance.uuid)
    try:
        rpc.cast(
            names.compute_queue(host), "compute.terminate_instance", instance_uuid=instance_uuid, request_id=request_id
        )
    except Exception as exc:
        LOG.exception("could not reach compute host %s to delete %s", host, instance_uuid)
        if previous_task_state != TaskState.DELETING:
            Instance.objects.filter(uuid=instance_uuid, task_state=TaskState.DELETING).update(
                task_state=previous_task_state
            )
        raise ServiceUnavailable("The compute service could not be reached; the server was not deleted.") from exc
