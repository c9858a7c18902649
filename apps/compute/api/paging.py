"""Paging as Nova's collections have it (instance actions, migrations, hypervisors, services,
aggregates): ``limit``/``marker``, ``changes-since``/``changes-before``, the ``next`` link of a full
page, and the query words they share (the schemas themselves: ``apps.common.query``)."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import Q

from apps.common.exceptions import BadRequest
from apps.common.query import Query, open_, single
from apps.common.times import parse_utc

MAX_LIMIT = 1000  # Nova's [api] max_limit

STRING = {"type": "string"}
NON_NEGATIVE = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 0, "minLength": 1}
DATE_TIME = {"type": "string", "format": "date-time"}
BOOLEAN = {"type": ["boolean", "string"], "enum": ["True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes",
                                                    "yes", "False", "FALSE", "false", "0", "OFF", "Off", "off",
                                                    "NO", "No", "no"]}  # fmt: skip
FQDN = {"type": "string", "pattern": "^[a-zA-Z0-9-._]*$", "minLength": 1, "maxLength": 255}
PAGING = {"limit": single(NON_NEGATIVE), "marker": single(STRING)}


ANY = Query({"2.1": open_({})})


def limit_of(params: dict) -> int:
    """The page size asked for, at most ``MAX_LIMIT`` (0 is an empty page, as in Nova)."""
    return min(int(params.get("limit", MAX_LIMIT)), MAX_LIMIT)


def changes(params: dict, rows, field: str = "updated_at"):
    """``rows`` changed since (``>=``) and before (``<=``) the times asked for, as Nova's filters."""
    since = parse_utc(params["changes-since"]) if params.get("changes-since") else None
    before = parse_utc(params["changes-before"]) if params.get("changes-before") else None
    if since and before and before < since:
        raise BadRequest("The value of changes-since must be less than or equal to changes-before.")
    if since:
        rows = rows.filter(**{f"{field}__gte": since})
    if before:
        rows = rows.filter(**{f"{field}__lte": before})
    return rows


def next_links(request, params: dict, items: list[dict], collection: str, id_key: str) -> list[dict]:
    """Nova's ``next`` link: when the page is as long as the limit allowed (1000 without one), the
    same query (its named parameters, sorted) with the last item's ``id_key`` as the marker."""
    limit = limit_of(params)
    if not limit or len(items) != limit:
        return []
    query = dict(sorted({**params, "marker": items[-1][id_key]}.items()))
    project = getattr(request, "url_project_id", None)
    path = "/v2.1" + (f"/{project}" if project else "") + f"/{collection}"
    return [{"rel": "next", "href": f"{request.build_absolute_uri(path)}?{urlencode(query)}"}]


def newest_page(rows, params: dict, find_marker: Callable[[str], object], field: str) -> list:
    """Nova's page of ``rows``, newest first by ``field``: none for a ``limit`` of 0, else up to the
    limit after the ``marker`` row ``find_marker(marker)`` finds (a 400 when it finds none)."""
    limit = limit_of(params)
    if not limit:
        return []
    marker, anchor = params.get("marker"), None
    if marker is not None:
        anchor = find_marker(marker)
        if anchor is None:
            raise BadRequest(f"Marker {marker} could not be found.")
    return newest_after(rows, anchor, field, limit)


def newest_after(rows, anchor, field: str, limit: int) -> list:
    """Up to ``limit`` of ``rows``, newest first by ``field`` (then id), after ``anchor`` (a row of
    them, the page's marker; None starts from the newest)."""
    if anchor is not None:
        value = getattr(anchor, field)
        rows = rows.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "id__lt": anchor.id}))
    return list(rows.order_by(f"-{field}", "-id")[:limit])
