"""What the bodies of ``POST /networks`` and ``POST /subnets`` must also satisfy beyond their schemas
(``request_schemas.py``, which the views check first): ownership, admin-only attributes, and addresses
that must fit the subnet, with Neutron's messages."""

import ipaddress

from apps.identity.models import Project
from apps.network.api.base import NeutronError, bad_request, invalid_input, not_authorized
from apps.network.ipam import default_pool


def _owner(ctx, spec: dict) -> str | None:
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
        "project_id": _owner(ctx, spec),
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
