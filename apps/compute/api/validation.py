"""Request body checks with Nova's wording: every problem is a 400 that names the field."""

import uuid

from apps.common.exceptions import BadRequest

MAX_COUNT_LIMIT = 100


def invalid(field: str, reason: str) -> BadRequest:
    return BadRequest(f"Invalid input for field/attribute {field}. {reason}")


def envelope(data, key: str) -> dict:
    """The object under ``key`` in the request body, e.g. ``{"server": {...}}``."""
    if not isinstance(data, dict):
        raise BadRequest("Malformed request body: expected a JSON object")
    if key not in data:
        raise invalid(key, f"'{key}' is a required property")
    inner = data[key]
    if not isinstance(inner, dict):
        raise invalid(key, f"Value: {inner!r}. {inner!r} is not of type 'object'")
    return inner


def _printable(value: str) -> bool:
    return all(ch.isprintable() or ch == " " for ch in value)


def name(value, field: str = "name", max_length: int = 255) -> str:
    if not isinstance(value, str):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'string'")
    if not _printable(value):
        raise invalid(field, f"Value: {value!r}. The name must not contain control characters")
    if not value.strip():
        raise invalid(field, f"Value: {value!r}. The name must not be empty or only spaces")
    if value != value.strip():
        raise invalid(field, f"Value: {value!r}. The name must not start or end with spaces")
    if len(value) > max_length:
        raise invalid(field, f"The name is longer than {max_length} characters")
    return value


def ref(value, field: str) -> str:
    """A flavorRef or imageRef: a non-empty string (or, for flavors, an integer)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise invalid(field, f"Value: {value!r}. Expected a non-empty id")
    text = str(value).rstrip("/").rsplit("/", 1)[-1]  # Nova also accepts a link to the resource
    if not _printable(text):
        raise invalid(field, f"Value: {value!r}. The id must not contain control characters")
    if len(text) > 255:
        raise invalid(field, "The id is longer than 255 characters")
    return text


def integer(value, field: str, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    if isinstance(value, bool):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'integer'")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'integer'") from None
    if isinstance(value, float) and value != number:
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'integer'")
    if not minimum <= number <= maximum:
        raise invalid(field, f"Value: {value!r}. It must be between {minimum} and {maximum}")
    return number


def boolean(value, field: str) -> bool:
    """Nova's lenient booleans: true/false, or their usual spellings as strings."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in ("true", "1", "yes", "on", "t", "y"):
        return True
    if text in ("false", "0", "no", "off", "f", "n"):
        return False
    raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'boolean'")


def positive_float(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3.4e38:  # also rejects NaN
        raise invalid(field, f"Value: {value!r}. Expected a positive number")
    return float(value)


def metadata(value, field: str = "metadata") -> dict:
    if not isinstance(value, dict):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'object'")
    for key, item in value.items():
        valid = isinstance(key, str) and 0 < len(key) <= 255 and isinstance(item, str) and len(item) <= 255
        if not valid or not _printable(key) or "\x00" in item:
            raise invalid(field, f"Keys and values must be strings of 1 to 255 characters (at {key!r})")
    return value


def networks(value) -> list[str | None]:
    """``"none"``, ``"auto"`` or a list of ``{"uuid": <network>}``: the networks to attach, where
    None stands for the default network."""
    if value == "none":
        return []
    if value == "auto":
        return [None]
    if not isinstance(value, list):
        raise invalid("networks", f"Value: {value!r}. Expected 'none', 'auto' or a list of networks")
    wanted = []
    for item in value:
        if not isinstance(item, dict):
            raise invalid("networks", f"Value: {item!r}. Each network must be an object")
        unknown = set(item) - {"uuid", "fixed_ip", "tag"}
        if "port" in item:
            raise BadRequest("Ports cannot be attached by id on this cloud; ask for a network with 'uuid'.")
        if unknown:
            raise invalid("networks", f"Additional properties are not allowed ({', '.join(sorted(unknown))})")
        if not isinstance(item.get("uuid"), str):
            raise invalid("networks", "'uuid' is a required property")
        if "fixed_ip" in item:
            raise BadRequest("Choosing a fixed IP is not supported; the network's pool assigns one.")
        wanted.append(item["uuid"])
    return wanted


def scheduler_hints(data: dict) -> dict:
    """``os:scheduler_hints`` (or ``OS-SCH-HNT:scheduler_hints``): group, same_host, different_host."""
    hints = data.get("os:scheduler_hints", data.get("OS-SCH-HNT:scheduler_hints", {}))
    if not isinstance(hints, dict):
        raise invalid("os:scheduler_hints", f"Value: {hints!r}. {hints!r} is not of type 'object'")
    clean = {}
    if "group" in hints:
        clean["group"] = ref(hints["group"], "group")
    for key in ("same_host", "different_host"):
        if key in hints:
            values = hints[key] if isinstance(hints[key], list) else [hints[key]]
            clean[key] = [ref(v, key) for v in values]
            for value in clean[key]:
                try:
                    uuid.UUID(value)
                except ValueError:
                    raise invalid(key, f"Value: {value!r}. Expected server ids") from None
    return clean


def server_create(data) -> dict:
    """Check a ``POST /servers`` body and return the normalised request."""
    server = envelope(data, "server")
    for required in ("name", "flavorRef", "imageRef"):
        if required not in server:
            raise invalid("server", f"'{required}' is a required property")
    spec = {
        "name": name(server["name"]),
        "flavor_ref": ref(server["flavorRef"], "flavorRef"),
        "image_ref": ref(server["imageRef"], "imageRef"),
        "metadata": metadata(server.get("metadata", {})),
        "availability_zone": server.get("availability_zone"),
        "key_name": server.get("key_name"),
        "description": server.get("description"),
    }
    spec["networks"] = networks(server["networks"]) if "networks" in server else [None]
    if spec["availability_zone"] is not None:
        name(spec["availability_zone"], "availability_zone")
        if spec["availability_zone"] == "":
            spec["availability_zone"] = None
    description = spec["description"]
    if description is not None and (
        not isinstance(description, str) or len(description) > 255 or "\x00" in description
    ):
        raise invalid("description", "Expected a string of at most 255 characters")
    min_count = integer(server.get("min_count", 1), "min_count", 1, MAX_COUNT_LIMIT)
    max_count = integer(server.get("max_count", min_count), "max_count", 1, MAX_COUNT_LIMIT)
    if max_count < min_count:
        raise BadRequest("min_count must be <= max_count")
    spec["count"] = max_count
    spec["min_count"] = min_count
    spec["return_reservation_id"] = boolean(server.get("return_reservation_id", False), "return_reservation_id")
    spec["scheduler_hints"] = scheduler_hints(data)
    if max_count > 1 and len(spec["name"]) + len(f"-{max_count}") > 255:
        raise invalid("name", "The name plus the '-N' suffix of a multiple create is longer than 255 characters")
    return spec


def flavor_create(data) -> dict:
    flavor = envelope(data, "flavor")
    for required in ("name", "ram", "vcpus", "disk"):
        if required not in flavor:
            raise invalid("flavor", f"'{required}' is a required property")
    flavorid = flavor.get("id")
    if flavorid is not None:
        flavorid = ref(flavorid, "id")
    return {
        "flavorid": flavorid,
        "name": name(flavor["name"]),
        "memory_mb": integer(flavor["ram"], "ram", 1),
        "vcpus": integer(flavor["vcpus"], "vcpus", 1),
        "root_gb": integer(flavor["disk"], "disk", 0),
        "ephemeral_gb": integer(flavor.get("OS-FLV-EXT-DATA:ephemeral", 0), "OS-FLV-EXT-DATA:ephemeral", 0),
        "swap": integer(flavor.get("swap", 0) or 0, "swap", 0),
        "rxtx_factor": positive_float(flavor.get("rxtx_factor", 1.0), "rxtx_factor"),
        "is_public": boolean(flavor.get("os-flavor-access:is_public", True), "os-flavor-access:is_public"),
    }
