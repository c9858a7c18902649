"""``/os-quota-sets`` (show, detail, defaults, update, revert) and ``/limits``."""

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest
from apps.common.microversion import at_least
from apps.common.schemas import boolean
from apps.compute import quotas
from apps.compute.api.schemas import quota_sets as quota_schemas
from apps.compute.api.schemas.quota_sets import INJECTED_FILES, NETWORK, RESOURCES, without
from apps.compute.models import QuotaLimit
from apps.identity import policy
from apps.identity.auth import request_context
from apps.identity.models import Project

# The keys a quota set shows from each microversion on, as Nova's: nova-network's go at 2.36, the
# injected files' at 2.57.
SHOWN = {"2.1": RESOURCES, "2.36": without(RESOURCES, NETWORK),
         "2.57": without(RESOURCES, (*NETWORK, *INJECTED_FILES))}  # fmt: skip
# Usage Nova counts against a project's limit when one is lowered (key pairs are per user, and Nova
# shows no usage for them or for group members in the detail).
COUNTED = ("instances", "cores", "ram", "server_groups")


def shown(limits: dict, request, table: dict = SHOWN) -> dict:
    """``limits`` with the keys ``table`` shows at the request's microversion, in Nova's order."""
    names = table["2.1"]
    for since, keys in table.items():
        if at_least(request, since):
            names = keys
    return {name: limits.get(name, -1) for name in names}


def _visible(request, project_id: str):
    """Members see their own project's quotas; only an admin sees another's (403, as in Nova)."""
    ctx = request_context(request)
    if project_id != ctx.project_id:
        policy.enforce(ctx, "os_compute_api:os-quota-sets:show:other_project")
    _verify_project(project_id)
    return ctx


def _verify_project(project_id: str) -> Project:
    """Nova asks Keystone whether the project exists: a 400 when it does not."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise BadRequest(f"Project ID {project_id} is not a valid project.")
    return project


class QuotaSetView(APIView):
    query = quota_schemas.QUOTA_SET_QUERY

    def get(self, request, project_id):
        quota_schemas.QUOTA_SET_QUERY.validate(request)
        _visible(request, project_id)
        return Response({"quota_set": {"id": project_id, **shown(quotas.limits(project_id), request)}})

    def put(self, request, project_id):
        quota_schemas.QUOTA_SET_QUERY.validate(request)
        body = dict(quota_schemas.UPDATE.validate(request)["quota_set"])  # the body first, as in Nova
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-quota-sets:update")
        project = _verify_project(project_id)
        force = boolean(body.pop("force", False))
        # nova-network's limits (until 2.35) are kept and shown as Nova keeps them, never enforced.
        wanted = {name: int(value) for name, value in body.items()}
        with transaction.atomic():
            quotas.lock(project.id)
            used = quotas.usage(project.id)
            for name, limit in wanted.items():
                if not force and name in COUNTED and 0 <= limit < used[name]:
                    raise BadRequest(f"Quota limit {limit} for {name} must be greater than or equal to already used "
                                     f"and reserved {used[name]}.")  # fmt: skip
            for name, limit in wanted.items():
                QuotaLimit.objects.update_or_create(project=project, resource=name, defaults={"hard_limit": limit})
        return Response({"quota_set": shown(quotas.limits(project.id), request)})

    def delete(self, request, project_id):
        quota_schemas.QUOTA_SET_QUERY.validate(request)
        policy.enforce(request_context(request), "os_compute_api:os-quota-sets:delete")
        QuotaLimit.objects.filter(project_id=project_id).delete()
        return Response(status=202)


class QuotaSetDetailView(APIView):
    query = quota_schemas.QUOTA_SET_QUERY

    def get(self, request, project_id):
        quota_schemas.QUOTA_SET_QUERY.validate(request)
        _visible(request, project_id)
        limits = shown(quotas.limits(project_id), request)
        used = quotas.usage(project_id)
        detail = {name: {"limit": limit, "in_use": used[name] if name in COUNTED else 0, "reserved": 0}
                  for name, limit in limits.items()}  # fmt: skip
        return Response({"quota_set": {"id": project_id, **detail}})


class QuotaSetDefaultsView(APIView):
    query = quota_schemas.DEFAULTS_QUERY

    def get(self, request, project_id):
        _verify_project(project_id)
        return Response({"quota_set": {"id": project_id, **shown(quotas.defaults(), request)}})


class LimitsView(APIView):
    """The caller's project's absolute limits and usage (an admin may ask for ``?tenant_id=``)."""

    query = quota_schemas.LIMITS_QUERY

    def get(self, request):
        quota_schemas.LIMITS_QUERY.validate(request)
        ctx = request_context(request)
        project_id = request.query_params.get("tenant_id") or ctx.project_id
        if project_id != ctx.project_id:
            policy.enforce(ctx, "os_compute_api:os-quota-sets:show:other_project")
        limits, used = quotas.limits(project_id), quotas.usage(project_id, ctx.user)
        absolute = {
            "maxTotalInstances": limits["instances"],
            "maxTotalCores": limits["cores"],
            "maxTotalRAMSize": limits["ram"],
            "maxTotalKeypairs": limits["key_pairs"],
            "maxServerMeta": limits["metadata_items"],
            "maxImageMeta": limits["metadata_items"],
            "maxPersonality": limits["injected_files"],
            "maxPersonalitySize": limits["injected_file_content_bytes"],
            "maxServerGroups": limits["server_groups"],
            "maxServerGroupMembers": limits["server_group_members"],
            "maxTotalFloatingIps": -1,
            "maxSecurityGroups": -1,
            "maxSecurityGroupRules": -1,
            "totalInstancesUsed": used["instances"],
            "totalCoresUsed": used["cores"],
            "totalRAMUsed": used["ram"],
            "totalServerGroupsUsed": used["server_groups"],
            "totalFloatingIpsUsed": 0,
            "totalSecurityGroupsUsed": 0,
        }
        if at_least(request, "2.36"):
            for name in ("maxTotalFloatingIps", "maxSecurityGroups", "maxSecurityGroupRules", "totalFloatingIpsUsed",
                         "totalSecurityGroupsUsed"):  # fmt: skip
                del absolute[name]
        if at_least(request, "2.39"):  # the image proxy's limit went with it
            del absolute["maxImageMeta"]
        if at_least(request, "2.57"):  # personality (injected files) went from server create and rebuild
            del absolute["maxPersonality"], absolute["maxPersonalitySize"]
        return Response({"limits": {"rate": [], "absolute": absolute}})
