"""``/flavors`` (admins create them; from 2.55 describe them), their extra specs and access list,
and the query parameters of their reads."""

import unicodedata

from apps.common.query import Query, multi, query_schema
from apps.common.schemas import BOOLEAN, FORMATS, NAME, Body, closed, envelope
from apps.compute.api.paging import NON_NEGATIVE

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


@FORMATS.checks("flavor-description", raises=ValueError)
def _description(value) -> bool:
    """Nova's ``valid_description_regex`` (a format here rather than its 4 KB character class):
    characters of the Basic Multilingual Plane that are neither "other" (control, format,
    unassigned...) nor line or paragraph separators. Any horizontal space is fine; a tab is not."""
    if isinstance(value, str):
        for char in value:
            category = unicodedata.category(char)
            if ord(char) >= 0xFFFF or category.startswith("C") or category in ("Zl", "Zp"):
                raise ValueError(f"{char!r} is not allowed in a description")
    return True


# 2.55: a flavor's description, up to what the TEXT column holds.
DESCRIPTION = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535, "format": "flavor-description",
               "description": "Printable text: no control characters or line breaks"}  # fmt: skip
_REQUIRED = ["name", "ram", "vcpus", "disk"]
_FLAVOR_V2_55 = {**_FLAVOR, "description": DESCRIPTION}
CREATE = Body(
    {
        "2.1": envelope("flavor", closed(_FLAVOR, _REQUIRED)),
        "2.55": envelope("flavor", closed(_FLAVOR_V2_55, _REQUIRED)),
        # 2.102: rxtx_factor (a nova-network setting) is gone.
        "2.102": envelope("flavor", closed({k: v for k, v in _FLAVOR_V2_55.items() if k != "rxtx_factor"}, _REQUIRED)),
    },
    example={"flavor": {"name": "m1.custom", "ram": 1024, "vcpus": 2, "disk": 10, "description": "Two cores"}},
)
# PUT /flavors/{id} (2.55): only the description can change, so it is required.
UPDATE = Body(
    {"2.55": envelope("flavor", closed({"description": DESCRIPTION}, ["description"]))},
    example={"flavor": {"description": "Two cores, 1 GiB"}},
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


_STRING = {"type": "string"}
_INDEX_QUERY = {
    "limit": multi(NON_NEGATIVE,
                   "The most flavors to return (at most 1000); a flavors_links next link follows a full page"),
    "marker": multi(_STRING, "The id of the last flavor of the previous page: the page starts after it"),
    "is_public": multi(_STRING, "Admins: true (the default: public flavors and the project's private ones), "
                                "false (private only) or none (all); ignored for others"),
    "minRam": multi(_STRING, "Only flavors with at least this much RAM (MiB)"),
    "minDisk": multi(_STRING, "Only flavors with at least this much root disk (GiB)"),
    "sort_key": multi({"type": "string", "enum": list(SORT_KEYS)}, "Sort by this field (default flavorid)"),
    "sort_dir": multi({"type": "string", "enum": list(SORT_DIRS)}, "Sort direction (default asc)"),
}  # fmt: skip


# 2.102: filter by name (a regular expression, as Nova's database matches it); rxtx_factor goes.
_INDEX_QUERY_V2_102 = {
    **_INDEX_QUERY,
    "name": multi(_STRING, "Only flavors whose name matches this regular expression (from microversion 2.102)"),
    "sort_key": multi({"type": "string", "enum": [key for key in SORT_KEYS if key != "rxtx_factor"]},
                      "Sort by this field (default flavorid; rxtx_factor until 2.101)"),
}  # fmt: skip
INDEX_QUERY = Query({
    "2.1": query_schema(_INDEX_QUERY, strict=False),
    "2.75": query_schema(_INDEX_QUERY, strict=True),
    "2.102": query_schema(_INDEX_QUERY_V2_102, strict=True),
})  # fmt: skip
# GET /flavors/{id}, its extra specs (list and one) and its access list declare no query: any parameter
# is ignored until 2.101 and a 400 from 2.102 (``apps.common.query.NONE``).
