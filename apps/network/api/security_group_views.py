"""``/v2.0/security-groups`` and ``/v2.0/security-group-rules`` (Neutron's security-group extension).

A project sees its own groups and the rules of its groups (admins see all); what is not visible is
Neutron's 404. Listing either collection first creates the project's ``default`` group (with its four
rules) when it has none, as Neutron does. The default group cannot be renamed, nor deleted but by an
admin; a group a port uses cannot be deleted (409 SecurityGroupInUse). Groups and rules count against
the project's network quotas (409 OverQuota). The groups' logic lives in ``apps.network.security_groups``.
"""

from django.db import transaction
from django.db.models import Prefetch
from rest_framework.response import Response

from apps.identity.models import Project
from apps.network import security_groups
from apps.network.api import builders, quotas, validation
from apps.network.api.base import (
    NetworkAPIView,
    NeutronError,
    bad_request,
    can_modify,
    filter_query,
    find_by_id,
    not_authorized,
    respond,
    respond_list,
    security_group_not_found,
    to_bool,
)
from apps.network.api.request_schemas import (
    SECURITY_GROUP_CREATE,
    SECURITY_GROUP_RULE_CREATE,
    SECURITY_GROUP_UPDATE,
)
from apps.network.models import SecurityGroup, SecurityGroupRule

OWNER_FILTERS = {"project_id": ("project_id", "str"), "tenant_id": ("project_id", "str")}
GROUP_FILTERS = {
    "id": ("id", "uuid"),
    "name": ("name", "str"),
    "description": ("description", "str"),
    "stateful": ("stateful", "bool"),
    "revision_number": ("revision_number", "int"),
    **OWNER_FILTERS,
}
RULE_FILTERS = {
    "id": ("id", "uuid"),
    "security_group_id": ("security_group_id", "uuid"),
    "remote_group_id": ("remote_group_id", "uuid"),
    "direction": ("direction", "str"),
    "ethertype": ("ethertype", "str"),
    "protocol": ("protocol", "str"),
    "port_range_min": ("port_range_min", "int"),
    "port_range_max": ("port_range_max", "int"),
    "remote_ip_prefix": ("remote_ip_prefix", "str"),
    "description": ("description", "str"),
    **OWNER_FILTERS,
}


def get_group(ctx, group_id) -> SecurityGroup:
    visible = SecurityGroup.objects.visible_to(ctx.project_id, ctx.is_admin)
    return find_by_id(visible, group_id, security_group_not_found(group_id))


def get_rule(ctx, rule_id) -> SecurityGroupRule:
    missing = NeutronError(404, "SecurityGroupRuleNotFound", f"Security group rule {rule_id} does not exist")
    visible = SecurityGroupRule.objects.visible_to(ctx.project_id, ctx.is_admin).select_related("security_group")
    return find_by_id(visible, rule_id, missing)


def ensure_default(request, ctx) -> None:
    """Neutron's listing side effect: the default group of the project the list is for (the first
    ``project_id``/``tenant_id`` filter, else the caller's), when the caller may act for it."""
    named = request.query_params.getlist("project_id") or request.query_params.getlist("tenant_id")
    project_id = named[0] if named else ctx.project_id
    if not project_id or (project_id != ctx.project_id and not ctx.is_admin):
        return
    if "\x00" not in project_id and Project.objects.filter(pk=project_id).exists():
        security_groups.default_group(project_id)


def with_rules(groups):
    return groups.prefetch_related(Prefetch("rules", queryset=SecurityGroupRule.objects.order_by("created_at", "id")))


class SecurityGroupListView(NetworkAPIView):
    """Security groups: list (GET, Neutron's filters), create (POST, with two egress rules)."""

    def get(self, request):
        ctx = self.context()
        ensure_default(request, ctx)
        groups = filter_query(request, SecurityGroup.objects.visible_to(ctx.project_id, ctx.is_admin), GROUP_FILTERS)
        shared = request.query_params.getlist("shared")
        if any(to_bool(value, "shared") for value in shared):
            groups = groups.none()  # no group is shared with another project here
        return respond_list(request, "security_groups", [builders.security_group_body(g) for g in with_rules(groups)])

    def post(self, request):
        ctx = self.context()
        spec = SECURITY_GROUP_CREATE.validate(request)["security_group"]
        fields = validation.security_group_fields(spec)
        project_id = validation.owner(ctx, spec)
        if project_id is None:
            raise bad_request("'project_id' is required for a caller without a project.")
        with transaction.atomic():
            security_groups.default_group(project_id)
            quotas.enforce(project_id, security_group=1, security_group_rule=len(security_groups.ETHERTYPES))
            group = security_groups.create_group(project_id, **fields)
        return respond(request, "security_group", builders.security_group_body(group), status=201)


class SecurityGroupView(NetworkAPIView):
    """One security group: show (GET), update (PUT), delete (DELETE)."""

    def get(self, request, security_group_id):
        group = get_group(self.context(), security_group_id)
        return respond(request, "security_group", builders.security_group_body(group))

    def put(self, request, security_group_id):
        ctx = self.context()
        spec = SECURITY_GROUP_UPDATE.validate(request)["security_group"]
        fields = validation.security_group_fields(spec)
        group = get_group(ctx, security_group_id)
        if not can_modify(ctx, group.project_id):
            raise not_authorized("rule:update_security_group")
        with transaction.atomic():
            group = SecurityGroup.objects.select_for_update().get(pk=group.pk)
            if fields.get("stateful", group.stateful) != group.stateful and group.ports.exists():
                raise security_groups.SecurityGroupInUse(group.pk)
            if "name" in fields and (group.is_default or group.name == security_groups.DEFAULT_NAME):
                raise NeutronError(
                    409, "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed."
                )
            changed = {key: value for key, value in fields.items() if getattr(group, key) != value}
            if changed:
                for key, value in changed.items():
                    setattr(group, key, value)
                group.revision_number += 1
                group.save()
        return respond(request, "security_group", builders.security_group_body(group))

    def delete(self, request, security_group_id):
        ctx = self.context()
        group = get_group(ctx, security_group_id)
        if not can_modify(ctx, group.project_id):
            raise not_authorized("rule:delete_security_group")
        if group.ports.exists():
            raise security_groups.SecurityGroupInUse(group.pk)
        if group.is_default and not ctx.is_admin:
            raise NeutronError(
                409, "SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group."
            )
        security_groups.delete_group(group)
        return Response(status=204)


class SecurityGroupRuleListView(NetworkAPIView):
    """Security group rules: list (GET, Neutron's filters), create (POST, one rule)."""

    def get(self, request):
        ctx = self.context()
        ensure_default(request, ctx)
        rules = SecurityGroupRule.objects.visible_to(ctx.project_id, ctx.is_admin).select_related("security_group")
        rules = filter_query(request, rules, RULE_FILTERS)
        return respond_list(request, "security_group_rules", [builders.rule_body(rule) for rule in rules])

    def post(self, request):
        ctx = self.context()
        spec = SECURITY_GROUP_RULE_CREATE.validate(request)["security_group_rule"]
        fields = validation.rule_fields(spec)
        validation.owner(ctx, spec)  # a member names no other project; the rule is its group's project's
        remote = get_group(ctx, spec["remote_group_id"]) if spec.get("remote_group_id") else None
        group = get_group(ctx, spec["security_group_id"])
        if not can_modify(ctx, group.project_id):
            raise not_authorized("rule:create_security_group_rule")
        fields.update(security_group_id=group.pk, remote_group_id=remote.pk if remote else None)
        with transaction.atomic():
            quotas.enforce(group.project_id, security_group_rule=1)
            locked = SecurityGroup.objects.select_for_update().filter(pk=group.pk).first()
            if locked is None:  # deleted meanwhile
                raise security_group_not_found(group.pk)
            validation.check_duplicate(fields, locked.rules.all())
            rule = SecurityGroupRule.objects.create(project_id=group.project_id, **fields)
            security_groups.touch(group)
        return respond(request, "security_group_rule", builders.rule_body(rule, locked), status=201)


class SecurityGroupRuleView(NetworkAPIView):
    """One rule: show (GET), delete (DELETE). Rules are not updated in place."""

    def get(self, request, security_group_rule_id):
        rule = get_rule(self.context(), security_group_rule_id)
        return respond(request, "security_group_rule", builders.rule_body(rule))

    def delete(self, request, security_group_rule_id):
        ctx = self.context()
        rule = get_rule(ctx, security_group_rule_id)
        if not can_modify(ctx, rule.security_group.project_id):
            raise not_authorized("rule:delete_security_group_rule")
        with transaction.atomic():
            SecurityGroupRule.objects.filter(pk=rule.pk).delete()
            security_groups.touch(rule.security_group_id)
        return Response(status=204)
