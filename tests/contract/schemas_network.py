"""Response schemas for the Networking API v2.0 subset under ``/network``, written from Neutron's published API
reference (neutron-lib ``api-ref/source/v2``: ``versions.inc``, ``extensions.inc``, ``networks.inc``,
``subnets.inc``, ``ports.inc``, ``security-groups.inc``, ``security-group-rules.inc``, ``quotas.inc``,
``quota_details.inc``, ``parameters.yaml`` and the samples).

``SCHEMAS`` maps (URL name, HTTP method) to a schema in Tempest's format.

Every object is closed and allows every attribute the reference documents for the resource. ``required`` holds
the attributes that do not depend on an API extension: the reference's pages say which extension adds which
attribute (``mtu`` by ``net-mtu``, ``created_at`` by ``standard-attr-timestamp``, the ``binding:`` attributes
by ``binding``...), so those may be absent. The ``fields`` query parameter also trims bodies; these schemas are
for responses without it.
"""

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# "UTC ISO8601": the reference's samples omit the zone, Neutron itself appends Z.
ISO8601_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
MAC_PATTERN = "^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$"

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
UUID = {"type": "string", "pattern": UUID_PATTERN}
NULLABLE_UUID = {"type": ["string", "null"], "pattern": UUID_PATTERN}
TIMESTAMP = {"type": "string", "pattern": ISO8601_PATTERN}
STATUS = {"enum": ["ACTIVE", "DOWN", "BUILD", "ERROR"]}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    """An object with exactly these fields, ``required`` (all of them by default) always present."""
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = list(properties) if required is None else required
    if required:  # draft 4, Tempest's, wants a non-empty list or none
        schema["required"] = required
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


STRINGS = array(STRING)
LINK = closed({"href": STRING, "rel": STRING})
LINKS = array(LINK)
# Attributes every resource with Neutron's standard attributes has: always described, revision_number; the
# timestamps (standard-attr-timestamp) and tags (standard-attr-tag) come with extensions.
STANDARD = {
    "description": STRING,
    "revision_number": INTEGER,
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
    "tags": STRINGS,
}
OWNER = {"project_id": STRING, "tenant_id": STRING}  # "The values will always be identical" (intro.inc)


def envelope(key: str, schema: dict) -> dict:
    return closed({key: schema})


def collection(key: str, schema: dict, paginated: bool = True) -> dict:
    """``{key: [...]}``, with ``<key>_links`` when a resource list is paginated (intro.inc, Pagination)."""
    if not paginated:
        return closed({key: array(schema)})
    return closed({key: array(schema), f"{key}_links": LINKS}, [key])


# -- discovery ---------------------------------------------------------------------------------

VERSION = closed(
    {
        "id": {"type": "string", "pattern": r"^v\d+\.\d+$"},
        "status": {"enum": ["CURRENT", "STABLE", "DEPRECATED"]},
        "links": LINKS,
    }
)
RESOURCE = closed({"name": STRING, "collection": STRING, "links": LINKS})
EXTENSION = closed({"name": STRING, "links": LINKS, "alias": STRING, "updated": STRING, "description": STRING})

# -- networks (networks.inc) -------------------------------------------------------------------

SEGMENT = closed(
    {
        "provider:network_type": STRING,
        "provider:physical_network": NULLABLE_STRING,
        "provider:segmentation_id": {"type": ["integer", "null"]},
    },
    [],
)
NETWORK = closed(
    {
        "id": UUID,
        "name": STRING,
        "admin_state_up": BOOLEAN,
        "shared": BOOLEAN,
        "status": STATUS,
        "subnets": array(UUID),
        **OWNER,
        **STANDARD,
        # by extension:
        "availability_zone_hints": STRINGS,
        "availability_zones": STRINGS,
        "dns_domain": STRING,
        "ipv4_address_scope": NULLABLE_UUID,
        "ipv6_address_scope": NULLABLE_UUID,
        "is_default": BOOLEAN,
        "l2_adjacency": BOOLEAN,
        "mtu": INTEGER,
        "port_security_enabled": BOOLEAN,
        **SEGMENT["properties"],
        "segments": array(SEGMENT),
        "pvlan": BOOLEAN,
        "qinq": BOOLEAN,
        "qos_policy_id": NULLABLE_UUID,
        "router:external": BOOLEAN,
        "vlan_transparent": BOOLEAN,
    },
    [
        "id",
        "name",
        "admin_state_up",
        "shared",
        "status",
        "subnets",
        "project_id",
        "tenant_id",
        "description",
        "revision_number",
    ],
)

# -- subnets (subnets.inc) ---------------------------------------------------------------------

IPV6_MODE = {"enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None]}
SUBNET = closed(
    {
        "id": UUID,
        "name": STRING,
        "network_id": UUID,
        **OWNER,
        "cidr": STRING,
        "ip_version": {"enum": [4, 6]},
        "gateway_ip": NULLABLE_STRING,
        "allocation_pools": array(closed({"start": STRING, "end": STRING})),
        "enable_dhcp": BOOLEAN,
        "dns_nameservers": STRINGS,
        "host_routes": array(closed({"destination": STRING, "nexthop": STRING})),
        "ipv6_address_mode": IPV6_MODE,
        "ipv6_ra_mode": IPV6_MODE,
        "subnetpool_id": NULLABLE_UUID,
        **STANDARD,
        # by extension:
        "segment_id": NULLABLE_UUID,
        "service_types": STRINGS,
        "dns_publish_fixed_ip": BOOLEAN,
        "router:external": BOOLEAN,
    },
    [
        "id",
        "name",
        "network_id",
        "project_id",
        "tenant_id",
        "cidr",
        "ip_version",
        "gateway_ip",
        "allocation_pools",
        "enable_dhcp",
        "dns_nameservers",
        "host_routes",
        "ipv6_address_mode",
        "ipv6_ra_mode",
        "subnetpool_id",
        "description",
        "revision_number",
    ],
)

# -- ports (ports.inc) -------------------------------------------------------------------------

RESOURCE_GROUP = closed(
    {"id": STRING, "required": STRINGS, "resources": {"type": "object", "additionalProperties": INTEGER}}
)
PORT = closed(
    {
        "id": UUID,
        "name": STRING,
        "network_id": UUID,
        **OWNER,
        "admin_state_up": BOOLEAN,
        "mac_address": {"type": "string", "pattern": MAC_PATTERN},
        "fixed_ips": array(closed({"ip_address": STRING, "subnet_id": UUID})),
        "device_id": STRING,
        "device_owner": STRING,
        "status": STATUS,
        "security_groups": array(UUID),
        **STANDARD,
        # by extension:
        "allowed_address_pairs": array(closed({"ip_address": STRING, "mac_address": STRING}, ["ip_address"])),
        "binding:host_id": NULLABLE_STRING,
        "binding:profile": {"type": "object"},  # "The networking API does not define a specific format"
        "binding:vif_details": closed({"port_filter": BOOLEAN, "ovs_hybrid_plug": BOOLEAN}, []),
        "binding:vif_type": STRING,
        "binding:vnic_type": {
            "enum": [
                "normal",
                "macvtap",
                "direct",
                "baremetal",
                "direct-physical",
                "virtio-forwarder",
                "smart-nic",
                "remote-managed",
            ]
        },
        "data_plane_status": {"enum": ["ACTIVE", "DOWN", None]},
        "device_profile": NULLABLE_STRING,
        "dns_assignment": array(closed({"hostname": STRING, "ip_address": STRING, "fqdn": STRING})),
        "dns_domain": STRING,
        "dns_name": STRING,
        "extra_dhcp_opts": array(
            closed({"opt_name": STRING, "opt_value": STRING, "ip_version": {"enum": [4, 6]}}, ["opt_name", "opt_value"])
        ),
        "hardware_offload_type": NULLABLE_STRING,
        "hints": closed(
            {"openvswitch": closed({"other_config": closed({"tx-steering": {"enum": ["hash", "thread"]}}, [])}, [])}, []
        ),
        "ip_allocation": {"enum": ["deferred", "immediate", "none"]},
        "mac_learning_enabled": BOOLEAN,
        "numa_affinity_policy": {"enum": ["required", "preferred", "legacy", "socket", None]},
        "port_security_enabled": BOOLEAN,
        "port_trusted_vif": BOOLEAN,
        "trusted": {"type": ["boolean", "null"]},
        "propagate_uplink_status": BOOLEAN,
        "pvlan_type": {"enum": ["isolated", "promiscuous", "community", "", None]},
        "pvlan_community": NULLABLE_STRING,
        "qos_network_policy_id": NULLABLE_UUID,
        "qos_policy_id": NULLABLE_UUID,
        "resource_request": {
            "anyOf": [{"type": "null"}, closed({"request_groups": array(RESOURCE_GROUP), "same_subtree": STRINGS})]
        },
    },
    [
        "id",
        "name",
        "network_id",
        "project_id",
        "tenant_id",
        "admin_state_up",
        "mac_address",
        "fixed_ips",
        "device_id",
        "device_owner",
        "status",
        "security_groups",
        "description",
        "revision_number",
    ],
)

# -- security groups (security-groups.inc, security-group-rules.inc) ---------------------------

ETHERTYPE = {"enum": ["IPv4", "IPv6"]}
NULLABLE_PORT = {"type": ["integer", "null"], "minimum": 0, "maximum": 65535}
SECURITY_GROUP_RULE = closed(
    {
        "id": UUID,
        "security_group_id": UUID,
        **OWNER,
        "direction": {"enum": ["ingress", "egress"]},
        "ethertype": ETHERTYPE,
        # "a string, an integer, or null" (protocol), shown as Neutron stores it: a string
        "protocol": NULLABLE_STRING,
        "port_range_min": NULLABLE_PORT,
        "port_range_max": NULLABLE_PORT,
        "remote_ip_prefix": NULLABLE_STRING,
        "remote_group_id": NULLABLE_UUID,
        **STANDARD,
        # by extension:
        "remote_address_group_id": NULLABLE_UUID,  # security-groups-remote-address-group
        "belongs_to_default_sg": BOOLEAN,  # security-groups-rules-belongs-to-default-sg
    },
    [
        "id",
        "security_group_id",
        "project_id",
        "tenant_id",
        "direction",
        "ethertype",
        "protocol",
        "port_range_min",
        "port_range_max",
        "remote_ip_prefix",
        "remote_group_id",
        "description",
        "revision_number",
    ],
)
SECURITY_GROUP = closed(
    {
        "id": UUID,
        "name": STRING,
        **OWNER,
        "security_group_rules": array(SECURITY_GROUP_RULE),
        **STANDARD,
        # by extension:
        "stateful": BOOLEAN,  # stateful-security-group
        "shared": BOOLEAN,  # security-groups-shared-filtering
    },
    ["id", "name", "project_id", "tenant_id", "security_group_rules", "description", "revision_number"],
)

# -- quotas (quotas.inc, quota_details.inc) ----------------------------------------------------

QUOTA_RESOURCES = [
    "floatingip",
    "network",
    "port",
    "rbac_policy",
    "router",
    "security_group",
    "security_group_rule",
    "subnet",
    "subnetpool",
]
LIMIT = {"type": "integer", "minimum": -1}  # -1: no limit
QUOTA = closed(dict.fromkeys(QUOTA_RESOURCES, LIMIT))
QUOTA_DETAIL = closed(
    dict.fromkeys(
        QUOTA_RESOURCES, closed({"limit": LIMIT, "used": {"type": "integer", "minimum": 0}, "reserved": INTEGER})
    )
)

# -- the registry ------------------------------------------------------------------------------

NO_CONTENT = {"status_code": [204]}

SCHEMAS: dict[tuple[str, str], dict] = {
    ("neutron-versions", "GET"): {
        "status_code": [200],
        "response_body": collection("versions", VERSION, paginated=False),
    },
    ("neutron-resources", "GET"): {
        "status_code": [200],
        "response_body": collection("resources", RESOURCE, paginated=False),
    },
    ("neutron-extensions", "GET"): {
        "status_code": [200],
        "response_body": collection("extensions", EXTENSION, paginated=False),
    },
    ("neutron-extension", "GET"): {"status_code": [200], "response_body": envelope("extension", EXTENSION)},
    ("neutron-network-list", "GET"): {"status_code": [200], "response_body": collection("networks", NETWORK)},
    ("neutron-network-list", "POST"): {"status_code": [201], "response_body": envelope("network", NETWORK)},
    ("neutron-network", "GET"): {"status_code": [200], "response_body": envelope("network", NETWORK)},
    ("neutron-network", "DELETE"): NO_CONTENT,
    ("neutron-subnet-list", "GET"): {"status_code": [200], "response_body": collection("subnets", SUBNET)},
    ("neutron-subnet-list", "POST"): {"status_code": [201], "response_body": envelope("subnet", SUBNET)},
    ("neutron-subnet", "GET"): {"status_code": [200], "response_body": envelope("subnet", SUBNET)},
    ("neutron-subnet", "DELETE"): NO_CONTENT,
    ("neutron-port-list", "GET"): {"status_code": [200], "response_body": collection("ports", PORT)},
    ("neutron-port-list", "POST"): {"status_code": [201], "response_body": envelope("port", PORT)},
    ("neutron-port", "GET"): {"status_code": [200], "response_body": envelope("port", PORT)},
    ("neutron-port", "PUT"): {"status_code": [200], "response_body": envelope("port", PORT)},
    ("neutron-port", "DELETE"): NO_CONTENT,
    ("neutron-security-group-list", "GET"): {
        "status_code": [200],
        "response_body": collection("security_groups", SECURITY_GROUP),
    },
    ("neutron-security-group-list", "POST"): {
        "status_code": [201],
        "response_body": envelope("security_group", SECURITY_GROUP),
    },
    ("neutron-security-group", "GET"): {
        "status_code": [200],
        "response_body": envelope("security_group", SECURITY_GROUP),
    },
    ("neutron-security-group", "PUT"): {
        "status_code": [200],
        "response_body": envelope("security_group", SECURITY_GROUP),
    },
    ("neutron-security-group", "DELETE"): NO_CONTENT,
    ("neutron-security-group-rule-list", "GET"): {
        "status_code": [200],
        "response_body": collection("security_group_rules", SECURITY_GROUP_RULE),
    },
    ("neutron-security-group-rule-list", "POST"): {
        "status_code": [201],
        "response_body": envelope("security_group_rule", SECURITY_GROUP_RULE),
    },
    ("neutron-security-group-rule", "GET"): {
        "status_code": [200],
        "response_body": envelope("security_group_rule", SECURITY_GROUP_RULE),
    },
    ("neutron-security-group-rule", "DELETE"): NO_CONTENT,
    ("neutron-quota", "GET"): {"status_code": [200], "response_body": envelope("quota", QUOTA)},
    ("neutron-quota-details", "GET"): {"status_code": [200], "response_body": envelope("quota", QUOTA_DETAIL)},
}
