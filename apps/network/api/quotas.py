"""``/v2.0/quotas/<project>``: the network quotas clients ask for (``openstack quota show``).

This flat network enforces none of them beyond its address pools; the limits are Neutron's
defaults and the usage is counted, so the numbers are true.
"""

from rest_framework.response import Response

from apps.identity.auth import request_context
from apps.network.api.base import NetworkAPIView, not_authorized
from apps.network.models import Network, Port, Subnet

LIMITS = {"network": 100, "subnet": 100, "port": 500, "router": 10, "floatingip": 50, "security_group": 10,
          "security_group_rule": 100, "rbac_policy": 10, "subnetpool": -1}  # fmt: skip


def usage(project_id: str) -> dict[str, int]:
    return {
        "network": Network.objects.filter(project_id=project_id).count(),
        "subnet": Subnet.objects.filter(network__project_id=project_id).count(),
        "port": Port.objects.filter(project_id=project_id).count(),
    }


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
