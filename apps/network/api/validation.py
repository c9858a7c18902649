"""Checks of the bodies of ``POST /networks`` and ``POST /subnets``, with Neutron's messages."""

import ipaddress

from apps.identity.models import Project
from apps.network.api.base import NeutronError, bad_request, invalid_input, not_authorized
from apps.network.ipam import default_pool


def resource(data, key: str) -> dict:
    """``data[key]`` as a dict, or 400 as Neutron says it."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise bad_request(f"Resource body required: an object under '{key}'.")
    return value


def _text(spec: dict, field: str, max_length: int = 255) -> str:
    value = spec.get(field)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        reason = f"'{value}' is not a string of at most {max_length} characters."
        raise bad_request(f"Invalid input for {field}. Reason: {reason}")
    return value


def _flag(spec: dict, field: str, default: bool) -> bool:
    value = spec.get(field, default)
    if not isinstance(value, bool):
        raise bad_request(f"Invalid input for {field}. Reason: '{value}' is not a valid boolean value.")
    return value


def _owner(ctx, spec: dict) -> str | None:
    """The project a new resource belongs to: the caller's, or (admins only) the one named."""
    for key in ("project_id", "tenant_id"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise bad_request(f"Invalid input for {key}. Reason: '{spec[key]}' is not a valid string.")
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
    if not isinstance(project_id, str) or not Project.objects.filter(pk=project_id).exists():
        raise bad_request(f"Project {project_id} could not be found.")
    return project_id


def network_fields(ctx, spec: dict) -> dict:
    fields = {
        "name": _text(spec, "name"),
        "description": _text(spec, "description"),
        "admin_state_up": _flag(spec, "admin_state_up", True),
        "shared": _flag(spec, "shared", False),
        "router_external": _flag(spec, "router:external", False),
        "project_id": _owner(ctx, spec),
    }
    mtu = spec.get("mtu", 1500)
    if isinstance(mtu, bool) or not isinstance(mtu, int) or not 68 <= mtu <= 65535:
        raise bad_request(f"Invalid input for mtu. Reason: '{mtu}' is not an integer between 68 and 65535.")
    fields["mtu"] = mtu
    if fields["shared"] and not ctx.is_admin:
        raise not_authorized("rule:create_network and rule:create_network:shared")
    if fields["router_external"] and not ctx.is_admin:
        raise not_authorized("rule:create_network and rule:create_network:router:external")
    return fields


def _ip(value, field: str):
    try:
        return ipaddress.ip_address(value)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid input for {field}. Reason: '{value}' is not a valid IP address.") from None


def _cidr(spec: dict):
    value = spec.get("cidr")
    if not isinstance(value, str) or not value:
        raise bad_request("Invalid input for operation: a cidr must be specified in the absence of a subnet pool.")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        pass
    try:
        recommended = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise bad_request(f"Invalid input for cidr. Reason: '{value}' is not a valid IP subnet.") from None
    raise bad_request(
        f"Invalid input for cidr. Reason: '{value}' isn't a recognized IP subnet cidr, '{recommended}' is recommended."
    )


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
    gateway = _ip(spec["gateway_ip"], "gateway_ip")
    _inside(network, gateway, "Gateway ip")
    return gateway


def _pool(spec: dict, network, gateway) -> tuple[str, str]:
    pools = spec.get("allocation_pools")
    if pools is None:
        return default_pool(network, gateway)
    if not isinstance(pools, list) or len(pools) != 1 or not isinstance(pools[0], dict):
        raise bad_request("Invalid input for allocation_pools. Reason: exactly one {start, end} pool is supported.")
    start = _ip(pools[0].get("start"), "allocation_pools")
    end = _ip(pools[0].get("end"), "allocation_pools")
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
    """The new subnet's fields (without its network); ``existing_cidrs`` are its network's subnets."""
    network = _cidr(spec)
    version = spec.get("ip_version", 4)
    if version not in (4, 6) or isinstance(version, bool):
        raise bad_request(f"Invalid input for ip_version. Reason: '{version}' is not in [4, 6].")
    if version != network.version:
        raise invalid_input(f"cidr {network} is not an IPv{version} subnet.")
    for other in existing_cidrs:
        if ipaddress.ip_network(other).overlaps(network):
            raise invalid_input(f"Requested subnet with cidr: {network} overlaps with another subnet ({other}).")
    gateway = _gateway(spec, network)
    start, end = _pool(spec, network, gateway)
    servers = spec.get("dns_nameservers") or []
    if not isinstance(servers, list):
        raise bad_request("Invalid input for dns_nameservers. Reason: a list of addresses is required.")
    return {
        "name": _text(spec, "name"),
        "description": _text(spec, "description"),
        "cidr": str(network),
        "ip_version": version,
        "gateway_ip": str(gateway) if gateway is not None else None,
        "pool_start": start,
        "pool_end": end,
        "enable_dhcp": _flag(spec, "enable_dhcp", True),
        "dns_nameservers": [str(_ip(server, "dns_nameservers")) for server in servers],
    }
