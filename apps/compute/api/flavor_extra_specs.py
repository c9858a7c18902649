"""``/flavors/{id}/os-extra_specs``: flavor extra specs (admin to change, anyone to read)."""

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, NotFound
from apps.compute.api.schemas import flavors as schemas
from apps.compute.models import Flavor
from apps.compute.servers.lookup import get_flavor
from apps.identity import policy
from apps.identity.auth import request_context


def _flavor(request, flavor_id, write: bool) -> Flavor:
    ctx = request_context(request)
    if write:
        policy.enforce(ctx, "os_compute_api:os-flavor-extra-specs:update")
    flavor = get_flavor(ctx, flavor_id)
    return Flavor.objects.select_for_update().get(pk=flavor.pk) if write else flavor


def _as_text(specs: dict) -> dict:
    """Extra specs are kept as strings (a number or a boolean given is written as Nova writes it)."""
    return {key: (str(value).lower() if isinstance(value, bool) else str(value)) for key, value in specs.items()}


class ExtraSpecsView(APIView):
    def get(self, request, flavor_id):
        return Response({"extra_specs": _flavor(request, flavor_id, write=False).extra_specs})

    def post(self, request, flavor_id):
        specs = _as_text(schemas.EXTRA_SPECS.validate(request)["extra_specs"])
        with transaction.atomic():
            flavor = _flavor(request, flavor_id, write=True)
            flavor.extra_specs = {**flavor.extra_specs, **specs}
            flavor.save(update_fields=["extra_specs", "updated_at"])
        return Response({"extra_specs": flavor.extra_specs})


class ExtraSpecView(APIView):
    def get(self, request, flavor_id, key):
        specs = _flavor(request, flavor_id, write=False).extra_specs
        if key not in specs:
            raise NotFound(f"Flavor {flavor_id} has no extra specs with key {key}.")
        return Response({key: specs[key]})

    def put(self, request, flavor_id, key):
        body = _as_text(schemas.EXTRA_SPEC.validate(request))
        if list(body) != [key]:
            raise BadRequest("Request body and URI mismatch")
        with transaction.atomic():
            flavor = _flavor(request, flavor_id, write=True)
            flavor.extra_specs = {**flavor.extra_specs, **body}
            flavor.save(update_fields=["extra_specs", "updated_at"])
        return Response(body)

    def delete(self, request, flavor_id, key):
        with transaction.atomic():
            flavor = _flavor(request, flavor_id, write=True)
            if key not in flavor.extra_specs:
                raise NotFound(f"Flavor {flavor_id} has no extra specs with key {key}.")
            flavor.extra_specs = {k: v for k, v in flavor.extra_specs.items() if k != key}
            flavor.save(update_fields=["extra_specs", "updated_at"])
        return Response(status=200)
