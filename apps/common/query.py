"""Query parameters by microversion, checked as Nova checks them.

Nova validates a query as a JSON schema over ``{name: [values]}`` (a parameter may repeat) and reads
the last value of each. Until a schema is closed, names it does not list are dropped, not refused;
server lists closed at 2.75 and every other read at 2.102. A view declares its reads' parameters::

    query = Query({"2.1": query_schema(PAGING, strict=False), "2.75": query_schema(PAGING, strict=True)})

calls ``query.validate(request)`` for the values, and ``KnownQueryParams`` (a permission every API
view has by default, so it runs after authentication) refuses unknown names before the view runs.
A Compute API view that declares nothing takes no parameter from 2.102.
"""

import copy

import jsonschema
from rest_framework.permissions import BasePermission

from apps.common.exceptions import BadRequest
from apps.common.microversion import MIN_VERSION, PREFIX
from apps.common.schemas import FORMATS, Body
from apps.common.times import parse_utc

# Nova's date-time is whatever ``timeutils.parse_isotime`` reads (no offset needed), not RFC 3339's.
_FORMATS = copy.copy(FORMATS)
_FORMATS.checkers = dict(FORMATS.checkers)


@_FORMATS.checks("date-time")
def _date_time(value) -> bool:
    return not isinstance(value, str) or parse_utc(value) is not None


def multi(schema: dict, description: str = "") -> dict:
    """A parameter that may repeat (Nova's ``multi_params``; the last value counts)."""
    return {"type": "array", "items": schema, **({"description": description} if description else {})}


def single(schema: dict, description: str = "") -> dict:
    """A parameter given at most once (Nova's ``single_param``)."""
    return {**multi(schema, description), "maxItems": 1}


def query_schema(properties: dict, strict: bool) -> dict:
    """The query naming ``properties``; ``strict``: any other name is a 400, else it is dropped."""
    return {"type": "object", "properties": properties, "additionalProperties": not strict}


def closed(properties: dict) -> dict:
    return query_schema(properties, strict=True)


def open_(properties: dict) -> dict:
    return query_schema(properties, strict=False)


class Query:
    """The query parameters of one read by microversion (``{"2.1": schema, "2.75": schema}``, each
    from its version until the next)."""

    def __init__(self, by_version: dict[str, dict]):
        self._body = Body(by_version)
        self._validators = {id(schema): jsonschema.Draft202012Validator(schema, format_checker=_FORMATS)
                            for _, schema in self._body.by_version}  # fmt: skip

    def validate(self, request) -> dict[str, str]:
        """The parameters the schema names, each with its last value; a violation is Nova's 400."""
        params = {name: request.query_params.getlist(name) for name in request.query_params}
        schema = self._body.schema_at(getattr(request, "api_version", MIN_VERSION))
        error = jsonschema.exceptions.best_match(self._validators[id(schema)].iter_errors(params))
        if error is not None:
            if error.path:
                name = error.path.popleft()
                raise BadRequest(f"Invalid input for query parameters {name}. Value: {error.instance}. {error.message}")
            raise BadRequest(error.message)
        return {name: values[-1] for name, values in params.items() if name in schema["properties"] and values}

    def unknown(self, version: tuple[int, int], given) -> list[str]:
        """The names in ``given`` refused at ``version`` (none while the schema is open)."""
        schema = self._body.schema_at(version)
        if schema.get("additionalProperties", True) is not False:
            return []
        return sorted(name for name in given if name not in schema["properties"])

    def described(self) -> tuple[dict, ...]:
        """The parameters as OpenAPI query parameters (at the latest microversion, one value each)."""
        return tuple(
            {"name": name, "in": "query", "required": False, "description": schema.get("description", ""),
             "schema": schema["items"]}
            for name, schema in self._body.latest()["properties"].items()
        )  # fmt: skip


def strict_from(version: str, properties: dict | None = None) -> Query:
    """A read naming ``properties`` (``{name: multi(...)}``): other names are dropped before
    ``version`` and a 400 from it."""
    return Query({"2.1": open_(properties or {}), version: closed(properties or {})})


#: A read without parameters, as Nova's went strict at 2.102: what a view that declares none gets.
NONE = strict_from("2.102")


class KnownQueryParams(BasePermission):
    """A 400 for a query parameter the Compute API route does not know, once its schema is closed."""

    def has_permission(self, request, view) -> bool:
        if request.method not in ("GET", "HEAD") or not request.path.startswith(PREFIX):
            return True
        query = getattr(view, "query", None) or NONE
        unknown = query.unknown(getattr(request, "api_version", MIN_VERSION), request.query_params.keys())
        if unknown:
            quoted = ", ".join(repr(name) for name in unknown)
            raise BadRequest(f"Additional properties are not allowed ({quoted} {'were' if len(unknown) > 1 else 'was'} "
                             "unexpected)")  # fmt: skip
        return True
