"""What the request bodies must also satisfy beyond their schemas (``request_schemas.py``, which the
views check first): ownership, admin-only attributes, addresses that must fit the subnet, and a
security group rule's conversions and checks, with Neutron's error types and messages."""

import ipaddress

from apps.identity.models import Project
from apps.network.api.base import NeutronError, bad_request, invalid_input, not_authorized
from apps.network.ipam import default_pool
from apps.network.security_groups import DEFAULT_NAME


def owner(ctx, spec: dict) -> str | None:
    """The project a new resource belongs to: the caller's, or (admins only) the one named."""
    named = {spec[key] for key in ("project_id", "tenant_id") if spec.get(key)}
    if len(named) > 1:
        raise bad_request("'project_id' and 'tenant_id' do not match.")
    if not named:
        return ctx.project_id
    project_id = named.pop()
    if project_id == ctx.project_id:
        return project_id
    if not ctx.is_admin:
        raise bad_request(
            "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request "
            "requires admin privileges"
        )
    if not Project.objects.filter(pk=project_id).exists():
        raise bad_request(f"Project {project_id} could not be found.")
    return project_id


def network_fields(ctx, spec: dict) -> dict:
    """The new network's fields from the ``network`` of a body ``NETWORK_CREATE`` accepted."""
    fields = {
        "name": spec.get("name") or "",
        "description": spec.get("description") or "",
        "admin_state_up": spec.get("admin_state_up", True),
        "shared": spec.get("shared", False),
        "router_external": spec.get("router:external", False),
        "project_id": owner(ctx, spec),
        "mtu": int(spec.get("mtu", 1500)),  # 1450.0 is an integer to JSON schema
    }
    if fields["shared"] and not ctx.is_admin:
        raise not_authorized("rule:create_network and rule:create_network:shared")
    if fields["router_external"] and not ctx.is_admin:
        raise not_authorized("rule:create_network and rule:create_network:router:external")
    return fields


def _inside(network, address, what: str) -> None:
    if address.version != network.version or address not in network:
        raise invalid_input(f"{what} {address} is not in subnet {network}.")
    edges = (network.network_address, network.broadcast_address)
    if network.version == 4 and network.prefixlen < 31 and address in edges:
        raise invalid_input(f"{what} {address} is the network or broadcast address of subnet {network}.")


def _gateway(spec: dict, network):
    if "gateway_ip" not in spec:
        return next(iter(network.hosts()), network.network_address)
    if spec["gateway_ip"] is None:
        return None
    gateway = ipaddress.ip_address(spec["gateway_ip"])
    _inside(network, gateway, "Gateway ip")
    return gateway


def _pool(spec: dict, network, gateway) -> tuple[str, str]:
    pools = spec.get("allocation_pools")
    if pools is None:
        return default_pool(network, gateway)
    (pool,) = pools  # the schema allows one
    start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
    for address in (start, end):
        if address.version != network.version or address not in network:
            raise invalid_input(f"The allocation pool {start}-{end} spans beyond the subnet cidr {network}.")
        _inside(network, address, "Allocation pool address")
    if start > end:
        raise invalid_input(f"The allocation pool {start}-{end} starts after it ends.")
    if gateway is not None and start <= gateway <= end:
        message = f"Gateway ip {gateway} conflicts with allocation pool {start}-{end}."
        raise NeutronError(409, "GatewayConflictWithAllocationPools", message)
    return str(start), str(end)


def subnet_fields(spec: dict, existing_cidrs: list[str]) -> dict:
    """The new subnet's fields (without its network) from the ``subnet`` of a body ``SUBNET_CREATE``
    accepted; ``existing_cidrs`` are its network's subnets."""
    network = ipaddress.ip_network(spec["cidr"])
    version = int(spec.get("ip_version", 4))
    if version != network.version:
        raise invalid_input(f"cidr {network} is not an IPv{version} subnet.")
    for other in existing_cidrs:
        if ipaddress.ip_network(other).overlaps(network):
            raise invalid_input(f"Requested subnet with cidr: {network} overlaps with another subnet ({other}).")
    gateway = _gateway(spec, network)
    start, end = _pool(spec, network, gateway)
    return {
        "name": spec.get("name") or "",
        "description": spec.get("description") or "",
        "cidr": str(network),
        "ip_version": version,
        "gateway_ip": str(gateway) if gateway is not None else None,
        "pool_start": start,
        "pool_end": end,
        "enable_dhcp": spec.get("enable_dhcp", True),
        "dns_nameservers": [str(ipaddress.ip_address(server)) for server in spec.get("dns_nameservers") or []],
    }


# -- ports -------------------------------------------------------------------------------------------

# Attributes a new port may not choose here: the cloud picks the address and MAC, and only the compute
# service binds a port to an instance.
_CHOSEN_BY_THE_CLOUD = ("fixed_ips", "mac_address", "device_id", "device_owner")


def port_fields(ctx, spec: dict) -> dict:
    """The new port's owner, name and state from the ``port`` of a body ``PORT_CREATE`` accepted."""
    for key in _CHOSEN_BY_THE_CLOUD:
        if spec.get(key) not in (None, "", []):
            raise invalid_input(f"{key} cannot be chosen for a port here.")
    return {
        "project_id": owner(ctx, spec),
        "name": spec.get("name") or "",
        "admin_state_up": spec.get("admin_state_up", True),
    }


# -- security groups ---------------------------------------------------------------------------------


def security_group_fields(spec: dict) -> dict:
    """The name, description and statefulness a ``security_group`` body sets (only those it has)."""
    fields = {}
    if "name" in spec:
        fields["name"] = spec["name"] or ""
        if fields["name"].lower() == DEFAULT_NAME:
            raise NeutronError(409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
    if "description" in spec:
        fields["description"] = spec["description"] or ""
    if "stateful" in spec:
        fields["stateful"] = spec["stateful"]
    return fields


# Neutron's protocols (neutron_lib.constants.IP_PROTOCOL_MAP, in its order) and what they say of them.
PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "igmp": 2, "ip": 0,
             "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58, "ipv6-nonxt": 59,
             "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6,
             "udp": 17, "udplite": 136, "vrrp": 112}  # fmt: skip
SUPPORTED_PROTOCOLS = (None, "any", *PROTOCOLS)
PORT_PROTOCOLS = ("dccp", "sctp", "tcp", "udp", "udplite")
ICMP_NUMBERS = (1, 58)
IPV6_ONLY_PROTOCOLS = {"ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route",
                       "41", "44", "58", "59", "60", "43"}  # fmt: skip
ETHERTYPES = ("IPv4", "IPv6")


def _invalid(kind: str, message: str) -> NeutronError:
    return NeutronError(400, kind, message)


def _protocol(value) -> str | None:
    """Neutron's convert_protocol: None for any protocol, a known name (lowered) or a number 0 to 255."""
    if value in (None, "any"):
        return None
    number = value if isinstance(value, int) else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.lstrip("+-").isdigit():
            number = int(text)
        elif value.lower() in PROTOCOLS:
            return value.lower()
    if number is not None and 0 <= number <= 255:
        return str(number)
    raise _invalid(
        "SecurityGroupRuleInvalidProtocol",
        f"Security group rule protocol {value} not supported. Only protocol values {SUPPORTED_PROTOCOLS} and "
        "integer representations [0 to 255] are supported.",
    )


def _port(value) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    if text.lstrip("+-").isdigit() and text.isascii() and 0 <= int(text) <= 65535:
        return int(text)
    raise _invalid("SecurityGroupInvalidPortValue", f"Invalid value for port {value}")


def _ethertype(value) -> str:
    for ethertype in ETHERTYPES:
        if isinstance(value, str) and value.lower() == ethertype.lower():
            return ethertype
    raise _invalid(
        "SecurityGroupRuleInvalidEtherType",
        f"Security group rule for ethertype '{value}' not supported. Allowed values are {list(ETHERTYPES)}.",
    )


def _prefix(value):
    if not value:
        return None
    try:
        return ipaddress.ip_interface(value.strip())
    except ValueError:
        raise NeutronError(400, "InvalidCIDR", f"Invalid CIDR {value} given as IP prefix.") from None


def _protocol_number(protocol: str | None) -> int | None:
    if protocol is None:
        return None
    return PROTOCOLS[protocol] if protocol in PROTOCOLS else int(protocol)


def _check_ports(protocol: str | None, low: int | None, high: int | None) -> None:
    """Neutron's _validate_port_range."""
    if low is None and high is None:
        return
    if protocol is None:
        raise _invalid("SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given.")
    number = _protocol_number(protocol)
    if number in {PROTOCOLS[name] for name in PORT_PROTOCOLS}:
        if low == 0 or high == 0:
            raise _invalid("SecurityGroupInvalidPortValue", "Invalid value for port 0")
        if low is None or high is None or low > high:
            raise _invalid(
                "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max"
            )
    elif number in ICMP_NUMBERS:
        for attr, field, value in (("port_range_min", "type", low), ("port_range_max", "code", high)):
            if value is not None and not 0 <= value <= 255:
                raise _invalid(
                    "SecurityGroupInvalidIcmpValue",
                    f"Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255.",
                )
        if low is None:
            raise _invalid(
                "SecurityGroupMissingIcmpType",
                f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) is missing.",
            )
    else:
        supported = ", ".join(name.upper() for name in PORT_PROTOCOLS)
        raise _invalid(
            "SecurityGroupInvalidProtocolForPort",
            f"Ports cannot be specified for protocol {number}. Ports are only supported for {supported}.",
        )


def rule_fields(spec: dict) -> dict:
    """A rule's direction, ethertype, protocol, ports, remote prefix and description from the
    ``security_group_rule`` of a body ``SECURITY_GROUP_RULE_CREATE`` accepted, converted and checked in
    Neutron's order (its converters first, then its checks): the group, the remote group and the owner
    are the view's."""
    protocol = _protocol(spec.get("protocol"))
    low, high = _port(spec.get("port_range_min")), _port(spec.get("port_range_max"))
    ethertype = _ethertype(spec.get("ethertype", "IPv4"))
    prefix = _prefix(spec.get("remote_ip_prefix"))
    if ethertype == "IPv6" and protocol in ("icmp", "icmpv6", "1"):  # the legacy names of IPv6's ICMP
        protocol = "58" if protocol == "1" else "ipv6-icmp"
    if (low, high) == (1, 65535):  # the whole range is no range
        low = high = None
    _check_ports(protocol, low, high)
    if prefix is not None and ethertype != f"IPv{prefix.version}":
        message = f"Conflicting value ethertype {ethertype} for CIDR {prefix}"
        raise _invalid("SecurityGroupRuleParameterConflict", message)
    if protocol in IPV6_ONLY_PROTOCOLS and ethertype == "IPv4":
        raise _invalid("SecurityGroupEthertypeConflictWithProtocol", f"Invalid ethertype IPv4 for protocol {protocol}.")
    if prefix is not None and spec.get("remote_group_id"):
        raise _invalid(
            "SecurityGroupMultipleRemoteEntites",
            "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.",
        )
    return {
        "direction": spec["direction"],
        "ethertype": ethertype,
        "protocol": protocol,
        "port_range_min": low,
        "port_range_max": high,
        "remote_ip_prefix": str(prefix) if prefix is not None else None,
        "description": spec.get("description") or "",
    }


def _rule_key(rule: dict) -> tuple:
    """What makes two rules of a group the same (Neutron's _rule_to_key): a protocol by its number, any
    address the same as no prefix."""
    protocol = rule["protocol"]
    prefix = rule["remote_ip_prefix"]
    return (
        rule["direction"],
        rule["ethertype"],
        rule["port_range_min"],
        rule["port_range_max"],
        _protocol_number(protocol) if protocol is not None else None,
        str(rule["remote_group_id"]) if rule["remote_group_id"] else None,
        None if prefix in (None, "0.0.0.0/0", "::/0") else prefix,
    )


def check_duplicate(fields: dict, existing) -> None:
    """``SecurityGroupRuleExists`` when one of ``existing`` (a group's rules) is the rule ``fields`` describe."""
    key = _rule_key(fields)
    for rule in existing:
        if _rule_key(rule.__dict__) == key:
            raise NeutronError(
                409, "SecurityGroupRuleExists", f"Security group rule already exists. Rule id is {rule.id}."
            )
