"""Creating servers: check every reference, write the instances under the quota lock, ask the scheduler."""

import logging
import secrets
import uuid

from django.conf import settings
from django.db import transaction

from apps.common.exceptions import BadRequest, NotFound, ServiceUnavailable
from apps.compute import quotas
from apps.compute.audit import add_fault, start_action
from apps.compute.models import Instance, ServerGroup
from apps.compute.servers import hostnames, security
from apps.compute.servers.lookup import get_flavor, get_image, get_key_pair, require_project
from apps.compute.states import TaskState, VmState
from apps.hosts.models import ComputeNode
from apps.hosts.zones import zones
from apps.identity import policy
from apps.identity.auth import RequestContext
from apps.images.models import Image
from apps.network import ipam, security_groups
from core import names, rpc
from core.power_state import PowerState

LOG = logging.getLogger(__name__)


def create_servers(ctx: RequestContext, spec: dict, request_id: str) -> tuple[list[Instance], str]:
    """Validate references, write the instances and their create actions, and cast the scheduler.

    Returns the instances and the admin password (the one asked for, else a new one; it is
    never stored). Nothing is written if any check fails; if the
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
    keypair = get_key_pair(ctx, spec["key_name"]) if spec["key_name"] is not None else None
    groups = security.requested(ctx.project_id, spec.get("security_groups"))
    zone, placement = _placement(ctx, spec["availability_zone"])
    placement.update(_requested_destination(ctx, spec.get("requested_host"), spec.get("requested_node")))
    group = _group(ctx, spec["scheduler_hints"].get("group"))
    request_spec = {"scheduler_hints": spec["scheduler_hints"], "min_count": spec["min_count"], **placement}
    image_properties = image_snapshot(image)

    admin_pass = spec.get("admin_pass") or secrets.token_urlsafe(12)
    reservation_id = f"r-{secrets.token_hex(4)}"
    with transaction.atomic():
        # Under the project's lock until commit: concurrent creates cannot pass the quota together.
        count = quotas.instances_allowed(ctx.project_id, flavor.snapshot(), spec["min_count"], spec["count"])
        if group is not None:
            quotas.check_group_members(group, count)
        instances = []
        for index in range(count):
            instance_id = uuid.uuid4()
            instance = Instance.objects.create(
                uuid=instance_id,
                name=(name := spec["name"] if count == 1 else f"{spec['name']}-{index + 1}"),
                hostname=spec.get("hostname") or hostnames.from_name(name, default=f"Server-{instance_id}"),
                description=spec["description"],
                project=ctx.project,
                user=ctx.user,
                flavor=flavor.snapshot(),
                image=image,
                image_ref=str(image.id),
                metadata=spec["metadata"],
                key_name=keypair.name if keypair else None,
                key_data=keypair.public_key if keypair else None,
                disk_config=spec.get("disk_config", "MANUAL"),
                access_ip_v4=spec.get("access_ip_v4"),
                access_ip_v6=spec.get("access_ip_v6"),
                availability_zone=zone,
                pinned_availability_zone=zone,
                tags=spec.get("tags", []),
                user_data=spec.get("user_data"),
                image_properties=image_properties,
                scheduler_hints=spec.get("raw_scheduler_hints", {}),
                trusted_image_certificates=spec.get("trusted_image_certificates"),
                reservation_id=reservation_id,
                request_spec=request_spec,
                vm_state=VmState.BUILDING,
                task_state=TaskState.SCHEDULING,
                power_state=PowerState.NOSTATE,
            )
            start_action(instance, "create", request_id, ctx.user.id, ctx.project_id)
            for network_id in spec["networks"]:
                port = ipam.allocate_port(instance_uuid=str(instance.uuid), project=ctx.project, network_id=network_id)
                security_groups.attach_on_create(port, groups)
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


def _requested_destination(ctx: RequestContext, host: str | None, node: str | None) -> dict:
    """2.74's ``host``/``hypervisor_hostname``: an admin's choice of compute, which must exist (the
    scheduler's filters still run on it)."""
    if not host and not node:
        return {}
    policy.enforce(ctx, "compute:servers:create:requested_destination")
    nodes = ComputeNode.objects.all()
    if host and not nodes.filter(host=host).exists():
        raise BadRequest(f"Compute host {host} could not be found.")
    if node and not nodes.filter(hypervisor_hostname=node, **({"host": host} if host else {})).exists():
        raise BadRequest(f"Compute host {host} with node {node} could not be found." if host
                         else f"Compute node {node} could not be found.")  # fmt: skip
    return {k: v for k, v in (("force_host", host), ("force_node", node)) if v}


def image_snapshot(image: Image) -> dict:
    """The image's standard properties (Nova's ``hw_``/``img_``/``os_``... ``image_`` system metadata),
    kept at boot and shown from 2.98 even if the image changes or goes."""
    return {
        k: v for k, v in (image.properties or {}).items() if k.startswith(IMAGE_PROPERTY_PREFIXES) and v is not None
    }


IMAGE_PROPERTY_PREFIXES = ("hw_", "img_", "os_", "traits_", "trait:")


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
