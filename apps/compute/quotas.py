"""Quotas: how much each project may hold, how much it holds, and enforcement that holds under
concurrency.

Usage is counted from what exists (as Nova does since Pike), never kept in a counter that could
drift: instances, cores and RAM from the project's instances that are not deleted; server groups
and their members from the groups; key pairs per user. Every check that may add something takes
the project's row lock first and runs in the transaction that writes the new rows, so two requests
in flight can never both take the last unit.
"""

from django.conf import settings
from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from apps.common.exceptions import Forbidden
from apps.compute.models import Instance, KeyPair, QuotaClass, QuotaLimit, ServerGroup
from apps.identity.models import Project, User

# Nova-network's quotas, kept (as Nova keeps them) only to be shown and set until microversion 2.36:
# never counted nor enforced, and unlimited (-1) unless a quota class or a project sets them.
NETWORK_RESOURCES = ("fixed_ips", "floating_ips", "security_group_rules", "security_groups")
# The quota class whose rows replace the defaults in settings (Nova's ``default`` class).
DEFAULT_CLASS = "default"


class QuotaExceeded(Forbidden):
    """403 with Nova's wording."""


def class_limits(class_name: str) -> dict[str, int]:
    """A quota class's limits: its own rows over the settings (Nova's ``get_class_quotas``; another
    class does not inherit the ``default`` class's rows)."""
    result = {name: -1 for name in NETWORK_RESOURCES}
    result.update(settings.QUOTA_DEFAULTS)
    result.update(QuotaClass.objects.filter(class_name=class_name).values_list("resource", "hard_limit"))
    return result


def defaults() -> dict[str, int]:
    """Every project's limits unless it has its own: the ``default`` quota class over the settings."""
    return class_limits(DEFAULT_CLASS)


def limits(project_id: str | None) -> dict[str, int]:
    """The project's limits: the defaults (with the ``default`` class), overridden by its own rows."""
    result = defaults()
    if project_id:
        result.update(QuotaLimit.objects.filter(project_id=project_id).values_list("resource", "hard_limit"))
    return result


def _flavor_int(key: str):
    return Cast(KeyTextTransform(key, "flavor"), IntegerField())


def usage(project_id: str | None, user: User | None = None) -> dict[str, int]:
    """What the project holds now (key pairs: what ``user`` holds, as Nova counts them per user)."""
    counted = Instance.objects.filter(project_id=project_id, deleted_at__isnull=True).aggregate(
        instances=Count("uuid"),
        cores=Coalesce(Sum(_flavor_int("vcpus")), 0),
        ram=Coalesce(Sum(_flavor_int("memory_mb")), 0),
    )
    counted["server_groups"] = ServerGroup.objects.filter(project_id=project_id).count()
    counted["key_pairs"] = KeyPair.objects.filter(user=user).count() if user is not None else 0
    return counted


def lock(project_id: str) -> None:
    """Serialise every quota check of one project (call inside ``transaction.atomic``)."""
    Project.objects.select_for_update().filter(pk=project_id).values_list("pk", flat=True).first()


def _exceeded(resource: str, requested: int, used: int, allowed: int) -> QuotaExceeded:
    return QuotaExceeded(
        f"Quota exceeded for {resource}: Requested {requested}, but already used {used} of {allowed} {resource}"
    )


def instances_allowed(project_id: str, flavor: dict, min_count: int, max_count: int) -> int:
    """How many of ``max_count`` new instances of ``flavor`` fit (at least ``min_count``, or 403).

    Call inside the transaction that creates them; it takes the project's lock, unless instances,
    cores and RAM are all unlimited: then there is nothing to race for, and creates in one project
    need not queue behind each other's transactions (nor count the project's usage).
    """
    per_instance = {"instances": 1, "cores": int(flavor["vcpus"]), "ram": int(flavor["memory_mb"])}
    limit = limits(project_id)  # the limits themselves are not what the lock serialises
    if all(limit[resource] < 0 for resource in per_instance):
        return max_count
    lock(project_id)
    used = usage(project_id)
    fits = max_count
    for resource, each in per_instance.items():
        if limit[resource] < 0 or each == 0:
            continue
        fits = min(fits, max(0, (limit[resource] - used[resource]) // each))
    if fits >= min_count:
        return fits
    for resource, each in per_instance.items():
        if limit[resource] >= 0 and used[resource] + each * min_count > limit[resource]:
            raise _exceeded(resource, each * min_count, used[resource], limit[resource])
    return fits  # unreachable: some resource must have been short


def check_resize(project_id: str, old_flavor: dict, new_flavor: dict) -> None:
    """A resize may not take the project past its cores or RAM (call inside the resize's transaction)."""
    lock(project_id)
    limit, used = limits(project_id), usage(project_id)
    for resource, key in (("cores", "vcpus"), ("ram", "memory_mb")):
        delta = int(new_flavor[key]) - int(old_flavor[key])
        if delta > 0 and limit[resource] >= 0 and used[resource] + delta > limit[resource]:
            raise _exceeded(resource, delta, used[resource], limit[resource])


def check_server_groups(project_id: str) -> None:
    lock(project_id)
    limit = limits(project_id)["server_groups"]
    if 0 <= limit <= ServerGroup.objects.filter(project_id=project_id).count():
        raise QuotaExceeded("Quota exceeded, too many server groups.")


def check_group_members(group: ServerGroup, adding: int) -> None:
    """Call inside the transaction that adds the members; it takes the group's project's lock."""
    limit = limits(group.project_id)["server_group_members"]
    if limit < 0:
        return
    lock(group.project_id)
    if group.members.count() + adding > limit:
        raise QuotaExceeded("Quota exceeded, too many servers in group")


def check_key_pairs(user: User) -> None:
    """Key pairs are counted per user, against the limit of the user's default project."""
    if user.default_project_id:
        lock(user.default_project_id)
    limit = limits(user.default_project_id)["key_pairs"]
    if 0 <= limit <= KeyPair.objects.filter(user=user).count():
        raise QuotaExceeded("Quota exceeded, too many key pairs.")
