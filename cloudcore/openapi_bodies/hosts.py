"""Compute API v2.1, for operators: services, hypervisors, aggregates and availability zones
(``apps/hosts/api/services.py`` and ``views.py``)."""

from apps.hosts.api import schemas as host_schemas
from cloudcore.openapi_bodies.common import (
    BOOL,
    INT,
    LIMIT,
    LINKS,
    NULLABLE_STR,
    NULLABLE_TIMESTAMP,
    STR,
    STRING_MAP,
    TIMESTAMP,
    UUID,
    array,
    described,
    enum,
    envelope,
    listing,
    obj,
    op,
    query,
    ref,
)

UP_DOWN = enum("up", "down")
ENABLED_DISABLED = enum("enabled", "disabled")

PUBLIC_ID = {"type": ["integer", "string"], "description": "The integer id before microversion 2.53, a UUID from it"}
SERVICE = obj(
    {
        "id": PUBLIC_ID,
        "binary": STR,
        "host": STR,
        "zone": described(STR, "'internal' for services other than compute"),
        "status": ENABLED_DISABLED,
        "state": UP_DOWN,
        "updated_at": described(NULLABLE_TIMESTAMP, "When it last reported"),
        "disabled_reason": NULLABLE_STR,
        "forced_down": described(BOOL, "From microversion 2.11"),
    },
    ["id", "binary", "host", "zone", "status", "state", "updated_at", "disabled_reason"],
)
# What PUT /os-services/{enable,disable,disable-log-reason,force-down} answers with before 2.53.
SERVICE_CHANGED = obj(
    {"host": STR, "binary": STR, "status": ENABLED_DISABLED, "disabled_reason": STR, "forced_down": BOOL},
    ["host", "binary"],
    description="Before 2.53: what the legacy action changed",
)
HYPERVISOR_SERVERS = described(
    array(obj({"uuid": UUID, "name": STR}, "all")),
    "With with_servers=true (2.53+), or from /os-hypervisors/{pattern}/servers (before 2.53); absent when none "
    "before 2.75",
)
HYPERVISOR_BRIEF_PROPERTIES = {
    "id": PUBLIC_ID,
    "hypervisor_hostname": STR,
    "state": UP_DOWN,
    "status": ENABLED_DISABLED,
}
HYPERVISOR_BRIEF = obj(
    {**HYPERVISOR_BRIEF_PROPERTIES, "servers": HYPERVISOR_SERVERS}, list(HYPERVISOR_BRIEF_PROPERTIES)
)
COUNTERS = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used", "free_ram_mb",
            "free_disk_gb", "disk_available_least", "running_vms", "current_workload")  # fmt: skip
HYPERVISOR_DETAIL_PROPERTIES = {
    **HYPERVISOR_BRIEF_PROPERTIES,
    "host_ip": STR,
    "hypervisor_type": STR,
    "hypervisor_version": INT,
    "service": obj({"host": STR, "id": PUBLIC_ID, "disabled_reason": NULLABLE_STR}, "all"),
}
# Gone from 2.88 (placement has them), when uptime arrived.
HYPERVISOR_CAPACITY = {
    **{name: described(INT, "Before 2.88") for name in COUNTERS},
    "cpu_info": {"oneOf": [STR, obj({"arch": STR}, "all")],
                 "description": "Before 2.88: JSON text before 2.28, an object from it"},
}  # fmt: skip
HYPERVISOR = obj(
    {
        **HYPERVISOR_DETAIL_PROPERTIES,
        **HYPERVISOR_CAPACITY,
        "uptime": described(NULLABLE_STR, "From 2.88: the host's 'uptime' line; null when it does not answer"),
        "servers": HYPERVISOR_SERVERS,
    },
    list(HYPERVISOR_DETAIL_PROPERTIES),
)
HYPERVISORS_LINKS = described(LINKS, "From 2.33: the next page (not with hypervisor_hostname_pattern)")
HYPERVISOR_PAGING = (
    {**LIMIT, "description": "From 2.33: the most hypervisors to return (at most 1000)"},
    query("marker", "From 2.33: the id of the last hypervisor seen (its UUID from 2.53); the page starts after it"),
)
HYPERVISOR_STATISTICS = envelope(
    "hypervisor_statistics", obj({"count": INT, **{name: INT for name in COUNTERS}}, "all")
)
WITH_SERVERS = query("with_servers", "Include each hypervisor's servers", BOOL)

AGGREGATE = obj(
    {
        "id": INT,
        "uuid": described(UUID, "From microversion 2.41"),
        "name": STR,
        "availability_zone": NULLABLE_STR,
        "hosts": described(array(STR), "Not in a create's answer"),
        "metadata": described(STRING_MAP, "Not in a create's answer"),
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "deleted": {"const": False},
        "deleted_at": {"type": "null"},
    },
    ["id", "name", "availability_zone", "created_at", "updated_at", "deleted", "deleted_at"],
)
AGGREGATE_ENVELOPE = envelope("aggregate", ref("Aggregate"))

ZONE = obj(
    {
        "zoneName": STR,
        "zoneState": obj({"available": BOOL}, "all"),
        "hosts": {
            "type": ["object", "null"],
            "description": "null, or (detail) {<host>: {'nova-compute': {available, active, updated_at}}}",
            "additionalProperties": obj(
                {"nova-compute": obj({"available": BOOL, "active": BOOL, "updated_at": NULLABLE_TIMESTAMP}, "all")},
                "all",
            ),
        },
    },
    "all",
)

COMPONENTS = {
    "Service": SERVICE,
    "Hypervisor": HYPERVISOR,
    "HypervisorBrief": HYPERVISOR_BRIEF,
    "Aggregate": AGGREGATE,
    "AvailabilityZone": ZONE,
}

ADMIN = "Admins only."
OPERATIONS = {
    ("/v2.1/os-services", "GET"): op(
        "List services",
        listing("services", ref("Service")),
        parameters=(query("host", "Only this host's"), query("binary", "Only this binary's, e.g. cloudcore-compute")),
        errors=(403,),
        description=ADMIN,
    ),
    ("/v2.1/os-services/{service_id}", "PUT"): op(
        "Enable, disable or force down a service",
        envelope("service", {"oneOf": [ref("Service"), SERVICE_CHANGED]}),
        request=host_schemas.SERVICE_UPDATE.described(),
        errors=(403,),
        description=f"{ADMIN} From 2.53 the path names the service by its UUID and the body says what to change; "
        "before 2.53 the path names the action (enable, disable, disable-log-reason, force-down) and the body the "
        "service by host and binary.",
        operation_id="updateService",
    ),
    ("/v2.1/os-services/{service_id}", "DELETE"): op(
        "Delete a service", status=204, errors=(403, 409), description="Admins only; 409 while it hosts servers."
    ),
    ("/v2.1/os-hypervisors", "GET"): op(
        "List hypervisors",
        listing("hypervisors", ref("HypervisorBrief"), hypervisors_links=HYPERVISORS_LINKS),
        parameters=(
            query("hypervisor_hostname_pattern", "A substring of the host name"),
            WITH_SERVERS,
            *HYPERVISOR_PAGING,
        ),
        errors=(403,),
        description=ADMIN,
    ),
    ("/v2.1/os-hypervisors/detail", "GET"): op(
        "List hypervisors with details",
        listing("hypervisors", ref("Hypervisor"), hypervisors_links=HYPERVISORS_LINKS),
        parameters=(
            query("hypervisor_hostname_pattern", "A substring of the host name"),
            WITH_SERVERS,
            *HYPERVISOR_PAGING,
        ),
        errors=(403,),
        description=ADMIN,
    ),
    ("/v2.1/os-hypervisors/statistics", "GET"): op(
        "Show hypervisor totals",
        HYPERVISOR_STATISTICS,
        errors=(403, 404),
        description=f"{ADMIN} Before 2.88 (404 from it).",
    ),
    ("/v2.1/os-hypervisors/{hypervisor_id}", "GET"): op(
        "Show a hypervisor",
        envelope("hypervisor", ref("Hypervisor")),
        parameters=(WITH_SERVERS,),
        errors=(403,),
        description=ADMIN,
    ),
    ("/v2.1/os-hypervisors/{hypervisor_id}/uptime", "GET"): op(
        "Show a hypervisor's uptime",
        envelope(
            "hypervisor",
            obj(
                {**HYPERVISOR_BRIEF_PROPERTIES, "uptime": described(STR, "The host's 'uptime' line")},
                [*HYPERVISOR_BRIEF_PROPERTIES, "uptime"],
            ),
        ),
        errors=(400, 403),
        description=f"{ADMIN} Before 2.88 (then in the hypervisor's detail). Asked of the host's compute service: "
        "400 when it is down.",
    ),
    ("/v2.1/os-hypervisors/{pattern}/search", "GET"): op(
        "Search hypervisors by host name",
        listing("hypervisors", obj(HYPERVISOR_BRIEF_PROPERTIES, list(HYPERVISOR_BRIEF_PROPERTIES))),
        errors=(403,),
        description=f"{ADMIN} Before 2.53 (then hypervisor_hostname_pattern): those whose name contains the "
        "pattern; 404 for none.",
    ),
    ("/v2.1/os-hypervisors/{pattern}/servers", "GET"): op(
        "List the servers of hypervisors by host name",
        listing("hypervisors", ref("HypervisorBrief")),
        errors=(403,),
        description=f"{ADMIN} Before 2.53 (then with_servers): matching hypervisors with their servers; 404 for none.",
    ),
    ("/v2.1/os-aggregates", "GET"): op(
        "List aggregates", listing("aggregates", ref("Aggregate")), errors=(403,), description=ADMIN
    ),
    ("/v2.1/os-aggregates", "POST"): op(
        "Create an aggregate",
        AGGREGATE_ENVELOPE,
        request=host_schemas.AGGREGATE_CREATE.described(),
        errors=(403, 409),
        description="Admins only. An availability_zone makes the aggregate a zone.",
    ),
    ("/v2.1/os-aggregates/{aggregate_id}", "GET"): op(
        "Show an aggregate", AGGREGATE_ENVELOPE, errors=(403,), description=ADMIN
    ),
    ("/v2.1/os-aggregates/{aggregate_id}", "PUT"): op(
        "Update an aggregate",
        AGGREGATE_ENVELOPE,
        request=host_schemas.AGGREGATE_UPDATE.described(),
        errors=(403, 409),
        description="Admins only. 409 when a host would end up in two zones.",
    ),
    ("/v2.1/os-aggregates/{aggregate_id}", "DELETE"): op(
        "Delete an aggregate",
        reply="Deleted, no body",
        errors=(400, 403),
        description="Admins only; 400 while it has hosts.",
    ),
    ("/v2.1/os-aggregates/{aggregate_id}/action", "POST"): op(
        "Run an aggregate action",
        AGGREGATE_ENVELOPE,
        request=host_schemas.aggregate_actions_described(),
        errors=(403, 409),
        description="Admins only: add_host, remove_host or set_metadata.",
    ),
    ("/v2.1/os-aggregates/{aggregate_id}/images", "POST"): op(
        "Cache images on an aggregate's hosts",
        status=202,
        request=host_schemas.AGGREGATE_IMAGES.described(),
        errors=(400, 403),
        description="Admins only, from 2.81: every host of the aggregate that is up fetches the images into its "
        "image cache (fire and forget). 400 for an image named twice or not found.",
    ),
    ("/v2.1/os-availability-zone", "GET"): op(
        "List availability zones", listing("availabilityZoneInfo", ref("AvailabilityZone"))
    ),
    ("/v2.1/os-availability-zone/detail", "GET"): op(
        "List availability zones with their hosts",
        listing("availabilityZoneInfo", ref("AvailabilityZone")),
        errors=(403,),
        description=ADMIN,
    ),
}
