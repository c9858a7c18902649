"""Response bodies in the shapes of Nova's Compute API v2.1."""

import hashlib
from urllib.parse import quote

from apps.common.microversion import at_least
from apps.compute.models import Instance
from apps.compute.servers import hostnames, security
from apps.compute.states import VmState, api_status
from apps.identity import policy
from apps.identity.auth import RequestContext
from apps.images.models import Image
from apps.network import ipam

#: The states whose servers show their latest fault.
FAULT_STATES = (VmState.ERROR, VmState.DELETED)


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def usec(value) -> str | None:
    """A time as Nova's ``created_at``-style fields show it (microseconds, no zone)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def links(request, collection: str, item_id) -> list[dict]:
    """The self and bookmark links; the id percent-encoded, so any id (a flavor's may be any text)
    makes a valid URI."""
    root = request.build_absolute_uri("/").rstrip("/")
    item = quote(str(item_id), safe="")
    return [
        {"rel": "self", "href": f"{root}/v2.1/{collection}/{item}"},
        {"rel": "bookmark", "href": f"{root}/{collection}/{item}"},
    ]


def image_brief(request, image: Image) -> dict:
    return {"id": str(image.id), "name": image.name, "links": links(request, "images", image.id)}


_IMAGE_STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "killed": "ERROR", "deleted": "DELETED"}


def image_detail(request, image: Image) -> dict:
    return {
        **image_brief(request, image),
        "status": _IMAGE_STATUS.get(image.status, "UNKNOWN"),
        "progress": 100 if image.status == Image.Status.ACTIVE else 0,
        "minDisk": image.min_disk,
        "minRam": image.min_ram,
        "created": _iso(image.created_at),
        "updated": _iso(image.updated_at),
        "metadata": {k: str(v) for k, v in image.properties.items()},
        "OS-EXT-IMG-SIZE:size": image.size,
    }


def server_brief(request, instance: Instance) -> dict:
    return {"id": str(instance.uuid), "name": instance.name, "links": links(request, "servers", instance.uuid)}


def host_id(instance: Instance) -> str:
    """Nova's opaque hostId: the same for a project's servers on one host, revealing nothing else."""
    return hashed_host(instance.host, instance.project_id)


def hashed_host(host: str | None, project_id: str) -> str:
    """Nova's ``generate_hostid``: the host hashed with the project (empty without a host)."""
    return hashlib.sha224(f"{project_id}{host}".encode()).hexdigest() if host else ""


def embedded_flavor(flavor: dict, ctx: RequestContext) -> dict:
    """The flavor a server was built with, as 2.47 shows it; its extra specs to whoever the policy
    lets see them (Nova's default: the project's readers and admins, so anyone who sees the server)."""
    body = {
        "original_name": flavor.get("name", ""),
        "vcpus": flavor.get("vcpus"),
        "ram": flavor.get("memory_mb"),
        "disk": flavor.get("root_gb"),
        "ephemeral": flavor.get("ephemeral_gb", 0),
        "swap": flavor.get("swap", 0),
    }
    if policy.allowed(ctx, "os_compute_api:servers:show:flavor-extra-specs"):
        body["extra_specs"] = dict(flavor.get("extra_specs") or {})
    return body


def server_detail(
    request, instance: Instance, ctx: RequestContext, addresses: dict | None = None, groups: dict | None = None
) -> dict:
    """A server as Nova shows it; ``addresses`` (from ``ipam.addresses_for``) and ``groups`` (from
    ``security.names_by_server``) save two queries per server in lists."""
    if addresses is None:
        addresses = ipam.addresses_for([str(instance.uuid)])
    if groups is None:
        groups = security.names_by_server([instance.uuid])
    status = api_status(instance.vm_state, instance.task_state)
    root = request.build_absolute_uri("/").rstrip("/")
    flavorid = instance.flavor.get("flavorid", "")
    body = {
        **server_brief(request, instance),
        "status": status,
        "tenant_id": instance.project_id,
        "user_id": instance.user_id,
        "metadata": instance.metadata,
        "hostId": host_id(instance),
        "image": _image(request, instance, root),
        "flavor": embedded_flavor(instance.flavor, ctx)
        if at_least(request, "2.47")
        else {"id": flavorid, "links": links(request, "flavors", flavorid)[1:]},  # the bookmark alone
        "created": _iso(instance.created_at),
        "updated": _iso(instance.updated_at),
        "addresses": addresses.get(str(instance.uuid), {}),
        "accessIPv4": instance.access_ip_v4 or "",
        "accessIPv6": instance.access_ip_v6 or "",
        "OS-DCF:diskConfig": instance.disk_config,
        "OS-EXT-AZ:availability_zone": instance.availability_zone or "nova",
        "config_drive": "",
        "key_name": instance.key_name,
        "os-extended-volumes:volumes_attached": [],
        "OS-SRV-USG:launched_at": usec(instance.launched_at),
        "OS-SRV-USG:terminated_at": usec(instance.terminated_at),
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-EXT-STS:task_state": instance.task_state,
        "OS-EXT-STS:power_state": instance.power_state,
    }
    if groups.get(str(instance.uuid)):  # as Nova: only a server whose ports have groups shows them
        body["security_groups"] = [{"name": name} for name in groups[str(instance.uuid)]]
    # Fields that arrived with later microversions.
    if at_least(request, "2.9"):
        body["locked"] = instance.locked
    if at_least(request, "2.19"):
        body["description"] = instance.description
    if at_least(request, "2.26"):
        body["tags"] = instance.tags
    if at_least(request, "2.63"):
        body["trusted_image_certificates"] = instance.trusted_image_certificates or None
    if at_least(request, "2.73"):
        body["locked_reason"] = instance.locked_reason if instance.locked else None
    if at_least(request, "2.90"):  # the hostname became everyone's to see
        body["OS-EXT-SRV-ATTR:hostname"] = hostname(instance)
    if at_least(request, "2.96"):
        body["pinned_availability_zone"] = instance.pinned_availability_zone
    if at_least(request, "2.100"):
        body["scheduler_hints"] = instance.scheduler_hints or {}
    if status in ("BUILD", "ACTIVE"):
        body["progress"] = 0 if status == "BUILD" else 100
    if ctx.is_admin:
        body["OS-EXT-SRV-ATTR:host"] = instance.host
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = instance.node
        body["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{instance.uuid}"
        if at_least(request, "2.3"):
            body.update({
                "OS-EXT-SRV-ATTR:reservation_id": instance.reservation_id,
                "OS-EXT-SRV-ATTR:launch_index": 0,
                "OS-EXT-SRV-ATTR:hostname": hostname(instance),
                "OS-EXT-SRV-ATTR:kernel_id": "",
                "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                "OS-EXT-SRV-ATTR:user_data": instance.user_data,
            })  # fmt: skip
    else:
        body["OS-EXT-SRV-ATTR:host"] = None
    if instance.vm_state in FAULT_STATES:
        fault = next(iter(instance.faults.all()), None)
        if fault is not None:
            body["fault"] = {"code": fault.code, "message": fault.message, "created": _iso(fault.created_at)}
            if ctx.is_admin:
                body["fault"]["details"] = fault.details
    return body


# What an update or a rebuild answers with before 2.75 (Nova's short server view); from 2.75 the full one.
SHORT_VIEW = frozenset({
    "id", "name", "status", "tenant_id", "user_id", "metadata", "hostId", "image", "flavor", "created", "updated",
    "addresses", "accessIPv4", "accessIPv6", "links", "OS-DCF:diskConfig", "progress", "fault", "locked",
    "description", "tags", "trusted_image_certificates", "server_groups", "locked_reason",
})  # fmt: skip


def server_changed(request, instance: Instance, ctx: RequestContext, rebuild: bool = False) -> dict:
    """A server as ``PUT /servers/{id}`` and rebuild answer: the short view before 2.75 (a rebuild's
    with its key pair from 2.54), the full one after (never the admin's user_data: a rebuild answers
    ``user_data`` itself from 2.57)."""
    body = server_show(request, instance, ctx)
    if not at_least(request, "2.75"):
        keep = SHORT_VIEW | ({"key_name"} if rebuild and at_least(request, "2.54") else set())
        return {key: value for key, value in body.items() if key in keep}
    body.pop("OS-EXT-SRV-ATTR:user_data", None)
    return body


def server_show(request, instance: Instance, ctx: RequestContext) -> dict:
    """One server (show, update, rebuild): the detail, and from 2.71 its server group (never in lists)."""
    body = server_detail(request, instance, ctx)
    if at_least(request, "2.71"):
        body["server_groups"] = [str(group.uuid) for group in instance.server_groups.all()[:1]]
    return body


def hostname(instance: Instance) -> str:
    """The guest's hostname (servers made before it was stored: the one Nova would make of the name)."""
    return instance.hostname or hostnames.from_name(instance.name, default=f"Server-{instance.uuid}")


def _image(request, instance: Instance, root: str) -> dict | str:
    """The image as a server shows it ("" for none); from 2.98 with the properties it had at boot."""
    if not instance.image_ref:
        return ""
    image = {"id": instance.image_ref, "links": [{"rel": "bookmark", "href": f"{root}/images/{instance.image_ref}"}]}
    if at_least(request, "2.98"):
        image["properties"] = instance.image_properties or {}
    return image
