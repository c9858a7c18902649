"""Neutron's JSON shapes for networks, subnets, ports, security groups and their rules."""

from apps.network.api.base import iso
from apps.network.models import Network, Port, SecurityGroup, SecurityGroupRule, Subnet


def _owner(project_id) -> dict:
    owner = project_id or ""
    return {"tenant_id": owner, "project_id": owner}


def network_body(network: Network, default_id=None) -> dict:
    """Expects ``subnets`` prefetched when many networks are built."""
    return {
        "id": str(network.id),
        "name": network.name,
        "description": network.description,
        "status": network.status,
        "subnets": [str(subnet.id) for subnet in network.subnets.all()],
        "admin_state_up": network.admin_state_up,
        "shared": network.shared,
        **_owner(network.project_id),
        "mtu": network.mtu,
        "router:external": network.router_external,
        "is_default": default_id is not None and network.id == default_id,
        "availability_zones": [],
        "availability_zone_hints": [],
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "port_security_enabled": True,
        "l2_adjacency": True,
        "qos_policy_id": None,
        "tags": [],
        "revision_number": 1,
        "created_at": iso(network.created_at),
        "updated_at": iso(network.updated_at),
    }


def subnet_body(subnet: Subnet) -> dict:
    """Expects ``network`` selected with the subnet (its owner is the subnet's)."""
    return {
        "id": str(subnet.id),
        "name": subnet.name,
        "description": subnet.description,
        "network_id": str(subnet.network_id),
        **_owner(subnet.network.project_id),
        "cidr": subnet.cidr,
        "ip_version": subnet.ip_version,
        "gateway_ip": subnet.gateway_ip,
        "allocation_pools": [{"start": subnet.pool_start, "end": subnet.pool_end}],
        "enable_dhcp": subnet.enable_dhcp,
        "dns_nameservers": list(subnet.dns_nameservers or []),
        "host_routes": [],
        "ipv6_address_mode": None,
        "ipv6_ra_mode": None,
        "subnetpool_id": None,
        "segment_id": None,
        "service_types": [],
        "tags": [],
        "revision_number": 1,
        "created_at": iso(subnet.created_at),
        "updated_at": iso(subnet.updated_at),
    }


def port_body(port: Port) -> dict:
    """Expects ``security_groups`` prefetched when many ports are built."""
    return {
        "id": str(port.id),
        "name": port.name,
        "description": "",
        "network_id": str(port.network_id),
        **_owner(port.project_id),
        "mac_address": port.mac_address,
        "fixed_ips": [{"subnet_id": str(port.subnet_id), "ip_address": port.fixed_ip}],
        "device_id": port.device_id,
        "device_owner": port.device_owner,
        "status": port.status,
        "admin_state_up": port.admin_state_up,
        "allowed_address_pairs": [],
        "extra_dhcp_opts": [],
        "security_groups": [str(group.id) for group in port.security_groups.all()],
        "port_security_enabled": True,
        "binding:vnic_type": "normal",
        "tags": [],
        "revision_number": 1,
        "created_at": iso(port.created_at),
        "updated_at": iso(port.updated_at),
    }


def rule_body(rule: SecurityGroupRule, group: SecurityGroup | None = None) -> dict:
    """``group`` is the rule's group when the caller has it (else ``security_group`` is read, so select it
    with many rules)."""
    group = group or rule.security_group
    return {
        "id": str(rule.id),
        "security_group_id": str(rule.security_group_id),
        **_owner(rule.project_id),
        "direction": rule.direction,
        "ethertype": rule.ethertype,
        "protocol": rule.protocol,
        "port_range_min": rule.port_range_min,
        "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "remote_group_id": str(rule.remote_group_id) if rule.remote_group_id else None,
        "remote_address_group_id": None,
        "description": rule.description,
        "belongs_to_default_sg": group.is_default,
        "revision_number": 1,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
    }


def security_group_body(group: SecurityGroup) -> dict:
    """Expects ``rules`` prefetched when many groups are built."""
    return {
        "id": str(group.id),
        "name": group.name,
        "description": group.description,
        **_owner(group.project_id),
        "stateful": group.stateful,
        "shared": False,
        "security_group_rules": [rule_body(rule, group) for rule in group.rules.all()],
        "tags": [],
        "revision_number": group.revision_number,
        "created_at": iso(group.created_at),
        "updated_at": iso(group.updated_at),
    }
