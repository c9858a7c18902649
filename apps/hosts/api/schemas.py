"""The request bodies of the operator APIs, described once (Nova's ``schemas/aggregates.py`` and
``services.py``): the views validate with them and the OpenAPI document shows them
(``cloudcore/openapi_bodies/hosts.py``)."""

import jsonschema

from apps.common.schemas import BOOLEAN, FORMATS, NAME, UUID, Body, closed, envelope

# A zone's name: a name that may not hold ':' (Nova keeps it for "zone:host" in server create).
ZONE = {**NAME, "pattern": r"^(?! )[^\x00-\x1f\x7f:]*(?<! )$", "description": "No ':' and no edge spaces"}
NULLABLE_ZONE = {**ZONE, "type": ["string", "null"]}
# Nova keeps names with edge spaces on update (its ``name_with_leading_trailing_spaces``).
LOOSE_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "format": "printable"}
HOST = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[a-zA-Z0-9-._]*$"}  # Nova's fqdn
METADATA_WITH_NULL = {
    "type": "object",
    "patternProperties": {r"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": ["string", "null"], "maxLength": 255,
                                                          "pattern": r"^[^\x00]*$"}},
    "additionalProperties": False,
    "description": "null removes a key",
}  # fmt: skip

AGGREGATE_CREATE = Body(
    {"2.1": envelope("aggregate", closed({"name": NAME, "availability_zone": NULLABLE_ZONE}, ["name"]))},
    example={"aggregate": {"name": "fast-disks", "availability_zone": "zone-a"}},
)
AGGREGATE_UPDATE = Body(
    {
        "2.1": envelope(
            "aggregate",
            closed(
                {"name": LOOSE_NAME, "availability_zone": {**NULLABLE_ZONE, "description": "null: no longer a zone"}},
                anyOf=[{"required": ["name"]}, {"required": ["availability_zone"]}],
            ),
        )
    },
    example={"aggregate": {"name": "fast-ssd"}},
)
AGGREGATE_ACTIONS = {
    "add_host": Body({"2.1": envelope("add_host", closed({"host": HOST}, ["host"]))}),
    "remove_host": Body({"2.1": envelope("remove_host", closed({"host": HOST}, ["host"]))}),
    "set_metadata": Body({"2.1": envelope("set_metadata", closed({"metadata": METADATA_WITH_NULL}, ["metadata"]))}),
}

# POST /os-aggregates/{id}/images (2.81): the images the aggregate's hosts should cache.
AGGREGATE_IMAGES = Body(
    {"2.81": closed({"cache": {"type": "array", "minItems": 1, "items": closed({"id": UUID}, ["id"]),
                               "description": "The images to cache, each once"}}, ["cache"])},
    example={"cache": [{"id": "70a599e0-31e7-49b7-b260-868f441e862b"}]},
)  # fmt: skip

# PUT /os-services/{id}: before 2.53 the path names the action and the body the service; from 2.53 the
# path names the service (its UUID) and the body the change.
_REASON = {"type": "string", "minLength": 1, "maxLength": 255}
_BY_HOST = {"host": HOST, "binary": {"type": "string", "minLength": 1, "maxLength": 255}, "disabled_reason": _REASON}
SERVICE_UPDATE = Body(
    {
        "2.1": closed(_BY_HOST, ["host", "binary"]),
        "2.11": closed({**_BY_HOST, "forced_down": BOOLEAN}, ["host", "binary"]),
        "2.53": closed(
            {
                "status": {"type": "string", "enum": ["enabled", "disabled"]},
                "disabled_reason": {**_REASON, "description": "Kept only with status disabled"},
                "forced_down": BOOLEAN,
            }
        ),
    },
    example={"status": "disabled", "disabled_reason": "maintenance"},
)


def aggregate_actions_described() -> dict:
    """Every aggregate action's body, for the OpenAPI document: one of them."""
    return {
        "oneOf": [body.described() for body in AGGREGATE_ACTIONS.values()],
        "examples": [{"add_host": {"host": "node1"}}, {"set_metadata": {"metadata": {"ssd": "true", "old": None}}}],
    }


_ZONE_CHECK = jsonschema.Draft202012Validator(ZONE, format_checker=FORMATS)


def zone_error(value) -> str | None:
    """What is wrong with ``value`` as a zone's name (set_metadata's ``availability_zone`` key), or None."""
    error = jsonschema.exceptions.best_match(_ZONE_CHECK.iter_errors(value))
    return error.message if error else None
