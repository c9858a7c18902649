"""A server's security groups are its ports' (Neutron's model, as Nova uses it): asked for at
create, added and removed on every port, and shown in Nova's shapes."""

from apps.common.exceptions import BadRequest, NotFound
from apps.compute.models import Instance
from apps.compute.servers.lookup import get_instance
from apps.identity.auth import RequestContext
from apps.network import security_groups
from apps.network.models import Port, SecurityGroup, SecurityGroupRule


def requested(project_id, names: list[str] | None) -> list[SecurityGroup] | None:
    """The groups a create asks for, resolved in the project (None: the project's default group);
    400 for one the project does not have (409 for a name several groups share, as Nova)."""
    if names is None:
        return None
    try:
        return security_groups.resolve(project_id, names)
    except security_groups.SecurityGroupNotFound as exc:
        raise BadRequest(f"Unable to find security_group with name or id '{exc.name}'") from None


def names_by_server(instance_uuids) -> dict[str, list[str]]:
    """``{uuid: [group name, ...]}`` of the servers' ports, in one query (a server with no group is absent)."""
    bindings = Port.security_groups.through.objects.filter(port__device_id__in=[str(u) for u in instance_uuids])
    result: dict[str, list[str]] = {}
    rows = bindings.order_by("securitygroup__name", "securitygroup_id").values_list(
        "port__device_id", "securitygroup__name"
    )
    for device_id, name in rows:
        if name not in result.setdefault(device_id, []):
            result[device_id].append(name)
    return result


def _group(instance: Instance, name: str) -> SecurityGroup:
    try:
        (group,) = security_groups.resolve(instance.project_id, [name])
    except security_groups.SecurityGroupNotFound:
        raise NotFound(f"Security group {name} is not found for project {instance.project_id}") from None
    return group


def _no_ports(instance: Instance) -> NotFound:
    return NotFound(f"instance_id {instance.uuid} could not be found as device id on any ports")


def add(ctx: RequestContext, server_id: str, name: str) -> None:
    """Add the group (a name or id of the server's project) to every port of the server."""
    instance = get_instance(ctx, server_id)
    group = _group(instance, name)
    try:
        security_groups.add_to_device(instance.uuid, group)
    except security_groups.NoPortsForDevice:
        raise _no_ports(instance) from None


def remove(ctx: RequestContext, server_id: str, name: str) -> None:
    """Remove the group from every port of the server that has it."""
    instance = get_instance(ctx, server_id)
    group = _group(instance, name)
    try:
        security_groups.remove_from_device(instance.uuid, group)
    except security_groups.NoPortsForDevice:
        raise _no_ports(instance) from None
    except security_groups.SecurityGroupNotOnDevice:
        raise NotFound(f"Security group {name} not associated with the instance {instance.uuid}") from None


def _rule(rule: SecurityGroupRule) -> dict:
    """One ingress rule as Nova shows Neutron's: ports -1 for any protocol, a CIDR or a group."""
    body = {
        "id": str(rule.id),
        "parent_group_id": str(rule.security_group_id),
        "ip_protocol": rule.protocol,
        "from_port": rule.port_range_min if rule.protocol else -1,
        "to_port": rule.port_range_max if rule.protocol else -1,
        "group": {},
        "ip_range": {},
    }
    if rule.remote_group_id:
        body["group"] = {"name": rule.remote_group.name, "tenant_id": rule.remote_group.project_id}
    else:
        any_address = "0.0.0.0/0" if rule.ethertype == SecurityGroupRule.Ethertype.IPV4 else "::/0"
        body["ip_range"] = {"cidr": rule.remote_ip_prefix or any_address}
    return body


def shown(ctx: RequestContext, server_id: str) -> list[dict]:
    """``GET /servers/{id}/os-security-groups``: the server's groups with their ingress rules (Nova
    shows no egress rules), sorted by project and name."""
    instance = get_instance(ctx, server_id)
    groups = security_groups.for_ports(instance.uuid)
    rules = SecurityGroupRule.objects.filter(security_group__in=groups, direction=SecurityGroupRule.Direction.INGRESS)
    by_group: dict = {}
    for rule in rules.select_related("remote_group").order_by("created_at", "id"):
        by_group.setdefault(rule.security_group_id, []).append(_rule(rule))
    bodies = [
        {"id": str(g.id), "name": g.name, "description": g.description, "tenant_id": g.project_id,
         "rules": by_group.get(g.id, [])}
        for g in groups
    ]  # fmt: skip
    return sorted(bodies, key=lambda body: (body["tenant_id"], body["name"]))
