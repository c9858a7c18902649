"""``/flavors/{id}/os-extra_specs``: flavor extra specs (admin to change, anyone to read).

From microversion 2.86 a spec in a namespace Nova knows must be one of its specs, with a value it
accepts (``apps.compute.extra_specs``).
"""

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, NotFound
from apps.common.microversion import at_least
from apps.compute import extra_specs
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


def _checked(request, specs: dict) -> dict:
    """Nova's checks of the values (after the policy, before the flavor is looked up): a number
    must be at most 255 characters written out, and from 2.86 a known spec must be valid."""
    policy.enforce(request_context(request), "os_compute_api:os-flavor-extra-specs:update")
    for name, value in specs.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
            if len(value) > 255:
                raise BadRequest(f"extra_specs value has {len(value)} characters, more than 255.")
        if at_least(request, "2.86"):
            try:
                extra_specs.validate(name, str(value))
            except extra_specs.InvalidExtraSpec as exc:
                raise BadRequest(str(exc)) from None
    return specs


def _as_text(specs: dict) -> dict:
    """Extra specs are kept as strings (a number or a boolean given is written as Nova writes it)."""
    return {key: (str(value).lower() if isinstance(value, bool) else str(value)) for key, value in specs.items()}


class ExtraSpecsView(APIView):
    def get(self, request, flavor_id):
        return Response({"extra_specs": _flavor(request, flavor_id, write=False).extra_specs})

    def post(self, request, flavor_id):
        specs = _as_text(_checked(request, schemas.EXTRA_SPECS.validate(request)["extra_specs"]))
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
        body = _as_text(_checked(request, schemas.EXTRA_SPEC.validate(request)))
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
