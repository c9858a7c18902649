"""Request body checks with Nova's wording: every problem is a 400 that names the field."""

from cloudcore.exceptions import BadRequest

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


def name(value, field: str = "name") -> str:
    if not isinstance(value, str):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'string'")
    if not value.strip():
        raise invalid(field, f"Value: {value!r}. The name must not be empty or only spaces")
    if value != value.strip():
        raise invalid(field, f"Value: {value!r}. The name must not start or end with spaces")
    if len(value) > 255:
        raise invalid(field, "The name is longer than 255 characters")
    return value


def ref(value, field: str) -> str:
    """A flavorRef or imageRef: a non-empty string (or, for flavors, an integer)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise invalid(field, f"Value: {value!r}. Expected a non-empty id")
    text = str(value).rstrip("/").rsplit("/", 1)[-1]  # Nova also accepts a link to the resource
    if len(text) > 255:
        raise invalid(field, "The id is longer than 255 characters")
    return text


def integer(value, field: str, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    if isinstance(value, bool):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'integer'")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'integer'") from None
    if isinstance(value, float) and value != number:
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'integer'")
    if not minimum <= number <= maximum:
        raise invalid(field, f"Value: {value!r}. It must be between {minimum} and {maximum}")
    return number


def positive_float(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3.4e38:
        raise invalid(field, f"Value: {value!r}. Expected a positive number")
    return float(value)


def metadata(value, field: str = "metadata") -> dict:
    if not isinstance(value, dict):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'object'")
    for key, item in value.items():
        if not key or len(key) > 255 or not isinstance(item, str) or len(item) > 255:
            raise invalid(field, f"Keys and values must be strings of 1 to 255 characters (at {key!r})")
    return value


def networks(value) -> None:
    """``"none"``, ``"auto"`` or a list of network requests. Only validated: no networks exist yet."""
    if value in ("none", "auto"):
        return
    if not isinstance(value, list):
        raise invalid("networks", f"Value: {value!r}. Expected 'none', 'auto' or a list of networks")
    for item in value:
        if not isinstance(item, dict):
            raise invalid("networks", f"Value: {item!r}. Each network must be an object")
    if value:
        raise BadRequest('Network requests are not supported yet; use "networks": "none"')


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
    if "networks" in server:
        networks(server["networks"])
    if spec["availability_zone"] is not None:
        name(spec["availability_zone"], "availability_zone")
    if spec["description"] is not None and (not isinstance(spec["description"], str) or len(spec["description"]) > 255):
        raise invalid("description", "Expected a string of at most 255 characters")
    min_count = integer(server.get("min_count", 1), "min_count", 1, MAX_COUNT_LIMIT)
    max_count = integer(server.get("max_count", min_count), "max_count", 1, MAX_COUNT_LIMIT)
    if max_count < min_count:
        raise BadRequest("min_count must be <= max_count")
    spec["count"] = max_count
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
        "is_public": bool(flavor.get("os-flavor-access:is_public", True)),
    }
