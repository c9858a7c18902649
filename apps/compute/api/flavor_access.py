"""os-flavor-access: which projects may see and boot a private flavor (admins only).

``GET /flavors/{id}/os-flavor-access`` lists them; ``POST /flavors/{id}/action`` with
``addTenantAccess`` or ``removeTenantAccess`` changes the list. A public flavor has no list (404),
and from microversion 2.7 access cannot be added to one (409), as in Nova.
"""

from django.db import IntegrityError, transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.common.microversion import at_least
from apps.compute.api.schemas import flavors as flavor_schemas
from apps.compute.models import Flavor, FlavorAccess
from apps.compute.servers.lookup import get_flavor
from apps.identity import policy
from apps.identity.auth import request_context
from apps.identity.models import Project


def access_list(flavor: Flavor) -> dict:
    """``{"flavor_access": [{"flavor_id", "tenant_id"}, ...]}``."""
    projects = FlavorAccess.objects.filter(flavor=flavor).values_list("project_id", flat=True)
    return {"flavor_access": [{"flavor_id": flavor.flavorid, "tenant_id": project} for project in projects]}


class FlavorAccessView(APIView):
    """The projects a private flavor is shared with."""

    def get(self, request, flavor_id):
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-flavor-access")
        flavor = get_flavor(ctx, flavor_id)
        if flavor.is_public:
            raise NotFound("Access list not available for public flavors.")
        return Response(access_list(flavor))


def _action(data) -> str:
    """The one key of an action body."""
    if not isinstance(data, dict) or len(data) != 1:
        raise BadRequest("Malformed message body: too many body keys")
    ((name, _),) = data.items()
    if name not in flavor_schemas.ACCESS_ACTIONS:
        raise BadRequest(f"There is no such action: {name}")
    return name


class FlavorActionView(APIView):
    """``addTenantAccess`` and ``removeTenantAccess``."""

    def post(self, request, flavor_id):
        name = _action(request.data)
        # As in Nova, the body is checked before the policy.
        tenant = flavor_schemas.ACCESS_ACTIONS[name].validate(request)[name]["tenant"]
        ctx = request_context(request)
        if name == "addTenantAccess":
            policy.enforce(ctx, "os_compute_api:os-flavor-access:add_tenant_access")
            if not Project.objects.filter(pk=tenant).exists():
                raise BadRequest(f"Project ID {tenant} is not a valid project.")
            flavor = get_flavor(ctx, flavor_id)
            self._add(request, flavor, tenant)
        else:
            # Whether the project still exists does not matter: it can be taken off the list either way.
            policy.enforce(ctx, "os_compute_api:os-flavor-access:remove_tenant_access")
            flavor = get_flavor(ctx, flavor_id)
            if not FlavorAccess.objects.filter(flavor=flavor, project_id=tenant).delete()[0]:
                # Nova names the flavor by its internal id in both access messages.
                raise NotFound(f"Flavor access not found for {flavor.pk} / {tenant} combination.")
        return Response(access_list(flavor))

    @staticmethod
    def _add(request, flavor: Flavor, tenant: str) -> None:
        if flavor.is_public and at_least(request, "2.7"):
            raise Conflict("Can not add access to a public flavor.")
        try:
            with transaction.atomic():
                FlavorAccess.objects.create(flavor=flavor, project_id=tenant)
        except IntegrityError:
            if not Flavor.objects.filter(pk=flavor.pk).exists():  # deleted meanwhile
                raise NotFound(f"Flavor {flavor.flavorid} could not be found.") from None
            raise Conflict(
                f"Flavor access already exists for flavor {flavor.pk} and project {tenant} combination."
            ) from None
