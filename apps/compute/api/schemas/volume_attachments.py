"""``/servers/{id}/os-volume_attachments`` and ``/servers/{id}/topology``: Nova's request bodies and
query parameters, microversion by microversion (``nova/api/openstack/compute/schemas/
volume_attachments.py`` and ``server_topology.py``).

cloudcore has no block storage, so no body here ever attaches anything; they are checked all the
same, because Nova checks a body before it looks for the server or the volume and a client must
get the same 400 here as there.
"""

from apps.common.query import Query, multi, query_schema
from apps.common.schemas import BOOLEAN, UUID, Body, closed, envelope
from apps.compute.api.paging import ANY, NON_NEGATIVE
from apps.compute.api.schemas.servers import TAG

# Nova's match_device() pattern (nova/block_device.py): /dev/ and a disk name such as vdb or xvdc1.
DEVICE = {"type": ["string", "null"], "pattern": "(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$"}

_ATTACH = {"volumeId": UUID, "device": DEVICE}
_ATTACH_V2_49 = {**_ATTACH, "tag": TAG}
_ATTACH_V2_79 = {**_ATTACH_V2_49, "delete_on_termination": BOOLEAN}
# POST: the volume to attach and, optionally, where; a tag from 2.49, delete_on_termination from 2.79.
ATTACH = Body(
    {
        "2.1": envelope("volumeAttachment", closed(_ATTACH, ["volumeId"])),
        "2.49": envelope("volumeAttachment", closed(_ATTACH_V2_49, ["volumeId"])),
        "2.79": envelope("volumeAttachment", closed(_ATTACH_V2_79, ["volumeId"])),
    },
    example={"volumeAttachment": {"volumeId": "a26887c6-c47b-4654-abb5-dfadf7d3f803", "device": "/dev/vdb"}},
)

# PUT: before 2.85 only a swap, to the volume named (no device); from 2.85 the fields a GET shows, of
# which only delete_on_termination may change (and volumeId, a swap for the service role).
_UPDATE_V2_85 = {**_ATTACH_V2_79, "serverId": UUID, "id": UUID}
UPDATE = Body(
    {
        "2.1": envelope("volumeAttachment", closed({"volumeId": UUID}, ["volumeId"])),
        "2.85": envelope("volumeAttachment", closed(_UPDATE_V2_85, ["volumeId"])),
    },
    example={"volumeAttachment": {"volumeId": "a26887c6-c47b-4654-abb5-dfadf7d3f803", "delete_on_termination": True}},
)

# GET .../os-volume_attachments: limit and offset (each may repeat); others ignored until 2.74, a 400 from 2.75.
_PAGE = {
    "limit": multi(NON_NEGATIVE, "The most attachments to return (at most 1000)"),
    "offset": multi(NON_NEGATIVE, "How many attachments to skip"),
}
INDEX_QUERY = Query({"2.1": query_schema(_PAGE, strict=False), "2.75": query_schema(_PAGE, strict=True)})
# GET .../os-volume_attachments/{volume_id}: any parameter is ignored, at every microversion. Nova
# defines a strict 2.102 schema for it but never applies it (its controller names only the lax one).
SHOW_QUERY = ANY
# GET .../topology (2.78+): no parameters; others ignored until 2.101, a 400 from 2.102.
TOPOLOGY_QUERY = Query({"2.1": query_schema({}, strict=False), "2.102": query_schema({}, strict=True)})
