"""Compute API v2.1: a server's volume attachments and NUMA topology (``apps/compute/api/server_devices.py``),
which answer as Nova does on a cloud without block storage or NUMA-pinned guests."""

from apps.compute.api.schemas import volume_attachments as schemas
from cloudcore.openapi_bodies.common import NULL, Op, array, obj, op

NO_VOLUMES = "cloudcore has no block storage service: no volume is ever attached to a server"
TOPOLOGY = obj(
    {"nodes": array(obj({}, closed=False)), "pagesize_kb": NULL},
    "all",
    description="No NUMA cells and no page size: cloudcore pins no guest to host NUMA cells",
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
    ("/v2.1/servers/{server_id}/topology", "GET"): op(
        "Show a server's NUMA topology",
        TOPOLOGY,
        description='From microversion 2.78: {"nodes": [], "pagesize_kb": null} for every server. Any query '
        "parameter is a 400 from 2.102.",
    ),
}
