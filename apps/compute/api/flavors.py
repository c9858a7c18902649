"""Flavors: list (with Nova's filters, sorting and paging), show, create, describe (2.55) and delete.

A flavor's body follows the microversion as Nova's: ``description`` from 2.55, ``extra_specs`` from
2.61 (to whoever may list them), ``swap`` 0 rather than "" from 2.75, and no ``rxtx_factor`` or
``OS-FLV-DISABLED:disabled`` from 2.102.
"""

import uuid

from django.db import DataError, IntegrityError, transaction
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.common.microversion import at_least
from apps.compute.api import builders, validation
from apps.compute.api.paging import limit_of, next_links
from apps.compute.api.schemas import flavors as flavor_schemas
from apps.compute.extra_specs import FALSE_WORDS, TRUE_WORDS
from apps.compute.models import Flavor, FlavorAccess
from apps.compute.servers.lookup import get_flavor
from apps.identity import policy
from apps.identity.auth import RequestContext, request_context

EXTRA_SPECS_RULE = "os_compute_api:os-flavor-extra-specs:index"


def flavor_brief(request, flavor: Flavor) -> dict:
    """A flavor as ``GET /flavors`` lists it."""
    body = {"id": flavor.flavorid, "name": flavor.name, "links": builders.links(request, "flavors", flavor.flavorid)}
    if at_least(request, "2.55"):
        body["description"] = flavor.description
    return body


def flavor_detail(request, flavor: Flavor, extra_specs: bool = False) -> dict:
    """A flavor as it is shown, created, updated and listed in detail; ``extra_specs`` from 2.61 when
    the caller may read them (``shows_extra_specs``)."""
    body = {
        **flavor_brief(request, flavor),
        "ram": flavor.memory_mb,
        "vcpus": flavor.vcpus,
        "disk": flavor.root_gb,
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "swap": flavor.swap or (0 if at_least(request, "2.75") else ""),
        "os-flavor-access:is_public": flavor.is_public,
    }
    if not at_least(request, "2.102"):  # nova-network's rxtx_factor, and the never-settable disabled
        body["rxtx_factor"] = flavor.rxtx_factor or ""
        body["OS-FLV-DISABLED:disabled"] = flavor.disabled
    if extra_specs:
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def shows_extra_specs(request, ctx: RequestContext) -> bool:
    """From 2.61 a flavor's body carries its extra specs, to those the policy lets list them."""
    return at_least(request, "2.61") and policy.allowed(ctx, EXTRA_SPECS_RULE)


def _is_public(value: str | None) -> bool | None:
    """An admin's ``is_public``: True when absent (public flavors and the project's own private
    ones), None for ``none`` (every flavor), else a strict boolean."""
    if value is None:
        return True
    if value.lower() == "none":
        return None
    lowered = value.strip().lower()  # oslo's strict boolean strings, as Nova reads ``is_public``
    if lowered in TRUE_WORDS or lowered in FALSE_WORDS:
        return lowered in TRUE_WORDS
    raise BadRequest(f"Invalid is_public filter [{value}]")


def _at_least(params: dict, name: str) -> int:
    try:
        return int(params[name])
    except ValueError:
        raise BadRequest(f"Invalid {name} filter [{params[name]}]") from None


def _sort_value(key: str):
    """What ``sort_key`` orders by (the flavor's id breaks ties, as Nova's internal id does)."""
    if key == "id":
        return F("pk")
    if key == "vcpu_weight":  # not kept here: null for every flavor, so the order is the id's
        return Value(0)
    if key == "description":
        return Coalesce("description", Value("", output_field=TextField()))
    return F(key)


def filtered(ctx: RequestContext, params: dict):
    """The flavors a list shows, as Nova filters them: an admin chooses with ``is_public``; anyone
    else sees the enabled flavors that are public or shared with its project."""
    flavors = Flavor.objects.visible_to(ctx)
    if ctx.is_admin:
        public = _is_public(params.get("is_public"))
        if public is False:
            flavors = flavors.filter(is_public=False)
        elif public:
            shared = FlavorAccess.objects.filter(project_id=ctx.project_id).values("flavor_id")
            flavors = flavors.filter(Q(is_public=True) | Q(pk__in=shared) if ctx.project_id else Q(is_public=True))
    else:
        flavors = flavors.filter(disabled=False)
    if "minRam" in params:
        flavors = flavors.filter(memory_mb__gte=_at_least(params, "minRam"))
    if "minDisk" in params:
        flavors = flavors.filter(root_gb__gte=_at_least(params, "minDisk"))
    if "name" in params:  # 2.102: a regular expression, as Nova's database matches it (PostgreSQL's ~)
        flavors = flavors.filter(name__regex=_regex(params["name"]))
    return flavors


def _regex(pattern: str) -> str:
    """``pattern`` if the database takes it as a regular expression, else a 400 (not the 500 of a
    query that fails half way)."""
    try:
        with transaction.atomic():  # a savepoint, so the refusal leaves the request's transaction usable
            Flavor.objects.filter(name__regex=pattern).exists()
    except (DataError, ValueError):
        raise BadRequest(f"Invalid name filter [{pattern}]") from None
    return pattern


def page(ctx: RequestContext, params: dict, flavors) -> list[Flavor]:
    """One page of ``flavors``: sorted by ``sort_key``/``sort_dir`` (flavorid, asc), starting after
    ``marker`` (any flavor the caller may see), at most ``limit``."""
    descending = params.get("sort_dir", "asc") == "desc"
    value = _sort_value(params.get("sort_key", "flavorid"))
    flavors = flavors.annotate(sort_value=value).order_by(
        *(("-sort_value", "-pk") if descending else ("sort_value", "pk"))
    )
    if "marker" in params:
        marker = params["marker"]
        anchor = (Flavor.objects.visible_to(ctx).annotate(sort_value=value).filter(flavorid=marker)
                  .values("sort_value", "pk").first())  # fmt: skip
        if anchor is None:
            raise BadRequest(f"marker [{marker}] not found")
        beyond = "lt" if descending else "gt"
        flavors = flavors.filter(
            Q(**{f"sort_value__{beyond}": anchor["sort_value"]})
            | Q(sort_value=anchor["sort_value"], **{f"pk__{beyond}": anchor["pk"]})
        )
    return list(flavors[: limit_of(params)])


class FlavorListView(APIView):
    """Flavors: list (GET), create (POST, admin)."""

    detail = False
    query = flavor_schemas.INDEX_QUERY

    def get(self, request):
        ctx = request_context(request)
        params = flavor_schemas.INDEX_QUERY.validate(request)
        flavors = page(ctx, params, filtered(ctx, params))
        if self.detail:
            specs = shows_extra_specs(request, ctx)
            body = {"flavors": [flavor_detail(request, flavor, specs) for flavor in flavors]}
        else:
            body = {"flavors": [flavor_brief(request, flavor) for flavor in flavors]}
        collection = "flavors/detail" if self.detail else "flavors"
        if links := next_links(request, params, body["flavors"], collection, "id"):
            body["flavors_links"] = links
        return Response(body)

    def post(self, request):
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-flavor-manage:create")
        data = flavor_schemas.CREATE.validate(request)
        spec = validation.flavor_create(data)
        spec["description"] = data["flavor"].get("description")  # only the 2.55 schema lets one through
        if spec["flavorid"] is None:
            spec["flavorid"] = str(uuid.uuid4())
        if Flavor.objects.filter(name=spec["name"]).exists():
            raise Conflict(f"Flavor with name {spec['name']} already exists.")
        if Flavor.objects.filter(flavorid=spec["flavorid"]).exists():
            raise Conflict(f"Flavor with ID {spec['flavorid']} already exists.")
        try:
            with transaction.atomic():
                flavor = Flavor.objects.create(**spec)
        except IntegrityError:
            raise Conflict(f"Flavor with name {spec['name']} or ID {spec['flavorid']} already exists.") from None
        return Response({"flavor": flavor_detail(request, flavor, shows_extra_specs(request, ctx))})


class FlavorDetailListView(FlavorListView):
    """Flavors with their sizes."""

    detail = True
    http_method_names = ["get", "head", "options"]


class FlavorView(APIView):
    """One flavor: show (GET), describe (PUT, admin, from 2.55), delete (DELETE, admin)."""

    def get(self, request, flavor_id):
        ctx = request_context(request)
        flavor = get_flavor(ctx, flavor_id)
        return Response({"flavor": flavor_detail(request, flavor, shows_extra_specs(request, ctx))})

    def put(self, request, flavor_id):
        if not at_least(request, "2.55"):  # Nova's answer to a method its version lacks
            raise NotFound("The resource could not be found.")
        description = flavor_schemas.UPDATE.validate(request)["flavor"]["description"]  # the body first, as Nova
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-flavor-manage:update")
        with transaction.atomic():
            flavor = Flavor.objects.select_for_update().get(pk=get_flavor(ctx, flavor_id).pk)
            flavor.description = description
            flavor.save(update_fields=["description", "updated_at"])
        return Response({"flavor": flavor_detail(request, flavor, shows_extra_specs(request, ctx))})

    def delete(self, request, flavor_id):
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-flavor-manage:delete")
        get_flavor(ctx, flavor_id).delete()
        return Response(status=202)
