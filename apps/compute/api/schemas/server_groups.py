"""``POST /os-server-groups``: a name and one policy in ``policies`` (``policy`` and ``rules`` are
2.64's, accepted here too: cloudcore's scheduler applies ``max_server_per_host``)."""

from apps.common.schemas import NAME, Body, closed, envelope

POLICIES = ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]
_RULES = closed({"max_server_per_host": {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1,
                                         "maximum": 2**31 - 1}})  # fmt: skip
_GROUP = {
    "name": NAME,
    "policies": {"type": "array", "items": {"type": "string", "enum": POLICIES}, "minItems": 1, "maxItems": 1,
                 "uniqueItems": True},
    "policy": {"type": "string", "enum": POLICIES},
    "rules": _RULES,
}  # fmt: skip
CREATE = Body(
    {"2.1": envelope("server_group", {**closed(_GROUP, ["name"]), "oneOf": [{"required": ["policies"]},
                                                                           {"required": ["policy"]}]})},
    example={"server_group": {"name": "web", "policies": ["anti-affinity"]}},
)  # fmt: skip
