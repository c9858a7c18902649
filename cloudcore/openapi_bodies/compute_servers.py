"""Compute API v2.1: servers, their actions and sub-resources (``apps/compute/api/views.py``,
``actions.py``, ``server_extras.py``, ``builders.py``, ``listing.py``, ``validation.py``)."""

from apps.compute.api.schemas import server_extras as extra_schemas
from apps.compute.api.schemas import servers as server_schemas
from cloudcore.openapi_bodies.common import (
    BOOL,
    DATE_TIME,
    INT,
    LIMIT,
    LINKS,
    LOCATION,
    NULLABLE_STR,
    NULLABLE_TIMESTAMP,
    STR,
    STRING_MAP,
    TIMESTAMP,
    UUID,
    Op,
    Reply,
    array,
    described,
    enum,
    envelope,
    listing,
    marker,
    obj,
    op,
    query,
    ref,
)

STATUSES = ("ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD", "PAUSED", "REBOOT",
            "REBUILD", "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED", "SHELVED_OFFLOADED", "SHUTOFF",
            "SOFT_DELETED", "SUSPENDED", "UNKNOWN", "VERIFY_RESIZE")  # fmt: skip
SORT_KEYS = ("created_at", "updated_at", "display_name", "uuid", "vm_state", "task_state", "host")
MIGRATION_STATUSES = ("pre-migrating", "migrating", "post-migrating", "finished", "confirming", "confirmed",
                      "reverting", "reverted", "error")  # fmt: skip

ID_AND_LINKS = obj({"id": STR, "links": LINKS}, "all")
EMBEDDED_FLAVOR = obj(
    {
        "original_name": STR,
        "vcpus": INT,
        "ram": INT,
        "disk": INT,
        "ephemeral": INT,
        "swap": INT,
        "extra_specs": described(STRING_MAP, "Admins only"),
    },
    ["original_name", "vcpus", "ram", "disk", "ephemeral", "swap"],
    description="The flavor the server was built with, from microversion 2.47",
)
FAULT = obj(
    {"code": INT, "message": STR, "created": DATE_TIME, "details": described(STR, "Admins only")},
    ["code", "message", "created"],
    description="Why the server is in ERROR (or was DELETED after a failure)",
)


def _admin(schema: dict, since: str = "") -> dict:
    return described(schema, f"Admins only{f', from microversion {since}' if since else ''}")


def _since(schema: dict, version: str) -> dict:
    return described(schema, f"From microversion {version}")


SERVER_PROPERTIES = {
    "id": UUID,
    "name": STR,
    "status": enum(*STATUSES),
    "tenant_id": STR,
    "user_id": STR,
    "metadata": STRING_MAP,
    "hostId": described(STR, "Opaque: the same for a project's servers on one host; empty before scheduling"),
    "image": {"oneOf": [ID_AND_LINKS, {"const": "", "description": "Booted from no image"}]},
    "flavor": {"oneOf": [ID_AND_LINKS, EMBEDDED_FLAVOR], "description": "A link, or the embedded flavor (2.47+)"},
    "created": DATE_TIME,
    "updated": DATE_TIME,
    "addresses": ref("Addresses"),
    "accessIPv4": STR,
    "accessIPv6": STR,
    "links": LINKS,
    "OS-DCF:diskConfig": enum("AUTO", "MANUAL"),
    "OS-EXT-AZ:availability_zone": STR,
    "config_drive": STR,
    "key_name": NULLABLE_STR,
    "security_groups": array(obj({"name": STR}, "all")),
    "os-extended-volumes:volumes_attached": array(obj({"id": STR}, closed=False)),
    "OS-SRV-USG:launched_at": NULLABLE_TIMESTAMP,
    "OS-SRV-USG:terminated_at": NULLABLE_TIMESTAMP,
    "OS-EXT-STS:vm_state": STR,
    "OS-EXT-STS:task_state": NULLABLE_STR,
    "OS-EXT-STS:power_state": enum(
        0, 1, 3, 4, 6, 7, description="0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED"
    ),  # fmt: skip
    "progress": described(INT, "Only while BUILD (0) or ACTIVE (100)"),
    "fault": FAULT,
    "OS-EXT-SRV-ATTR:host": described(NULLABLE_STR, "The host's name for admins; null for others"),
    "OS-EXT-SRV-ATTR:hypervisor_hostname": _admin(NULLABLE_STR),
    "OS-EXT-SRV-ATTR:instance_name": _admin(STR),
    "OS-EXT-SRV-ATTR:reservation_id": _admin(STR, "2.3"),
    "OS-EXT-SRV-ATTR:launch_index": _admin(INT, "2.3"),
    "OS-EXT-SRV-ATTR:hostname": _admin(STR, "2.3"),
    "OS-EXT-SRV-ATTR:kernel_id": _admin(STR, "2.3"),
    "OS-EXT-SRV-ATTR:ramdisk_id": _admin(STR, "2.3"),
    "OS-EXT-SRV-ATTR:root_device_name": _admin(STR, "2.3"),
    "OS-EXT-SRV-ATTR:user_data": _admin(NULLABLE_STR, "2.3"),
    "locked": _since(BOOL, "2.9"),
    "description": _since(NULLABLE_STR, "2.19"),
    "tags": _since(array(STR), "2.26"),
}
# What every server body has, the short one an update or a rebuild answers with before 2.75 included.
SHORT_VIEW = ("id", "name", "status", "tenant_id", "user_id", "metadata", "hostId", "image", "flavor", "created",
              "updated", "addresses", "accessIPv4", "accessIPv6", "links", "OS-DCF:diskConfig")  # fmt: skip
SERVER = obj(
    SERVER_PROPERTIES,
    list(SHORT_VIEW),
    description="A server as Nova shows it; some fields depend on the microversion and on the caller being an admin, "
    "and an update or a rebuild answers with the short view (before 2.75) without the OS-EXT-* fields, key_name, "
    "config_drive and security_groups",
)
SERVER_BRIEF = obj({"id": UUID, "name": STR, "links": LINKS}, "all")
SERVER_LIST = listing("servers", ref("ServerBrief"), servers_links=described(LINKS, "The next page, when limited"))
SERVER_DETAIL_LIST = listing("servers", ref("Server"), servers_links=described(LINKS, "The next page, when limited"))
ADDRESS = obj(
    {
        "addr": STR,
        "version": enum(4, 6),
        "OS-EXT-IPS:type": enum("fixed", "floating"),
        "OS-EXT-IPS-MAC:mac_addr": {"type": "string", "pattern": "^([0-9a-f]{2}:){5}[0-9a-f]{2}$"},
    },
    "all",
)
ADDRESSES = {"type": "object", "additionalProperties": array(ref("Address")), "description": "By network name"}

SERVER_CREATE = server_schemas.CREATE.described()
SERVER_CREATED = {
    "oneOf": [
        envelope(
            "server",
            obj(
                {
                    "id": UUID,
                    "links": LINKS,
                    "OS-DCF:diskConfig": enum("AUTO", "MANUAL"),
                    "security_groups": array(obj({"name": STR}, "all")),
                    "adminPass": STR,
                },
                "all",
            ),
        ),
        obj({"reservation_id": STR}, "all", description="With return_reservation_id"),
    ]
}
SERVER_UPDATE = server_schemas.UPDATE.described()


SERVER_ACTION = server_schemas.action_bodies_described()

MIGRATION = obj(
    {
        "id": INT,
        "uuid": described(UUID, "From microversion 2.59"),
        "instance_uuid": UUID,
        "migration_type": described(enum("resize", "migration"), "From microversion 2.23"),
        "status": enum(*MIGRATION_STATUSES),
        "source_compute": described(NULLABLE_STR, "The hosts and nodes: null for non-admins"),
        "source_node": NULLABLE_STR,
        "dest_compute": NULLABLE_STR,
        "dest_node": NULLABLE_STR,
        "dest_host": {"type": "null"},
        "old_instance_type_id": {"type": ["integer", "null"], "description": "The flavor's integer id"},
        "new_instance_type_id": {"type": ["integer", "null"], "description": "The flavor's integer id"},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "user_id": described(STR, "Who asked for the move; from microversion 2.80"),
        "project_id": described(STR, "The project it asked in; from microversion 2.80"),
    },
    [
        "id",
        "instance_uuid",
        "status",
        "source_compute",
        "source_node",
        "dest_compute",
        "dest_node",
        "dest_host",
        "old_instance_type_id",
        "new_instance_type_id",
        "created_at",
        "updated_at",
    ],
)
ACTION_EVENT = obj(
    {
        "event": STR,
        "start_time": TIMESTAMP,
        "finish_time": NULLABLE_TIMESTAMP,
        "result": NULLABLE_STR,
        "traceback": described(NULLABLE_STR, "Admins only"),
        "host": described(STR, "Admins only, from microversion 2.62"),
        "hostId": described(STR, "The host hashed with the project, from microversion 2.62"),
        "details": described(NULLABLE_STR, "Admins only, from microversion 2.84"),
    },
    ["event", "start_time", "finish_time", "result"],
)
INSTANCE_ACTION_PROPERTIES = {
    "action": STR,
    "instance_uuid": UUID,
    "message": NULLABLE_STR,
    "project_id": STR,
    "request_id": STR,
    "start_time": TIMESTAMP,
    "user_id": STR,
}
_ACTION_UPDATED = {"updated_at": described(NULLABLE_TIMESTAMP, "From microversion 2.58")}
INSTANCE_ACTION = obj({**INSTANCE_ACTION_PROPERTIES, **_ACTION_UPDATED}, list(INSTANCE_ACTION_PROPERTIES))
INSTANCE_ACTION_DETAIL = obj(
    {
        **INSTANCE_ACTION_PROPERTIES,
        **_ACTION_UPDATED,
        "events": described(array(ref("InstanceActionEvent")), "Newest first; before 2.51 for admins only"),
    },
    list(INSTANCE_ACTION_PROPERTIES),
)

COMPONENTS = {
    "Server": SERVER,
    "ServerBrief": SERVER_BRIEF,
    "Address": ADDRESS,
    "Addresses": ADDRESSES,
    "ServerCreate": SERVER_CREATE,
    "ServerAction": SERVER_ACTION,
    "Migration": MIGRATION,
    "InstanceAction": INSTANCE_ACTION,
    "InstanceActionEvent": ACTION_EVENT,
}

SERVER_FILTERS = (
    LIMIT,
    marker("id (uuid) of the server"),
    query("sort_key", "What to sort by", enum(*SORT_KEYS)),
    query("sort_dir", "Sort direction (default desc)", enum("asc", "desc")),
    query("name", "A regular expression the name must match"),
    query("status", "Only servers with this status", enum(*STATUSES)),
    query("flavor", "Only servers of this flavor id"),
    query("image", "Only servers of this image id (or link)"),
    query("changes-since", "Only servers changed since then, deleted ones included", DATE_TIME),
    query("reservation_id", "Only servers of this multiple create"),
    query("availability_zone", "Only servers in this zone"),
    query("all_tenants", "Admins: servers of every project", STR, example="1"),
    query("host", "Admins: only servers on this host"),
    query("project_id", "Admins: only servers of this project"),
    query("tenant_id", "Admins: the same as project_id"),
)
SERVER_ENVELOPE = envelope("server", ref("Server"))
METADATA = envelope("metadata", STRING_MAP)
META_ITEM = envelope("meta", {**STRING_MAP, "minProperties": 1, "maxProperties": 1})
TAGS = envelope("tags", array({"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}))
MIGRATIONS = listing("migrations", ref("Migration"), migrations_links=described(LINKS, "From 2.59: the next page"))

OPERATIONS = {
    ("/v2.1/servers", "GET"): op("List servers", SERVER_LIST, parameters=SERVER_FILTERS, errors=(400, 403)),
    ("/v2.1/servers", "POST"): Op(
        "Create a server",
        {202: Reply("Accepted: the server is being built", SERVER_CREATED, headers=LOCATION)},
        request=ref("ServerCreate"),
        errors=(403, 409),
        description="Builds asynchronously: poll the server until ACTIVE (or ERROR, with a fault). 403 when over "
        "quota.",
    ),
    ("/v2.1/servers/detail", "GET"): op(
        "List servers with details", SERVER_DETAIL_LIST, parameters=SERVER_FILTERS, errors=(400, 403)
    ),
    ("/v2.1/servers/{server_id}", "GET"): op("Show a server", SERVER_ENVELOPE),
    ("/v2.1/servers/{server_id}", "PUT"): op(
        "Update a server's name or description", SERVER_ENVELOPE, request=SERVER_UPDATE, errors=(409,)
    ),
    ("/v2.1/servers/{server_id}", "DELETE"): op("Delete a server", status=204, errors=(409,)),
    ("/v2.1/servers/{server_id}/action", "POST"): Op(
        "Run a server action",
        {
            200: Reply(
                "os-getConsoleOutput: the output; evacuate: the new admin password",
                {"oneOf": [obj({"output": STR}, "all"), obj({"adminPass": STR}, "all", description="before 2.14")]},
            ),
            202: Reply(
                "Accepted; rebuild answers with the server, createImage with the new image's id (and Location); "
                "the other actions with no body",
                {"oneOf": [SERVER_ENVELOPE, obj({"image_id": UUID}, "all")]},
            ),
            204: Reply("confirmResize: done, no body"),
        },
        request=ref("ServerAction"),
        errors=(403, 409),
        description="An action the server's state does not allow is a 409 conflictingRequest.",
    ),
    ("/v2.1/servers/{server_id}/metadata", "GET"): op("Show a server's metadata", METADATA),
    ("/v2.1/servers/{server_id}/metadata", "POST"): op(
        "Merge into a server's metadata", METADATA, request=extra_schemas.METADATA_BODY.described(), errors=(409,)
    ),
    ("/v2.1/servers/{server_id}/metadata", "PUT"): op(
        "Replace a server's metadata", METADATA, request=extra_schemas.METADATA_BODY.described(), errors=(409,)
    ),
    ("/v2.1/servers/{server_id}/metadata/{key}", "GET"): op("Show a server metadata item", META_ITEM),
    ("/v2.1/servers/{server_id}/metadata/{key}", "PUT"): op(
        "Set a server metadata item",
        META_ITEM,
        request=extra_schemas.METADATA_ITEM.described(),
        errors=(409,),
        description="The one key in the body must be the key in the path.",
    ),
    ("/v2.1/servers/{server_id}/metadata/{key}", "DELETE"): op("Delete a server metadata item", status=204),
    ("/v2.1/servers/{server_id}/tags", "GET"): op("List a server's tags", TAGS),
    ("/v2.1/servers/{server_id}/tags", "PUT"): op(
        "Replace a server's tags",
        TAGS,
        request=extra_schemas.TAGS.described(),
        description="At most 50 tags of 1 to 60 characters.",
    ),
    ("/v2.1/servers/{server_id}/tags", "DELETE"): op("Delete a server's tags", status=204),
    ("/v2.1/servers/{server_id}/tags/{tag}", "GET"): op(
        "Check a server tag", status=204, reply="The server has the tag (404 if not)"
    ),
    ("/v2.1/servers/{server_id}/tags/{tag}", "PUT"): Op(
        "Add a server tag",
        {201: Reply("Added", headers=LOCATION), 204: Reply("The server already had it")},
        errors=(400,),
    ),
    ("/v2.1/servers/{server_id}/tags/{tag}", "DELETE"): op("Delete a server tag", status=204),
    ("/v2.1/servers/{server_id}/ips", "GET"): op("List a server's addresses", envelope("addresses", ref("Addresses"))),
    ("/v2.1/servers/{server_id}/ips/{network}", "GET"): op(
        "Show a server's addresses on one network",
        {**ADDRESSES, "minProperties": 1, "maxProperties": 1, "description": "{<network>: [address, ...]}"},
    ),
    ("/v2.1/servers/{server_id}/migrations", "GET"): op("List a server's migrations", MIGRATIONS),
    ("/v2.1/servers/{server_id}/os-security-groups", "GET"): op(
        "List a server's security groups",
        listing(
            "security_groups",
            obj(
                {
                    "id": UUID,
                    "name": STR,
                    "description": STR,
                    "tenant_id": STR,
                    "rules": array(
                        obj(
                            {
                                "id": UUID,
                                "parent_group_id": UUID,
                                "ip_protocol": NULLABLE_STR,
                                "from_port": {"type": ["integer", "null"]},
                                "to_port": {"type": ["integer", "null"]},
                                "group": obj({"name": STR, "tenant_id": STR}),
                                "ip_range": obj({"cidr": STR}),
                            },
                            "all",
                        )
                    ),
                },
                "all",
            ),
        ),
        description="The groups of the server's ports (Neutron's, at /network/v2.0/security-groups), with their "
        "ingress rules, as Nova shows them.",
    ),  # fmt: skip
    ("/v2.1/servers/{server_id}/os-server-password", "GET"): op(
        "Show a server's password",
        {"type": "object", "properties": {"password": STR}, "required": ["password"], "additionalProperties": False},
        description="The encrypted password the guest posted to the metadata service; empty until it has.",
    ),
    ("/v2.1/servers/{server_id}/os-server-password", "DELETE"): op(
        "Clear a server's password",
        status=204,
        description="Forgets the encrypted password; the guest's own password does not change.",
    ),
    ("/v2.1/os-migrations", "GET"): op(
        "List migrations",
        MIGRATIONS,
        parameters=(
            query("status", "Only migrations with this status", enum(*MIGRATION_STATUSES)),
            query("host", "Only migrations from or to this host"),
            query("source_compute", "Only migrations from this host"),
            query("instance_uuid", "Only this server's migrations", UUID),
            query("migration_type", "Only resizes or only migrations", enum("resize", "migration")),
            {**LIMIT, "description": "From 2.59: the most migrations to return (at most 1000)"},
            query("marker", "From 2.59: the uuid of the last migration seen; the page starts after it"),
            query("changes-since", "From 2.59: only migrations changed since then", DATE_TIME),
            query("changes-before", "From 2.66: only migrations changed before then", DATE_TIME),
            query("user_id", "From 2.80: only migrations this user asked for"),
            query("project_id", "From 2.80: only migrations asked for in this project"),
        ),
        errors=(400, 403),
        description="Newest first (before 2.59 at most 1000; from 2.59 in pages, other parameters refused). "
        "Managers see their project's; admins every project's, and only admins see the hosts.",
    ),
    ("/v2.1/servers/{server_id}/os-instance-actions", "GET"): op(
        "List a server's actions",
        listing("instanceActions", ref("InstanceAction"), links=described(LINKS, "From 2.58: the next page")),
        parameters=(
            {**LIMIT, "description": "From 2.58: the most actions to return (at most 1000)"},
            query("marker", "From 2.58: the request_id of the last action seen; the page starts after it"),
            query("changes-since", "From 2.58: only actions changed since then", DATE_TIME),
            query("changes-before", "From 2.66: only actions changed before then", DATE_TIME),
        ),
        errors=(400,),
        description="Newest first; from 2.21 a deleted server's too.",
    ),
    ("/v2.1/servers/{server_id}/os-instance-actions/{request_id}", "GET"): op(
        "Show a server action with its events", envelope("instanceAction", INSTANCE_ACTION_DETAIL)
    ),
}
