"""``GET /v2/images``: Glance's filters, sorting (``sort_key``/``sort_dir`` or ``sort=key:dir``) and
marker paging, done in the database (keyset pagination over the sort keys, ``id`` last)."""

import csv
import uuid
from functools import reduce
from operator import and_, or_
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import BigIntegerField, CharField, F, Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from apps.common.exceptions import BadRequest
from apps.common.times import parse_utc
from apps.identity.auth import RequestContext
from apps.images.api.base import COLLECTION
from apps.images.api.request_schemas import VISIBILITIES
from apps.images.api.validation import STATUSES
from apps.images.models import Image

DEFAULT_LIMIT = 25
NOT_FILTERS = frozenset({"limit", "marker", "sort", "sort_key", "sort_dir", "member_status", "format"})
SORT_KEYS = {
    "name": F("name"),
    "status": F("status"),
    "container_format": F("container_format"),
    "disk_format": F("disk_format"),
    "size": Coalesce("size", Value(-1), output_field=BigIntegerField()),
    "id": F("id"),
    "created_at": F("created_at"),
    "updated_at": F("updated_at"),
    "visibility": F("visibility"),
    "owner": Coalesce("owner_id", Value(""), output_field=CharField()),
    "min_disk": F("min_disk"),
    "min_ram": F("min_ram"),
    "protected": F("protected"),
}
# Filters on a column, exact or ``in:a,b``.
COLUMN_FILTERS = {
    "id": "id",
    "name": "name",
    "status": "status",
    "owner": "owner_id",
    "disk_format": "disk_format",
    "container_format": "container_format",
    "checksum": "checksum",
    "os_hash_value": "os_hash_value",
}
TIME_OPERATORS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "eq": "exact"}


def max_limit() -> int:
    return getattr(settings, "IMAGE_API_LIMIT_MAX", 1000)


def _values(raw: str) -> list[str]:
    """``in:a,"b,c"`` is a list (quoted values may hold commas); anything else is one value."""
    if raw.startswith("in:"):
        return [value for value in next(csv.reader([raw[3:]], skipinitialspace=True), []) if value != ""]
    return [raw]


def _boolean(name: str, raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"Invalid value for {name}: {raw!r} (true or false).")
    return raw.lower() == "true"


def _integer(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"Invalid value for {name}: {raw!r} (an integer).") from None


def _time_filter(name: str, raw: str) -> Q:
    operator, sep, when = raw.partition(":")
    if not sep or operator not in (*TIME_OPERATORS, "neq"):
        operator, when = "eq", raw
    moment = parse_utc(when)
    if moment is None:
        raise BadRequest(f"Invalid value for {name}: {raw!r} (an operator gt, gte, lt, lte, eq or neq and a time).")
    if operator == "neq":
        return ~Q(**{name: moment})
    return Q(**{f"{name}__{TIME_OPERATORS[operator]}": moment})


def listable(ctx: RequestContext, visibility: str | None):
    """Which images a listing starts from, as Glance: by default public ones and the caller's own;
    ``visibility=all`` adds community images; an admin sees every image unless it filters."""
    images = Image.objects.exclude(status=Image.Status.DELETED)
    mine = Q(owner_id=ctx.project_id)
    if visibility is None or visibility == "all":
        if ctx.is_admin:
            return images
        condition = Q(visibility=Image.Visibility.PUBLIC) | mine
        if visibility == "all":
            condition |= Q(visibility=Image.Visibility.COMMUNITY)
        return images.filter(condition)
    if visibility not in VISIBILITIES:
        raise BadRequest(f"Invalid visibility value: {visibility}")
    images = images.filter(visibility=visibility)
    if visibility in (Image.Visibility.PUBLIC, Image.Visibility.COMMUNITY) or ctx.is_admin:
        return images
    return images.filter(mine)


def filtered(ctx: RequestContext, params):
    """The caller's images matching the query's filters; unknown parameters filter custom properties."""
    images = listable(ctx, params.get("visibility"))
    for name, column in COLUMN_FILTERS.items():
        if name in params:
            values = _values(params[name])
            if name == "status":
                for value in values:
                    if value not in STATUSES:
                        raise BadRequest(f"Invalid status value: {value}")
            if name == "id":
                values = [value for value in values if _is_uuid(value)]
            images = images.filter(**{f"{column}__in": values})
    for tag in params.getlist("tag"):
        images = images.filter(tags__value=tag)
    if "protected" in params:
        images = images.filter(protected=_boolean("protected", params["protected"]))
    images = images.filter(os_hidden=_boolean("os_hidden", params.get("os_hidden", "false")))
    if "size_min" in params:
        images = images.filter(size__gte=_integer("size_min", params["size_min"]))
    if "size_max" in params:
        images = images.filter(size__lte=_integer("size_max", params["size_max"]))
    for name in ("created_at", "updated_at"):
        if name in params:
            images = images.filter(_time_filter(name, params[name]))
    handled = NOT_FILTERS | set(COLUMN_FILTERS) | {"visibility", "tag", "protected", "os_hidden", "size_min",
                                                   "size_max", "created_at", "updated_at"}  # fmt: skip
    for index, key in enumerate(k for k in params if k not in handled):
        alias = f"_property_{index}"
        # Cast: SQLite would otherwise compare against the values parsed as JSON ("malformed JSON").
        images = images.annotate(**{alias: Cast(KeyTextTransform(key, "properties"), CharField())})
        images = images.filter(**{f"{alias}__in": _values(params[key])})
    return images


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def sort_order(params) -> list[tuple[str, str]]:
    """``[(key, "asc"|"desc"), ...]`` from either syntax, with ``created_at`` and ``id`` as tie-breakers."""
    sort, keys, dirs = params.get("sort"), params.getlist("sort_key"), params.getlist("sort_dir")
    if sort is not None and (keys or dirs):
        raise BadRequest("The 'sort' parameter cannot be combined with 'sort_key' or 'sort_dir'.")
    if sort is not None:
        pairs = []
        for item in sort.split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key.strip(), direction.strip() or "desc"))
    else:
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise BadRequest("The number of sort_dir values must match the number of sort_key values.")
        keys = keys or ["created_at"]
        pairs = [(key, dirs[i] if len(dirs) > 1 else (dirs[0] if dirs else "desc")) for i, key in enumerate(keys)]
    order = []
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}.")
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {direction}")
        if key not in (existing for existing, _ in order):
            order.append((key, direction))
    for tie_breaker in ("created_at", "id"):
        if tie_breaker not in (existing for existing, _ in order):
            order.append((tie_breaker, order[-1][1]))
    return order


def _limit(params) -> int:
    raw = params.get("limit")
    if raw is None:
        return min(DEFAULT_LIMIT, max_limit())
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise BadRequest("limit param must be positive")
    return min(limit, max_limit())


def page(ctx: RequestContext, params) -> tuple[list[Image], bool]:
    """One page of the listing and whether more follow."""
    order = sort_order(params)
    limit = _limit(params)
    aliases = {f"_sort_{index}": SORT_KEYS[key] for index, (key, _) in enumerate(order)}
    images = filtered(ctx, params).annotate(**aliases)
    directions = [direction for _, direction in order]
    names = list(aliases)
    pairs = zip(names, directions, strict=True)
    images = images.order_by(*(F(name).asc() if direction == "asc" else F(name).desc() for name, direction in pairs))
    marker = params.get("marker")
    if marker is not None:
        found = None
        if _is_uuid(marker):
            found = Image.objects.visible_to(ctx).annotate(**aliases).filter(id=marker).values(*aliases).first()
        if found is None:
            raise BadRequest(f"Invalid marker. Image {marker} could not be found.")
        images = images.filter(_after(found, names, directions))
    rows = list(images.prefetch_related("tags")[: limit + 1])
    return rows[:limit], len(rows) > limit


def _after(marker: dict, aliases: list[str], directions: list[str]) -> Q:
    """Rows strictly after the marker in the sort order: (k1 > m1) or (k1 = m1 and k2 > m2) or ..."""
    alternatives = []
    for index, alias in enumerate(aliases):
        equal = [Q(**{previous: marker[previous]}) for previous in aliases[:index]]
        lookup = "gt" if directions[index] == "asc" else "lt"
        alternatives.append(reduce(and_, [*equal, Q(**{f"{alias}__{lookup}": marker[alias]})]))
    return reduce(or_, alternatives)


def links(params, last: Image | None, more: bool) -> dict:
    """``first`` and, when more images follow, ``next``: the same query with the new marker."""
    pairs = [(key, value) for key in params for value in params.getlist(key) if key != "marker"]
    body = {"first": f"{COLLECTION}?{urlencode(pairs)}" if pairs else COLLECTION}
    if more and last is not None:
        body["next"] = f"{COLLECTION}?{urlencode([*pairs, ('marker', str(last.id))])}"
    return body
