"""The request bodies of the Networking API, described once: each ``Body`` validates its request (a
violation is Neutron's 400 ``HTTPBadRequest``, ``Invalid input for <attribute>. Reason: ...``) and is
what the OpenAPI document shows (``cloudcore/openapi_bodies/network.py``).

The API takes these bodies: ``POST /v2.0/networks``, ``POST /v2.0/subnets``, ``POST`` and ``PUT`` of
``/v2.0/ports`` and ``/v2.0/security-groups``, and ``POST /v2.0/security-group-rules`` (quotas are
read-only here). As in Neutron, the wrapping object may hold other keys and a resource other
attributes, which are ignored. What a schema cannot say stays in ``validation.py``: ``project_id`` and
``tenant_id`` that differ, a project that must exist, admin-only attributes, a network that must be
visible, ``ip_version`` against ``cidr``, addresses inside the subnet, overlapping subnets, a gateway
inside the pool, and a rule's protocol, ethertype, ports and prefix (which Neutron converts first and
refuses with its own error types).
"""

import ipaddress

import jsonschema

from apps.common.schemas import FORMATS, Body, closed
from apps.network.api.base import bad_request

SUBNET_CIDR = "ip-subnet"


@FORMATS.checks(SUBNET_CIDR, raises=ValueError)
def _subnet_cidr(value) -> bool:
    """Neutron's ``type:subnet``: an address and a prefix length, with no host bits set."""
    if not isinstance(value, str):
        return True
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not a valid IP subnet") from None
    if "/" not in value or ipaddress.ip_interface(value).ip != network.network_address:
        raise ValueError(f"'{value}' isn't a recognized IP subnet cidr, '{network}' is recommended")
    return True


# -- Neutron's wording -----------------------------------------------------------------------------


def _shown(value) -> str:
    """A submitted value as a message may echo it (an unpaired surrogate would not encode as UTF-8)."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _missing(error: jsonschema.ValidationError) -> list[str]:
    return [key for key in error.validator_value if key not in error.instance]


def _type_reason(error: jsonschema.ValidationError, value: str) -> str:
    expected = error.validator_value
    if isinstance(expected, list):
        expected = next(kind for kind in expected if kind != "null")
    if expected == "integer":
        return _integer_reason(error, value)
    wanted = {
        "string": "a valid string",
        "boolean": "a valid boolean value",
        "array": "a list",
        "object": "a dictionary",
    }
    return f"'{value}' is not {wanted.get(expected, expected)}"


def _integer_reason(error: jsonschema.ValidationError, value: str) -> str:
    low, high = error.schema.get("minimum"), error.schema.get("maximum")
    if low is not None and high is not None:
        return f"'{value}' is not an integer between {low} and {high}"
    return f"'{value}' is not an integer"


def _format_reason(error: jsonschema.ValidationError, value: str) -> str:
    formats = (
        [error.validator_value] if error.validator == "format" else [s.get("format") for s in error.validator_value]
    )
    if set(formats) <= {"ipv4", "ipv6"}:
        return f"'{value}' is not a valid IP address"
    if formats == ["uuid"]:
        return f"'{value}' is not a valid UUID"
    if error.cause is not None:
        return _shown(error.cause)
    return f"'{value}' is not a valid {formats[0]}"


def _items_reason(error: jsonschema.ValidationError) -> str:
    low, high = error.schema.get("minItems"), error.schema.get("maxItems")
    count = len(error.instance)
    if low == high:
        return f"exactly {low} {'item is' if low == 1 else 'items are'} supported, not {count}"
    if error.validator == "maxItems":
        return f"at most {high} items are supported, not {count}"
    return f"at least {low} {'item is' if low == 1 else 'items are'} required"


def _reason(error: jsonschema.ValidationError) -> str:
    """Neutron's reason for a bad attribute (``'x' is not a valid UUID``...)."""
    value = _shown(error.instance)
    kind = error.validator
    if kind == "type":
        return _type_reason(error, value)
    if kind in ("minimum", "maximum"):
        return _integer_reason(error, value)
    if kind == "maxLength":
        return f"'{value}' exceeds maximum length of {error.validator_value}"
    if kind == "pattern":
        return "a NUL character or an unpaired surrogate is not allowed"
    if kind == "enum":
        return f"'{value}' is not in {error.validator_value}"
    if kind in ("format", "anyOf"):
        return _format_reason(error, value)
    if kind in ("minItems", "maxItems"):
        return _items_reason(error)
    if kind == "uniqueItems":
        duplicates = [item for i, item in enumerate(error.instance) if item in error.instance[:i]]
        return f"Duplicate items in the list: '{_shown(', '.join(map(str, duplicates)))}'"
    if kind == "required":
        return f"'{value}' lacks the key(s) {', '.join(_missing(error))}"
    if kind == "additionalProperties":
        extra = [key for key in error.instance if key not in error.schema.get("properties", {})]
        return f"Unexpected keys supplied: {_shown(', '.join(extra))}"
    return _shown(error.message)


def neutron_message(error: jsonschema.ValidationError) -> str:
    """Neutron's wording of a schema violation: the body without its resource, a required attribute
    missing, or ``Invalid input for <attribute>. Reason: <reason>.``."""
    path = list(error.absolute_path)
    if not path:
        if error.validator == "required" or error.validator == "type":
            return f"Unable to find '{error.schema['required'][0]}' in request body"
        return _shown(error.message)
    if len(path) == 1:
        if error.validator == "required":
            return f"Failed to parse request. Required attribute '{_missing(error)[0]}' not specified"
        if error.validator == "type":
            return f"Unable to find '{path[0]}' in request body"
        return f"Invalid input for operation: {_shown(error.message)}"
    return f"Invalid input for {path[1]}. Reason: {_reason(error)}."


# -- the bodies -------------------------------------------------------------------------------------

# Text PostgreSQL can store: no NUL character, no unpaired surrogate.
_STORABLE = r"^[^\x00\ud800-\udfff]*$"
TEXT = {"type": ["string", "null"], "maxLength": 255, "pattern": _STORABLE, "description": "At most 255 characters"}
BOOLEAN = {"type": "boolean"}
IP_ADDRESS = {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
PROJECT = {"type": ["string", "null"], "maxLength": 255, "pattern": _STORABLE}


def _resource(key: str, properties: dict, required=(), description: str = "") -> dict:
    """``{key: {...}}``: Neutron ignores other keys around the resource and attributes it does not know."""
    inner = {"type": "object", "properties": properties, "required": list(required)}
    note = "Attributes this API does not model are ignored."
    inner["description"] = f"{description} {note}".strip()
    return {"type": "object", "properties": {key: inner}, "required": [key]}


OWNER = {
    "project_id": {**PROJECT, "description": "The caller's project when absent; admins may name another"},
    "tenant_id": {**PROJECT, "description": "The same as project_id (both, when given, must match)"},
}

NETWORK_CREATE = Body(
    {
        "2.1": _resource(
            "network",
            {
                "name": TEXT,
                "description": TEXT,
                "admin_state_up": {**BOOLEAN, "description": "Default true"},
                "shared": {**BOOLEAN, "description": "Default false; true is for admins only"},
                "router:external": {**BOOLEAN, "description": "Default false; true is for admins only"},
                "mtu": {"type": "integer", "minimum": 68, "maximum": 65535, "description": "Default 1500"},
                **OWNER,
            },
        )
    },
    example={"network": {"name": "private"}},
    error=bad_request,
    wording=neutron_message,
)

SUBNET_CREATE = Body(
    {
        "2.1": _resource(
            "subnet",
            {
                "network_id": {"type": "string", "format": "uuid", "description": "A network the caller may change"},
                "cidr": {
                    "type": "string",
                    "format": SUBNET_CIDR,
                    "description": "The subnet's range, e.g. 192.168.0.0/24 (no host bits set)",
                },
                "ip_version": {
                    "type": "integer",
                    "enum": [4, 6],
                    "description": "Default 4; must be the version of cidr",
                },
                "name": TEXT,
                "description": TEXT,
                "gateway_ip": {
                    "type": ["string", "null"],
                    "anyOf": IP_ADDRESS["anyOf"],
                    "description": "In the subnet, outside the pool; the first address when absent, none when null",
                },
                "allocation_pools": {
                    "type": ["array", "null"],
                    "items": closed({"start": IP_ADDRESS, "end": IP_ADDRESS}, ["start", "end"]),
                    "minItems": 1,
                    "maxItems": 1,
                    "description": "One pool inside the subnet; every other address when absent or null",
                },
                "enable_dhcp": {**BOOLEAN, "description": "Default true"},
                "dns_nameservers": {
                    "type": ["array", "null"],
                    "items": IP_ADDRESS,
                    "maxItems": 5,
                    "uniqueItems": True,
                    "description": "At most 5 (Neutron's default max_dns_nameservers), no duplicates",
                },
            },
            ["network_id", "cidr"],
            "One allocation pool.",
        )
    },
    example={"subnet": {"network_id": "2f1e4d0c-8c1e-4c59-9d1c-2f6b8d1f3a10", "cidr": "192.168.0.0/24"}},
    error=bad_request,
    wording=neutron_message,
)


# -- ports -----------------------------------------------------------------------------------------

SECURITY_GROUP_IDS = {
    "type": ["array", "null"],
    "items": {"type": "string", "format": "uuid"},
    "maxItems": 64,
    "uniqueItems": True,
    "description": "Ids of groups of the port's project (any project's, for admins); none when empty or null",
}
PORT_ATTRIBUTES = {
    "name": TEXT,
    "admin_state_up": {**BOOLEAN, "description": "Default true"},
    "security_groups": SECURITY_GROUP_IDS,
}

PORT_CREATE = Body(
    {
        "2.1": _resource(
            "port",
            {
                "network_id": {"type": "string", "format": "uuid", "description": "A network the caller may use"},
                **PORT_ATTRIBUTES,
                "security_groups": {
                    **SECURITY_GROUP_IDS,
                    "description": f"{SECURITY_GROUP_IDS['description']}; the project's default group when absent",
                },
                **OWNER,
            },
            ["network_id"],
            "The address and MAC are chosen by the cloud (fixed_ips, mac_address and device_id are refused).",
        )
    },
    example={"port": {"network_id": "2f1e4d0c-8c1e-4c59-9d1c-2f6b8d1f3a10", "name": "p1"}},
    error=bad_request,
    wording=neutron_message,
)

PORT_UPDATE = Body(
    {"2.1": _resource("port", PORT_ATTRIBUTES, (), "security_groups replaces the port's groups.")},
    example={"port": {"security_groups": ["85cc3048-abc3-43cc-89b3-377341426ac5"]}},
    error=bad_request,
    wording=neutron_message,
)

# -- security groups -------------------------------------------------------------------------------

SECURITY_GROUP_ATTRIBUTES = {
    "name": {**TEXT, "description": "At most 255 characters, not 'default' (in any case); default empty"},
    "description": TEXT,
    "stateful": {**BOOLEAN, "description": "Default true"},
}

SECURITY_GROUP_CREATE = Body(
    {"2.1": _resource("security_group", {**SECURITY_GROUP_ATTRIBUTES, **OWNER})},
    example={"security_group": {"name": "web", "description": "security group for webservers"}},
    error=bad_request,
    wording=neutron_message,
)

SECURITY_GROUP_UPDATE = Body(
    {
        "2.1": _resource(
            "security_group",
            SECURITY_GROUP_ATTRIBUTES,
            (),
            "The default group keeps its name; stateful changes only while no port uses the group.",
        )
    },
    example={"security_group": {"name": "mysecgroup", "description": "my security group"}},
    error=bad_request,
    wording=neutron_message,
)

# Converted (then checked) in code as Neutron converts them, with its error types.
_CONVERTED = {"maxLength": 255, "pattern": _STORABLE}
PORT_NUMBER = {
    "type": ["integer", "string", "null"],
    **_CONVERTED,
    "description": "0 to 65535 (a number or its digits); for ICMP the type (min) or code (max)",
}

SECURITY_GROUP_RULE_CREATE = Body(
    {
        "2.1": _resource(
            "security_group_rule",
            {
                "security_group_id": {
                    "type": "string",
                    "maxLength": 36,
                    "pattern": _STORABLE,
                    "description": "A group the caller may change",
                },
                "direction": {"type": "string", "enum": ["ingress", "egress"]},
                "ethertype": {
                    "type": ["string", "null"],
                    **_CONVERTED,
                    "description": "IPv4 (default) or IPv6, in any case",
                },
                "protocol": {
                    "type": ["string", "integer", "null"],
                    **_CONVERTED,
                    "description": "A name (tcp, udp, icmp, ipv6-icmp, ...), a number 0 to 255, or any/null for all",
                },
                "port_range_min": PORT_NUMBER,
                "port_range_max": PORT_NUMBER,
                "remote_ip_prefix": {
                    "type": ["string", "null"],
                    **_CONVERTED,
                    "description": "A CIDR (an address alone is a /32 or /128) of the ethertype",
                },
                "remote_group_id": {
                    "type": ["string", "null"],
                    "format": "uuid",
                    "description": "A group of the project; not with remote_ip_prefix",
                },
                "remote_address_group_id": {"type": "null", "description": "Address groups do not exist here"},
                "description": TEXT,
                **OWNER,
            },
            ["security_group_id", "direction"],
            "One rule (no bulk create).",
        )
    },  # fmt: skip
    example={
        "security_group_rule": {
            "security_group_id": "a7734e61-b545-452d-a3cd-0189cbd9747a",
            "direction": "ingress",
            "protocol": "tcp",
            "port_range_min": 80,
            "port_range_max": 80,
            "remote_ip_prefix": "0.0.0.0/0",
        }
    },  # fmt: skip
    error=bad_request,
    wording=neutron_message,
)
