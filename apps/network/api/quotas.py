"""``/v2.0/quotas/<project>``: the network quotas clients ask for (``openstack quota show``).

The limits are Neutron's defaults and the usage is counted, so the numbers are true. Security groups,
their rules and the ports created through this API are enforced (``enforce``: Neutron's 409 OverQuota),
under the project's row lock, so concurrent creates cannot pass a limit together.
"""

from rest_framework.response import Response

from apps.identity.auth import request_context
from apps.identity.models import Project
from apps.network.api.base import NetworkAPIView, NeutronError, not_authorized
from apps.network.models import Network, Port, SecurityGroup, SecurityGroupRule, Subnet

LIMITS = {"network": 100, "subnet": 100, "port": 500, "router": 10, "floatingip": 50, "security_group": 10,
          "security_group_rule": 100, "rbac_policy": 10, "subnetpool": -1}  # fmt: skip


COUNTED = {
    "network": lambda project_id: Network.objects.filter(project_id=project_id).count(),
    "subnet": lambda project_id: Subnet.objects.filter(network__project_id=project_id).count(),
    "port": lambda project_id: Port.objects.filter(project_id=project_id).count(),
    "security_group": lambda project_id: SecurityGroup.objects.filter(project_id=project_id).count(),
    "security_group_rule": lambda project_id: SecurityGroupRule.objects.filter(project_id=project_id).count(),
}


def usage(project_id: str) -> dict[str, int]:
    return {name: count(project_id) for name, count in COUNTED.items()}


def enforce(project_id: str, **deltas: int) -> None:
    """Lock the project's row, then refuse (409 OverQuota, as Neutron) when adding ``deltas`` (``port=1``,
    ``security_group=1``...) would pass a limit. Call inside the transaction that creates them."""
    Project.objects.select_for_update().filter(pk=project_id).first()
    overs = sorted(
        name
        for name, delta in deltas.items()
        if delta and LIMITS.get(name, -1) >= 0 and COUNTED[name](project_id) + delta > LIMITS[name]
    )
    if overs:
        raise NeutronError(409, "OverQuota", f"Quota exceeded for resources: {overs}.")


class QuotaView(NetworkAPIView):
    def get(self, request, project_id, details=False):
        ctx = request_context(request)
        if project_id != ctx.project_id and not ctx.is_admin:
            raise not_authorized("get_quota")
        if not details:
            return Response({"quota": dict(LIMITS)})
        used = usage(project_id)
        return Response({"quota": {name: {"limit": limit, "used": used.get(name, 0), "reserved": 0}
                                   for name, limit in LIMITS.items()}})  # fmt: skip


class QuotaDetailView(QuotaView):
    def get(self, request, project_id):
        return super().get(request, project_id, details=True)
