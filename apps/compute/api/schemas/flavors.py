"""``/flavors`` (admins create them), their extra specs and access list, and the list's query."""

import jsonschema

from apps.common.exceptions import BadRequest
from apps.common.microversion import MIN_VERSION
from apps.common.schemas import BOOLEAN, FORMATS, NAME, Body, closed, envelope

_INTEGER = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$", "maximum": 2**31 - 1}
_FLAVOR = {
    "name": NAME,
    "id": {**NAME, "type": ["string", "integer", "null"], "description": "Generated (a UUID) when absent or null"},
    "ram": {**_INTEGER, "minimum": 1},
    "vcpus": {**_INTEGER, "minimum": 1},
    "disk": {**_INTEGER, "minimum": 0},
    "OS-FLV-EXT-DATA:ephemeral": {**_INTEGER, "minimum": 0},
    "swap": {"type": ["integer", "string"], "pattern": r"^[0-9]*$", "minimum": 0, "maximum": 2**31 - 1,
             "description": "MiB (0 or '' for none)"},
    "rxtx_factor": {"type": ["number", "string"], "pattern": r"^[0-9]+(\.[0-9]+)?$", "exclusiveMinimum": 0,
                    "maximum": 3.40282e38},
    "os-flavor-access:is_public": BOOLEAN,
}  # fmt: skip
CREATE = Body(
    {"2.1": envelope("flavor", closed(_FLAVOR, ["name", "ram", "vcpus", "disk"]))},
    example={"flavor": {"name": "m1.custom", "ram": 1024, "vcpus": 2, "disk": 10}},
)

_SPEC_VALUE = {"type": ["string", "number", "boolean"], "minLength": 0, "maxLength": 255,
               "pattern": r"^[^\x00]*$"}  # fmt: skip
_SPECS = {"type": "object", "patternProperties": {r"^[a-zA-Z0-9-_:. ]{1,255}$": _SPEC_VALUE},
          "additionalProperties": False}  # fmt: skip
EXTRA_SPECS = Body({"2.1": envelope("extra_specs", _SPECS)}, example={"extra_specs": {"hw:cpu_policy": "shared"}})
EXTRA_SPEC = Body({"2.1": {**_SPECS, "minProperties": 1, "maxProperties": 1}}, example={"hw:cpu_policy": "dedicated"})

# POST /flavors/{id}/action: one of the two os-flavor-access actions, naming the project.
_TENANT = {"type": "string", "minLength": 1, "maxLength": 255, "description": "The project's id"}
ACCESS_ACTIONS = {
    action: Body({"2.1": envelope(action, closed({"tenant": _TENANT}, ["tenant"]))})
    for action in ("addTenantAccess", "removeTenantAccess")
}


def access_actions_described() -> dict:
    """Both flavor access actions' bodies, for the OpenAPI document: one of them."""
    return {
        "oneOf": [body.described() for body in ACCESS_ACTIONS.values()],
        "examples": [{"addTenantAccess": {"tenant": "6f70656e737461636b20342065766572"}}],
    }


# GET /flavors and /flavors/detail (Nova's ``index_query``): each parameter may repeat, so each is
# checked as a list of its values. Parameters it does not name are ignored until 2.75.
SORT_KEYS = ("created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id", "is_public", "memory_mb",
             "name", "root_gb", "rxtx_factor", "swap", "updated_at", "vcpu_weight", "vcpus")  # fmt: skip
SORT_DIRS = ("asc", "desc")


def _multi(schema: dict, description: str) -> dict:
    return {"type": "array", "items": schema, "description": description}


_STRING = {"type": "string"}
_INDEX_QUERY = {
    "limit": _multi({"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 0, "minLength": 1},
                    "The most flavors to return (at most 1000); a flavors_links next link follows a full page"),
    "marker": _multi(_STRING, "The id of the last flavor of the previous page: the page starts after it"),
    "is_public": _multi(_STRING, "Admins: true (the default: public flavors and the project's private ones), "
                                 "false (private only) or none (all); ignored for others"),
    "minRam": _multi(_STRING, "Only flavors with at least this much RAM (MiB)"),
    "minDisk": _multi(_STRING, "Only flavors with at least this much root disk (GiB)"),
    "sort_key": _multi({"type": "string", "enum": list(SORT_KEYS)}, "Sort by this field (default flavorid)"),
    "sort_dir": _multi({"type": "string", "enum": list(SORT_DIRS)}, "Sort direction (default asc)"),
}  # fmt: skip


class Query:
    """The query parameters of one operation by microversion, checked as Nova checks them: a JSON
    schema over ``{name: [values]}`` (a parameter may repeat), the first violation a 400 naming it."""

    def __init__(self, by_version: dict[str, dict]):
        self._body = Body(by_version)
        self._validators = {id(schema): jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
                            for _, schema in self._body.by_version}  # fmt: skip

    def validate(self, request) -> dict[str, str]:
        """The parameters the schema names, each with its last value (as Nova reads them); the
        others are dropped, as Nova's relaxed validation strips them."""
        params = {name: request.query_params.getlist(name) for name in request.query_params}
        schema = self._body.schema_at(getattr(request, "api_version", MIN_VERSION))
        error = next(iter(self._validators[id(schema)].iter_errors(params)), None)
        if error is not None:
            if error.path:
                name = error.path.popleft()
                raise BadRequest(f"Invalid input for query parameters {name}. Value: {error.instance}. {error.message}")
            raise BadRequest(error.message)
        return {name: values[-1] for name, values in params.items() if name in schema["properties"] and values}

    def described(self) -> tuple[dict, ...]:
        """The parameters as OpenAPI query parameters (at the latest microversion, one value each)."""
        return tuple(
            {"name": name, "in": "query", "required": False, "description": schema["description"],
             "schema": schema["items"]}
            for name, schema in self._body.latest()["properties"].items()
        )  # fmt: skip


INDEX_QUERY = Query({
    "2.1": {"type": "object", "properties": _INDEX_QUERY, "additionalProperties": True},
    "2.75": {"type": "object", "properties": _INDEX_QUERY, "additionalProperties": False},
})  # fmt: skip
