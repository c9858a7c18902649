"""``/os-server-groups``: affinity and anti-affinity groups, hard and soft."""

import uuid

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, NotFound
from apps.common.microversion import at_least
from apps.compute import quotas
from apps.compute.api.schemas import server_groups as group_schemas
from apps.compute.models import ServerGroup
from apps.compute.servers.lookup import require_project
from apps.identity.auth import request_context

POLICIES = [p.value for p in ServerGroup.Policy]


def group_body(request, group: ServerGroup) -> dict:
    """A group as Nova shows it: ``policies`` and ``metadata`` until 2.64 brings ``policy`` and
    ``rules``; the owner from 2.13."""
    members = [str(m) for m in group.members.filter(deleted_at__isnull=True).values_list("uuid", flat=True)]
    body = {"id": str(group.uuid), "name": group.name, "members": members}
    if at_least(request, "2.64"):
        body.update(policy=group.policy, rules=group.rules)
    else:
        body.update(policies=[group.policy], metadata={})
    if at_least(request, "2.13"):
        body.update(project_id=group.project_id, user_id=group.user_id)
    return body


def get_group(ctx, group_id: str) -> ServerGroup:
    try:
        return ServerGroup.objects.visible_to(ctx, all_projects=True).get(uuid=uuid.UUID(str(group_id)))
    except (ValueError, ServerGroup.DoesNotExist):
        raise NotFound(f"Server group {group_id} could not be found.") from None


def _policy_and_rules(body: dict) -> tuple[str, dict]:
    """The policy and rules of a body the schema accepted (``schemas.server_groups.CREATE``)."""
    policy = body["policy"] if "policy" in body else body["policies"][0]
    rules = body.get("rules", {})
    if rules:
        if policy != "anti-affinity":
            raise BadRequest("Only anti-affinity policy supports rules.")
        rules = {"max_server_per_host": int(rules["max_server_per_host"])}
    return policy, rules


class ServerGroupListView(APIView):
    def get(self, request):
        ctx = request_context(request)
        all_projects = request.query_params.get("all_projects", "").lower() in ("1", "true", "yes")
        groups = ServerGroup.objects.visible_to(ctx, all_projects)
        return Response({"server_groups": [group_body(request, g) for g in groups]})

    def post(self, request):
        ctx = request_context(request)
        body = group_schemas.CREATE.validate(request)["server_group"]
        policy, rules = _policy_and_rules(body)
        require_project(ctx)
        with transaction.atomic():
            quotas.check_server_groups(ctx.project_id)
            group = ServerGroup.objects.create(
                name=body["name"], project=ctx.project, user=ctx.user, policy=policy, rules=rules
            )
        return Response({"server_group": group_body(request, group)})


class ServerGroupView(APIView):
    def get(self, request, group_id):
        return Response({"server_group": group_body(request, get_group(request_context(request), group_id))})

    def delete(self, request, group_id):
        get_group(request_context(request), group_id).delete()
        return Response(status=204)
