"""``/os-quota-sets`` (show, detail, defaults, update, revert) and ``/limits``."""

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, NotFound
from apps.common.microversion import at_least
from apps.common.schemas import boolean
from apps.compute import quotas
from apps.compute.api.schemas import quota_sets as quota_schemas
from apps.compute.models import QuotaLimit
from apps.identity import policy
from apps.identity.auth import request_context
from apps.identity.models import Project

# What Nova's 2.1 quota set shows; the network ones are always unlimited here.
SHOWN = (
    "cores", "fixed_ips", "floating_ips", "injected_file_content_bytes", "injected_file_path_bytes",
    "injected_files", "instances", "key_pairs", "metadata_items", "ram", "security_group_rules",
    "security_groups", "server_group_members", "server_groups",
)  # fmt: skip
COUNTED = ("instances", "cores", "ram", "key_pairs", "server_groups")


def _values(limits: dict, request) -> dict:
    """The quota set at the request's microversion: 2.36 dropped the network quotas."""
    shown = SHOWN if not at_least(request, "2.36") else [n for n in SHOWN if n not in quotas.NETWORK_RESOURCES]
    return {name: limits.get(name, -1) for name in shown}


def _visible(request, project_id: str):
    """Members see their own project's quotas; only an admin sees another's (403, as in Nova)."""
    ctx = request_context(request)
    if project_id != ctx.project_id:
        policy.enforce(ctx, "os_compute_api:os-quota-sets:show:other_project")
    return ctx


class QuotaSetView(APIView):
    def get(self, request, project_id):
        _visible(request, project_id)
        return Response({"quota_set": {"id": project_id, **_values(quotas.limits(project_id), request)}})

    def put(self, request, project_id):
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-quota-sets:update")
        body = dict(quota_schemas.UPDATE.validate(request)["quota_set"])
        force = boolean(body.pop("force", False))
        # The network quotas (until 2.35) are accepted and stay unlimited: Neutron's are the network API's.
        wanted = {name: int(value) for name, value in body.items() if name in quotas.defaults()}
        try:
            project = Project.objects.get(pk=project_id)
        except Project.DoesNotExist:
            raise NotFound(f"Project {project_id} could not be found.") from None
        with transaction.atomic():
            quotas.lock(project.id)
            used = quotas.usage(project.id, ctx.user)
            for name, limit in wanted.items():
                if not force and name in COUNTED and name != "key_pairs" and 0 <= limit < used[name]:
                    raise BadRequest(f"Quota limit {limit} for {name} must be greater than or equal to already used "
                                     f"and reserved {used[name]}.")  # fmt: skip
                QuotaLimit.objects.update_or_create(project=project, resource=name, defaults={"hard_limit": limit})
        return Response({"quota_set": _values(quotas.limits(project.id), request)})

    def delete(self, request, project_id):
        policy.enforce(request_context(request), "os_compute_api:os-quota-sets:delete")
        QuotaLimit.objects.filter(project_id=project_id).delete()
        return Response(status=202)


MAX_LIMIT = 2**31 - 1  # the database's integer, as Nova's db.MAX_INT


class QuotaSetDetailView(APIView):
    def get(self, request, project_id):
        ctx = _visible(request, project_id)
        limits = _values(quotas.limits(project_id), request)
        used = quotas.usage(project_id, ctx.user)
        detail = {name: {"limit": limit, "in_use": used.get(name, 0), "reserved": 0} for name, limit in limits.items()}
        return Response({"quota_set": {"id": project_id, **detail}})


class QuotaSetDefaultsView(APIView):
    def get(self, request, project_id):
        return Response({"quota_set": {"id": project_id, **_values(quotas.defaults(), request)}})


class LimitsView(APIView):
    """The caller's project's absolute limits and usage (an admin may ask for ``?tenant_id=``)."""

    def get(self, request):
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
        return Response({"limits": {"rate": [], "absolute": absolute}})
