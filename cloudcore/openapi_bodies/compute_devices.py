"""Compute API v2.1: a server's volume attachments and NUMA topology (``apps/compute/api/server_devices.py``),
which answer as Nova does on a cloud without block storage or NUMA-pinned guests, and its diagnostics."""

from apps.compute.api.schemas import volume_attachments as schemas
from cloudcore.openapi_bodies.common import BOOL, NULL, NULLABLE_INT, NULLABLE_STR, Op, Reply, array, enum, obj, op
from core import diagnostics

NO_VOLUMES = "cloudcore has no block storage service: no volume is ever attached to a server"
TOPOLOGY = obj(
    {"nodes": array(obj({}, closed=False)), "pagesize_kb": NULL},
    "all",
    description="No NUMA cells and no page size: cloudcore pins no guest to host NUMA cells",
)


def _details(fields, **overrides) -> dict:
    return obj({field: overrides.get(field, NULLABLE_INT) for field in fields}, "all")


# Nova's index_response_v248 (schemas/server_diagnostics.py), the fields of core.diagnostics.view.
STANDARD_DIAGNOSTICS = obj(
    {
        "state": enum(*diagnostics.STATE_NAMES.values()),
        "driver": enum("libvirt", "xenapi", "vmwareapi", "ironic", "hyperv"),
        "hypervisor": NULLABLE_STR,
        "hypervisor_os": NULLABLE_STR,
        "uptime": NULLABLE_INT,
        "config_drive": BOOL,
        "num_cpus": NULLABLE_INT,
        "num_nics": NULLABLE_INT,
        "num_disks": NULLABLE_INT,
        **{name: array(_details(fields, mac_address=NULLABLE_STR)) for name, fields in diagnostics.LIST_FIELDS.items()},
        **{name: _details(fields) for name, fields in diagnostics.OBJECT_FIELDS.items()},
    },
    "all",
    description="From microversion 2.48: the same fields for every hypervisor, null where it cannot say; "
    "memory in MiB, CPU time in nanoseconds",
)
FREE_FORM_DIAGNOSTICS = obj(
    {},
    closed=False,
    description="Before 2.48: the hypervisor's own keys, as Nova's libvirt driver names them (cpu0_time, "
    "vda_read_req, vnet0_rx, memory in KiB, memory-<stat>...)",
)

COMPONENTS: dict = {}

OPERATIONS = {
    ("/v2.1/servers/{server_id}/os-volume_attachments", "GET"): op(
        "List a server's volume attachments",
        obj({"volumeAttachments": array(obj({}, closed=False), maxItems=0)}, "all"),
        parameters=schemas.INDEX_QUERY.described(),
        description=f"Always an empty list ({NO_VOLUMES}). Parameters other than limit and offset are a 400 from "
        "microversion 2.75.",
    ),
    ("/v2.1/servers/{server_id}/os-volume_attachments", "POST"): Op(
        "Attach a volume to a server",
        {},
        request=schemas.ATTACH.described(),
        errors=(403, 409),
        description=f"{NO_VOLUMES}, so after Nova's checks (the body, the server, its lock and state: 409) this "
        "is always Nova's 404 'Volume <id> could not be found.'",
    ),
    ("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", "GET"): Op(
        "Show a server's volume attachment",
        {},
        description=f"{NO_VOLUMES}: always Nova's 404 'Instance <id> is not attached to volume <id>'.",
    ),
    ("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", "PUT"): Op(
        "Update or swap a server's volume attachment",
        {},
        request=schemas.UPDATE.described(),
        errors=(403,),
        description=f"{NO_VOLUMES}: always Nova's 404 once the body and the policy pass (a swap, any PUT before "
        "2.85 or a new volumeId, is for admins only).",
    ),
    ("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", "DELETE"): Op(
        "Detach a volume from a server",
        {},
        errors=(403, 409),
        description=f"{NO_VOLUMES}: always Nova's 404 'Volume <id> could not be found.' (409 first for a "
        "shelved server before 2.20).",
    ),
    ("/v2.1/servers/{server_id}/diagnostics", "GET"): Op(
        "Show a server's diagnostics",
        {200: Reply("The diagnostics of the running guest", {"anyOf": [STANDARD_DIAGNOSTICS, FREE_FORM_DIAGNOSTICS]})},
        errors=(403, 409, 501),
        description="Admins only (os_compute_api:os-server-diagnostics). Asked of the server's host, whose "
        "driver answers for a running guest: 409 for a server without a host, on a host whose service is down, "
        "or whose guest is not running; 501 for a hypervisor without diagnostics; 504 if the host does not "
        "answer in time. Any query parameter is a 400 from 2.102.",
    ),
    ("/v2.1/servers/{server_id}/topology", "GET"): op(
        "Show a server's NUMA topology",
        TOPOLOGY,
        description='From microversion 2.78: {"nodes": [], "pagesize_kb": null} for every server. Any query '
        "parameter is a 400 from 2.102.",
    ),
}
