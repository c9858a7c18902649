"""Security groups for the compute side and the Networking API, with no HTTP in between.

- ``default_group(project_id)`` the project's ``default`` group, created with Neutron's four rules on
  first need (exactly one, however many callers race: a partial unique constraint allows one
  ``is_default`` group per project, and the loser of the race reads the winner's);
- ``create_group(project_id, ...)`` a new group with Neutron's two egress rules;
- ``resolve(project_id, names_or_ids)`` the groups a server asks for (Nova's ``security_groups``);
- ``for_ports(device_id)`` the groups of an instance's ports;
- ``add_to_device`` / ``remove_from_device`` change every port of an instance;
- ``attach_on_create(port, groups)`` binds a new port (to the default group when ``groups`` is None);
- ``replace_on_port(port, groups)`` sets a port's groups (a port update);
- ``find_by_ids(project_id, ids)`` the groups a port may name, by id;
- ``delete_group(group)`` refuses while a port uses it.

Binding and deleting both lock the group rows (``SELECT ... FOR UPDATE``), so a group is never deleted
while a port is being bound to it. The errors are ``CloudError``s with Nova's messages; the
Networking API turns them into Neutron's.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.common.exceptions import CloudError, Conflict, NotFound
from apps.identity.models import Project
from apps.network.ipam import parse_uuid
from apps.network.models import Port, SecurityGroup, SecurityGroupRule

DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "Default security group"
EGRESS, INGRESS = SecurityGroupRule.Direction.EGRESS, SecurityGroupRule.Direction.INGRESS
ETHERTYPES = (SecurityGroupRule.Ethertype.IPV4, SecurityGroupRule.Ethertype.IPV6)


class SecurityGroupError(CloudError):
    """Base of this module's errors (each one also a Nova error with its own code)."""


class SecurityGroupNotFound(SecurityGroupError):
    """No group of the project has this name or id (``name`` may list several ids)."""

    code, kind = NotFound.code, NotFound.kind

    def __init__(self, name):
        self.name = str(name)
        super().__init__(f"Security group {self.name} not found.")


class SecurityGroupNotUnique(SecurityGroupError):
    """A name that more than one of the project's groups have (Nova's NoUniqueMatch)."""

    code, kind = Conflict.code, Conflict.kind

    def __init__(self, name):
        self.name = str(name)
        super().__init__(
            f"Multiple security_group matches found for name '{self.name}', use an ID to be more specific."
        )


class NoPortsForDevice(SecurityGroupError):
    """The instance has no port to change."""

    code, kind = NotFound.code, NotFound.kind

    def __init__(self, device_id):
        self.device_id = str(device_id)
        super().__init__(f"instance_id {self.device_id} could not be found as device id on any ports")


class SecurityGroupNotOnDevice(SecurityGroupError):
    """``remove_from_device`` of a group none of the instance's ports has."""

    code, kind = NotFound.code, NotFound.kind

    def __init__(self, group: SecurityGroup, device_id):
        self.group, self.device_id = group, str(device_id)
        name = group.name or group.id
        super().__init__(f"Security group {name} not associated with the instance {self.device_id}")


class SecurityGroupInUse(SecurityGroupError):
    """A group some port uses cannot be deleted (or change its statefulness)."""

    code, kind = Conflict.code, Conflict.kind

    def __init__(self, group_id):
        self.group_id = str(group_id)
        super().__init__(f"Security Group {self.group_id} in use.")


class StatefulnessConflict(SecurityGroupError):
    """A port would have both stateful and stateless groups."""

    code, kind = Conflict.code, Conflict.kind

    def __init__(self):
        super().__init__("Cannot apply both stateful and stateless security groups on the same port at the same time")


def _pk(value):
    return getattr(value, "pk", value)


def _rule(group: SecurityGroup, direction: str, ethertype: str, remote_group=None) -> SecurityGroupRule:
    return SecurityGroupRule(
        security_group=group,
        project_id=group.project_id,
        direction=direction,
        ethertype=ethertype,
        remote_group=remote_group,
    )


def _egress_rules(group: SecurityGroup) -> list[SecurityGroupRule]:
    return [_rule(group, EGRESS, ethertype) for ethertype in ETHERTYPES]


def default_group(project_id) -> SecurityGroup:
    """The project's (a Project or its id) ``default`` group, created on the first call with Neutron's
    rules: egress to anywhere, ingress from members of the group itself, for IPv4 and IPv6.

    Safe concurrently and inside an outer transaction: a racing insert fails on the partial unique
    constraint (in a savepoint), and the group the other caller created is returned.
    ``Project.DoesNotExist`` for an unknown project."""
    project_id = _pk(project_id)
    found = SecurityGroup.objects.filter(project_id=project_id, is_default=True).first()
    if found is not None:
        return found
    if not Project.objects.filter(pk=project_id).exists():
        raise Project.DoesNotExist(f"Project {project_id} does not exist")
    try:
        with transaction.atomic():
            group = SecurityGroup.objects.create(
                project_id=project_id, name=DEFAULT_NAME, description=DEFAULT_DESCRIPTION, is_default=True
            )
            rules = _egress_rules(group) + [_rule(group, INGRESS, ethertype, group) for ethertype in ETHERTYPES]
            SecurityGroupRule.objects.bulk_create(rules)
            return group
    except IntegrityError:
        pass
    return SecurityGroup.objects.get(project_id=project_id, is_default=True)


def create_group(project_id, name: str = "", description: str = "", stateful: bool = True) -> SecurityGroup:
    """A new (not default) group of the project with Neutron's two rules: egress to anywhere, IPv4 and
    IPv6. The project's default group is created first when missing, as Neutron does."""
    project_id = _pk(project_id)
    default_group(project_id)
    with transaction.atomic():
        group = SecurityGroup.objects.create(
            project_id=project_id, name=name, description=description, stateful=stateful
        )
        SecurityGroupRule.objects.bulk_create(_egress_rules(group))
    return group


def touch(group_id) -> None:
    """A group's rules changed: a new revision (Neutron bumps the group's revision_number)."""
    SecurityGroup.objects.filter(pk=_pk(group_id)).update(
        revision_number=F("revision_number") + 1, updated_at=timezone.now()
    )


def resolve(project_id, names_or_ids: Iterable[str]) -> list[SecurityGroup]:
    """The project's groups named (or with the ids) given, in the order given, each once.

    An id matches only a group of the project; a name matches the project's groups of that name, and
    ``default`` is the default group (created if missing). ``SecurityGroupNotFound(name)`` for one that
    matches nothing, ``SecurityGroupNotUnique(name)`` for a name several groups have."""
    project_id = _pk(project_id)
    owned = SecurityGroup.objects.filter(project_id=project_id)
    found: dict = {}
    for wanted in names_or_ids:
        wanted = str(wanted)
        parsed = parse_uuid(wanted)
        group = owned.filter(pk=parsed).first() if parsed is not None else None
        if group is None:
            if wanted == DEFAULT_NAME:
                group = default_group(project_id)
            else:
                matches = list(owned.filter(name=wanted)[:2])
                if not matches:
                    raise SecurityGroupNotFound(wanted)
                if len(matches) > 1:
                    raise SecurityGroupNotUnique(wanted)
                group = matches[0]
        found.setdefault(group.pk, group)
    return list(found.values())


def find_by_ids(project_id, ids: Iterable, is_admin: bool = False) -> list[SecurityGroup]:
    """The groups with these ids, in the order given: the project's (any project's for an admin).
    ``SecurityGroupNotFound`` naming every id that is not one (comma-separated)."""
    wanted = [str(i) for i in ids]
    parsed = {i: parse_uuid(i) for i in wanted}
    groups = SecurityGroup.objects.filter(pk__in=[u for u in parsed.values() if u is not None])
    if not is_admin:
        groups = groups.filter(project_id=_pk(project_id))
    by_id = {group.pk: group for group in groups}
    missing = [i for i in wanted if parsed[i] not in by_id]
    if missing:
        raise SecurityGroupNotFound(", ".join(missing))
    return list({parsed[i]: by_id[parsed[i]] for i in wanted}.values())


def for_ports(device_id) -> list[SecurityGroup]:
    """The groups of every port of the instance, each once, oldest first."""
    return list(SecurityGroup.objects.filter(ports__device_id=str(device_id)).distinct().order_by("created_at", "id"))


def _locked(groups: Iterable[SecurityGroup]) -> list[SecurityGroup]:
    """The groups' rows, locked (in id order, so lockers never deadlock); ``SecurityGroupNotFound``
    when one has been deleted meanwhile. Call inside a transaction."""
    ids = sorted({group.pk for group in groups})
    locked = {group.pk: group for group in SecurityGroup.objects.select_for_update().filter(pk__in=ids).order_by("id")}
    missing = [str(pk) for pk in ids if pk not in locked]
    if missing:
        raise SecurityGroupNotFound(", ".join(missing))
    return [locked[pk] for pk in ids]


def _check_statefulness(groups: Iterable[SecurityGroup]) -> None:
    if len({group.stateful for group in groups}) > 1:
        raise StatefulnessConflict()


def attach_on_create(port: Port, groups: Iterable[SecurityGroup] | None = None) -> list[SecurityGroup]:
    """Bind a new port to ``groups`` (the caller resolved them in the port's project), or to its
    project's default group when ``groups`` is None (none when the port has no project). An empty list
    binds none. The groups bound."""
    if groups is None:
        groups = [default_group(port.project_id)] if port.project_id else []
    return replace_on_port(port, groups)


def replace_on_port(port: Port, groups: Iterable[SecurityGroup]) -> list[SecurityGroup]:
    """Set the port's groups to exactly ``groups``. ``StatefulnessConflict`` when they mix stateful and
    stateless groups, ``SecurityGroupNotFound`` when one was deleted meanwhile."""
    groups = list(groups)
    with transaction.atomic():
        locked = _locked(groups)
        _check_statefulness(locked)
        port.security_groups.set(locked)
    return groups


def _device_ports(device_id) -> list[Port]:
    ports = list(Port.objects.select_for_update().filter(device_id=str(device_id)).order_by("created_at", "id"))
    if not ports:
        raise NoPortsForDevice(device_id)
    return ports


def add_to_device(device_id, group: SecurityGroup) -> int:
    """Add ``group`` (which the caller resolved in the instance's project) to every port of the instance
    that lacks it; the number of ports changed (0 when every port already had it). ``NoPortsForDevice``
    when the instance has no port, ``StatefulnessConflict`` when a port's other groups differ in
    statefulness."""
    with transaction.atomic():
        ports = _device_ports(device_id)
        (group,) = _locked([group])
        changed = 0
        for port in ports:
            current = list(port.security_groups.all())
            if group in current:
                continue
            _check_statefulness([*current, group])
            port.security_groups.add(group)
            changed += 1
    return changed


def remove_from_device(device_id, group: SecurityGroup) -> int:
    """Remove ``group`` from every port of the instance that has it; the number of ports changed.
    ``NoPortsForDevice`` when the instance has no port, ``SecurityGroupNotOnDevice`` when none has it."""
    with transaction.atomic():
        ports = _device_ports(device_id)
        having = [port for port in ports if port.security_groups.filter(pk=group.pk).exists()]
        if not having:
            raise SecurityGroupNotOnDevice(group, device_id)
        for port in having:
            port.security_groups.remove(group)
    return len(having)


def delete_group(group: SecurityGroup) -> None:
    """Delete the group with its rules (and the rules of other groups naming it as their remote group).
    ``SecurityGroupInUse`` while a port uses it."""
    with transaction.atomic():
        (locked,) = _locked([group])
        if locked.ports.exists():
            raise SecurityGroupInUse(group.pk)
        locked.delete()
