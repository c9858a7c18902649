"""``/flavors`` (admins create them) and their extra specs."""

from apps.common.schemas import BOOLEAN, NAME, Body, closed, envelope

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
