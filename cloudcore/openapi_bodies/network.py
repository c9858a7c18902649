"""Networking API v2.0 (a Neutron subset): version discovery, extensions, networks, subnets, ports,
security groups and their rules, and quotas (``apps/network/api/*.py``, ``apps/network/urls.py``). The
request bodies are the schemas the views validate with (``apps/network/api/request_schemas.py``)."""

from apps.network.api import request_schemas
from cloudcore.openapi_bodies.common import (
    BOOL,
    DATE_TIME,
    INT,
    LINKS,
    NULL,
    NULLABLE_INT,
    NULLABLE_STR,
    STR,
    UUID,
    Op,
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

FIELDS_NOTE = "With ?fields= only the members asked for are present."
OWNER = {"tenant_id": described(STR, "The same as project_id"), "project_id": STR}
EMPTY_LIST = array({}, maxItems=0, description="Always empty")
COMMON = {"tags": EMPTY_LIST, "revision_number": INT, "created_at": DATE_TIME, "updated_at": DATE_TIME}

NETWORK = obj(
    {
        "id": UUID,
        "name": STR,
        "description": STR,
        "status": STR,
        "subnets": array(UUID),
        "admin_state_up": BOOL,
        "shared": BOOL,
        **OWNER,
        "mtu": INT,
        "router:external": BOOL,
        "is_default": described(BOOL, "The default network servers get with networks 'auto'"),
        "availability_zones": EMPTY_LIST,
        "availability_zone_hints": EMPTY_LIST,
        "ipv4_address_scope": NULL,
        "ipv6_address_scope": NULL,
        "port_security_enabled": BOOL,
        "l2_adjacency": BOOL,
        "qos_policy_id": NULL,
        **COMMON,
    },
    description=FIELDS_NOTE,
)
SUBNET = obj(
    {
        "id": UUID,
        "name": STR,
        "description": STR,
        "network_id": UUID,
        **OWNER,
        "cidr": STR,
        "ip_version": enum(4, 6),
        "gateway_ip": NULLABLE_STR,
        "allocation_pools": array(obj({"start": STR, "end": STR}, "all"), minItems=1, maxItems=1),
        "enable_dhcp": BOOL,
        "dns_nameservers": array(STR),
        "host_routes": EMPTY_LIST,
        "ipv6_address_mode": NULL,
        "ipv6_ra_mode": NULL,
        "subnetpool_id": NULL,
        "segment_id": NULL,
        "service_types": EMPTY_LIST,
        **COMMON,
    },
    description=FIELDS_NOTE,
)
PORT = obj(
    {
        "id": UUID,
        "name": STR,
        "description": STR,
        "network_id": UUID,
        **OWNER,
        "mac_address": STR,
        "fixed_ips": array(obj({"subnet_id": UUID, "ip_address": STR}, "all")),
        "device_id": described(STR, "The server's id"),
        "device_owner": STR,
        "status": STR,
        "admin_state_up": BOOL,
        "allowed_address_pairs": EMPTY_LIST,
        "extra_dhcp_opts": EMPTY_LIST,
        "security_groups": described(array(UUID), "The ids of the port's security groups"),
        "port_security_enabled": BOOL,
        "binding:vnic_type": enum("normal"),
        **COMMON,
    },
    description=FIELDS_NOTE,
)
SECURITY_GROUP_RULE = obj(
    {
        "id": UUID,
        "security_group_id": UUID,
        **OWNER,
        "direction": enum("ingress", "egress"),
        "ethertype": enum("IPv4", "IPv6"),
        "protocol": described(NULLABLE_STR, "A name (tcp) or a number (6); null for every protocol"),
        "port_range_min": described(NULLABLE_INT, "The lowest port, or the ICMP type"),
        "port_range_max": described(NULLABLE_INT, "The highest port, or the ICMP code"),
        "remote_ip_prefix": NULLABLE_STR,
        "remote_group_id": {"type": ["string", "null"], "format": "uuid"},
        "remote_address_group_id": NULL,
        "description": STR,
        "belongs_to_default_sg": BOOL,
        "revision_number": INT,
        "created_at": DATE_TIME,
        "updated_at": DATE_TIME,
    },
    description=FIELDS_NOTE,
)
SECURITY_GROUP = obj(
    {
        "id": UUID,
        "name": STR,
        "description": STR,
        **OWNER,
        "stateful": BOOL,
        "shared": described(BOOL, "Always false: groups are not shared between projects here"),
        "security_group_rules": array(ref("SecurityGroupRule")),
        **COMMON,
    },
    description=FIELDS_NOTE,
)
NETWORK_CREATE = request_schemas.NETWORK_CREATE.described()
SUBNET_CREATE = request_schemas.SUBNET_CREATE.described()
PORT_CREATE = request_schemas.PORT_CREATE.described()
PORT_UPDATE = request_schemas.PORT_UPDATE.described()
SECURITY_GROUP_CREATE = request_schemas.SECURITY_GROUP_CREATE.described()
SECURITY_GROUP_UPDATE = request_schemas.SECURITY_GROUP_UPDATE.described()
SECURITY_GROUP_RULE_CREATE = request_schemas.SECURITY_GROUP_RULE_CREATE.described()
QUOTA_RESOURCES = ("network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule",
                   "rbac_policy", "subnetpool")  # fmt: skip
QUOTA = envelope("quota", obj({k: INT for k in QUOTA_RESOURCES}, "all"))
QUOTA_DETAIL = envelope(
    "quota",
    obj({k: obj({"limit": INT, "used": INT, "reserved": INT}, "all") for k in QUOTA_RESOURCES}, "all"),
)
VERSIONS = envelope("versions", array(obj({"id": STR, "status": STR, "links": LINKS}, "all")))
RESOURCES = envelope("resources", array(obj({"name": STR, "collection": STR, "links": LINKS}, "all")))
EXTENSION = obj({"name": STR, "alias": STR, "description": STR, "updated": STR, "links": array({})}, closed=False)

COMPONENTS = {"Network": NETWORK, "Subnet": SUBNET, "Port": PORT, "SecurityGroup": SECURITY_GROUP,
              "SecurityGroupRule": SECURITY_GROUP_RULE}  # fmt: skip


def _filters(*names: tuple[str, dict]) -> tuple:
    fields = query("fields", "Return only these members (repeatable)", array(STR), explode=True)
    described_filters = tuple(
        query(name, "Only items with this value (repeatable: any of them)", array(schema), explode=True)
        for name, schema in names
    )
    return (*described_filters, fields)


OWNER_FILTERS = (("project_id", STR), ("tenant_id", STR))
NETWORK_FILTERS = _filters(
    ("id", UUID),
    ("name", STR),
    ("shared", BOOL),
    ("status", STR),
    ("admin_state_up", BOOL),
    ("router:external", BOOL),
    *OWNER_FILTERS,
    ("mtu", INT),
)
SUBNET_FILTERS = _filters(("id", UUID), ("name", STR), ("network_id", UUID), ("cidr", STR), ("ip_version", INT),
                          ("gateway_ip", STR), ("enable_dhcp", BOOL), *OWNER_FILTERS)  # fmt: skip
PORT_FILTERS = _filters(("id", UUID), ("name", STR), ("network_id", UUID), ("device_id", STR),
                        ("device_owner", STR), ("mac_address", STR), ("status", STR), *OWNER_FILTERS,
                        ("security_groups", UUID))  # fmt: skip
SECURITY_GROUP_FILTERS = _filters(("id", UUID), ("name", STR), ("description", STR), ("stateful", BOOL),
                                  ("revision_number", INT), *OWNER_FILTERS, ("shared", BOOL))  # fmt: skip
SECURITY_GROUP_RULE_FILTERS = _filters(("id", UUID), ("security_group_id", UUID), ("remote_group_id", UUID),
                                       ("direction", STR), ("ethertype", STR), ("protocol", STR),
                                       ("port_range_min", INT), ("port_range_max", INT), ("remote_ip_prefix", STR),
                                       ("description", STR), *OWNER_FILTERS)  # fmt: skip
DEFAULT_GROUP_NOTE = "Listing first creates the project's default group (with its four rules) when it has none."
ONLY_FIELDS = _filters()

OPERATIONS = {
    ("/network/", "GET"): op("List Networking API versions", VERSIONS),
    ("/network/v2.0/", "GET"): op("List the Networking API's collections", RESOURCES),
    ("/network/v2.0/extensions", "GET"): op(
        "List extensions", listing("extensions", EXTENSION), description="None: clients skip every optional feature."
    ),
    ("/network/v2.0/extensions/{alias}", "GET"): Op(
        "Show an extension", {}, description="This cloud has no extensions: always 404."
    ),
    ("/network/v2.0/networks", "GET"): op(
        "List networks",
        listing("networks", ref("Network")),
        parameters=NETWORK_FILTERS,
        errors=(400,),
        description="Shared networks and the caller's project's (every one for admins).",
    ),
    ("/network/v2.0/networks", "POST"): op(
        "Create a network",
        envelope("network", ref("Network")),
        status=201,
        request=NETWORK_CREATE,
        parameters=ONLY_FIELDS,
        errors=(403,),
    ),
    ("/network/v2.0/networks/{network_id}", "GET"): op(
        "Show a network", envelope("network", ref("Network")), parameters=ONLY_FIELDS
    ),
    ("/network/v2.0/networks/{network_id}", "DELETE"): op(
        "Delete a network", status=204, errors=(403, 409), description="409 NetworkInUse while it has ports."
    ),
    ("/network/v2.0/subnets", "GET"): op(
        "List subnets", listing("subnets", ref("Subnet")), parameters=SUBNET_FILTERS, errors=(400,)
    ),
    ("/network/v2.0/subnets", "POST"): op(
        "Create a subnet",
        envelope("subnet", ref("Subnet")),
        status=201,
        request=SUBNET_CREATE,
        parameters=ONLY_FIELDS,
        errors=(403, 404, 409),
        description="On a network the caller's project owns (any, for admins). One allocation pool; 404 for an "
        "unknown network_id, 409 when the gateway is in the pool.",
    ),
    ("/network/v2.0/subnets/{subnet_id}", "GET"): op(
        "Show a subnet", envelope("subnet", ref("Subnet")), parameters=ONLY_FIELDS
    ),
    ("/network/v2.0/subnets/{subnet_id}", "DELETE"): op(
        "Delete a subnet", status=204, errors=(403, 409), description="409 SubnetInUse while ports hold addresses."
    ),
    ("/network/v2.0/ports", "GET"): op(
        "List ports",
        listing("ports", ref("Port")),
        parameters=PORT_FILTERS,
        errors=(400,),
        description="The caller's project's (every one for admins).",
    ),
    ("/network/v2.0/ports", "POST"): op(
        "Create a port",
        envelope("port", ref("Port")),
        status=201,
        request=PORT_CREATE,
        parameters=ONLY_FIELDS,
        errors=(404, 409),
        description="On a network the caller may use, with the lowest free address; the project's default "
        "security group unless security_groups names others. 404 for an unknown network or group, 409 "
        "OverQuota or when the network has no free address.",
    ),
    ("/network/v2.0/ports/{port_id}", "GET"): op("Show a port", envelope("port", ref("Port")), parameters=ONLY_FIELDS),
    ("/network/v2.0/ports/{port_id}", "PUT"): op(
        "Update a port",
        envelope("port", ref("Port")),
        request=PORT_UPDATE,
        parameters=ONLY_FIELDS,
        errors=(403, 409),
        description="security_groups replaces the port's groups; 409 SecurityGroupConflict when they mix "
        "stateful and stateless groups.",
    ),
    ("/network/v2.0/ports/{port_id}", "DELETE"): op("Delete a port", status=204, errors=(403,)),
    ("/network/v2.0/security-groups", "GET"): op(
        "List security groups",
        listing("security_groups", ref("SecurityGroup")),
        parameters=SECURITY_GROUP_FILTERS,
        errors=(400,),
        description=f"The caller's project's (every one for admins). {DEFAULT_GROUP_NOTE}",
    ),
    ("/network/v2.0/security-groups", "POST"): op(
        "Create a security group",
        envelope("security_group", ref("SecurityGroup")),
        status=201,
        request=SECURITY_GROUP_CREATE,
        parameters=ONLY_FIELDS,
        errors=(409,),
        description="With two rules: egress to anywhere, IPv4 and IPv6. 409 SecurityGroupDefaultAlreadyExists "
        "for the name 'default', OverQuota past the project's security_group or security_group_rule limit.",
    ),
    ("/network/v2.0/security-groups/{security_group_id}", "GET"): op(
        "Show a security group", envelope("security_group", ref("SecurityGroup")), parameters=ONLY_FIELDS
    ),
    ("/network/v2.0/security-groups/{security_group_id}", "PUT"): op(
        "Update a security group",
        envelope("security_group", ref("SecurityGroup")),
        request=SECURITY_GROUP_UPDATE,
        parameters=ONLY_FIELDS,
        errors=(403, 409),
        description="409 SecurityGroupCannotUpdateDefault to rename the default group, SecurityGroupInUse to "
        "change stateful while a port uses the group.",
    ),
    ("/network/v2.0/security-groups/{security_group_id}", "DELETE"): op(
        "Delete a security group",
        status=204,
        errors=(403, 409),
        description="With its rules. 409 SecurityGroupInUse while a port uses it, SecurityGroupCannotRemoveDefault "
        "for the default group unless the caller is an admin.",
    ),
    ("/network/v2.0/security-group-rules", "GET"): op(
        "List security group rules",
        listing("security_group_rules", ref("SecurityGroupRule")),
        parameters=SECURITY_GROUP_RULE_FILTERS,
        errors=(400,),
        description=f"The rules of the caller's project's groups (every one for admins). {DEFAULT_GROUP_NOTE}",
    ),
    ("/network/v2.0/security-group-rules", "POST"): op(
        "Create a security group rule",
        envelope("security_group_rule", ref("SecurityGroupRule")),
        status=201,
        request=SECURITY_GROUP_RULE_CREATE,
        parameters=ONLY_FIELDS,
        errors=(403, 404, 409),
        description="In a group the caller may change. 400 with Neutron's error types for a bad protocol, "
        "ethertype, port range or prefix; 404 for an unknown group or remote group; 409 SecurityGroupRuleExists "
        "for a rule the group already has, OverQuota past the security_group_rule limit.",
    ),
    ("/network/v2.0/security-group-rules/{security_group_rule_id}", "GET"): op(
        "Show a security group rule", envelope("security_group_rule", ref("SecurityGroupRule")), parameters=ONLY_FIELDS
    ),
    ("/network/v2.0/security-group-rules/{security_group_rule_id}", "DELETE"): op(
        "Delete a security group rule", status=204, errors=(403,)
    ),
    ("/network/v2.0/quotas/{project_id}", "GET"): op(
        "Show a project's network quotas", QUOTA, errors=(403,), description="Neutron's defaults; -1 is unlimited."
    ),
    ("/network/v2.0/quotas/{project_id}/details", "GET"): op(
        "Show a project's network quotas with usage",
        QUOTA_DETAIL,
        errors=(403,),
        description="Also at /details.json.",
    ),
}
