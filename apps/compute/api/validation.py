"""Request body checks with Nova's wording: every problem is a 400 that names the field."""

from apps.common.exceptions import BadRequest
from apps.common.schemas import boolean


def invalid(field: str, reason: str) -> BadRequest:
    return BadRequest(f"Invalid input for field/attribute {field}. {reason}")


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


def metadata(value, field: str = "metadata") -> dict:
    if not isinstance(value, dict):
        raise invalid(field, f"Value: {value!r}. {value!r} is not of type 'object'")
    for key, item in value.items():
        valid = isinstance(key, str) and 0 < len(key) <= 255 and isinstance(item, str) and len(item) <= 255
        if not valid or not _printable(key) or "\x00" in item:
            raise invalid(field, f"Keys and values must be strings of 1 to 255 characters (at {key!r})")
    return value


def networks(value) -> list[str | None]:
    """The networks to attach (None stands for the default network) from what the schema accepted:
    ``"none"``, ``"auto"`` or a list of ``{"uuid": <network>}``."""
    if value == "none":
        return []
    if value == "auto":
        return [None]
    wanted = []
    for item in value:
        if item.get("port") is not None:
            raise BadRequest("Ports cannot be attached by id on this cloud; ask for a network with 'uuid'.")
        if "uuid" not in item:
            raise invalid("networks", "'uuid' is a required property")
        if "fixed_ip" in item:
            raise BadRequest("Choosing a fixed IP is not supported; the network's pool assigns one.")
        wanted.append(item["uuid"])
    return wanted


def scheduler_hints(data: dict) -> dict:
    """``os:scheduler_hints`` (or ``OS-SCH-HNT:scheduler_hints``): group, same_host, different_host."""
    hints = data.get("os:scheduler_hints", data.get("OS-SCH-HNT:scheduler_hints", {}))
    clean = {}
    if "group" in hints:
        clean["group"] = ref(hints["group"], "group")
    for key in ("same_host", "different_host"):
        if key in hints:
            clean[key] = hints[key] if isinstance(hints[key], list) else [hints[key]]
    return clean


def root_disk(server: dict) -> str:
    """The image to boot: ``imageRef``, which a block device mapping may repeat as the root disk on
    local storage (all cloudcore offers: it has no volumes)."""
    image = ref(server["imageRef"], "imageRef")
    if server.get("block_device_mapping"):
        raise BadRequest("Block device mapping is not supported: this cloud has no block storage service.")
    for device in server.get("block_device_mapping_v2", []):
        root = (
            device.get("source_type") == "image"
            and device.get("destination_type", "local") == "local"
            and str(device.get("boot_index")) == "0"
        )
        if not root:
            raise BadRequest(
                "Only the image's root disk may be mapped (source_type image, destination_type local, "
                "boot_index 0): this cloud has no block storage service."
            )
        if device.get("uuid", image) != image:
            raise BadRequest(f"The root disk's image {device['uuid']} is not imageRef {image}.")
    if len(server.get("block_device_mapping_v2", [])) > 1:
        raise BadRequest("Only one root disk may be mapped.")
    return image


def server_create(data: dict) -> dict:
    """The normalised request of a ``POST /servers`` body the schema accepted (``schemas.servers.CREATE``)."""
    server = data["server"]
    spec = {
        "name": server["name"],
        "flavor_ref": ref(server["flavorRef"], "flavorRef"),
        "image_ref": root_disk(server),
        "metadata": server.get("metadata", {}),
        "availability_zone": server.get("availability_zone") or None,
        "key_name": server.get("key_name"),
        "description": server.get("description"),
        "networks": networks(server["networks"]) if "networks" in server else [None],
        "admin_pass": server.get("adminPass"),
        "security_groups": [group["name"] for group in server["security_groups"]]
        if "security_groups" in server
        else None,
        "disk_config": server.get("OS-DCF:diskConfig", "MANUAL"),
        "access_ip_v4": server.get("accessIPv4") or None,
        "access_ip_v6": server.get("accessIPv6") or None,
    }
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    if max_count < min_count:
        raise BadRequest("min_count must be <= max_count")
    spec["count"] = max_count
    spec["min_count"] = min_count
    spec["return_reservation_id"] = boolean(server.get("return_reservation_id", False))
    spec["scheduler_hints"] = scheduler_hints(data)
    # The hints as the user sent them, shown back from 2.100 (bounded by the body's size limit).
    spec["raw_scheduler_hints"] = data.get("os:scheduler_hints", data.get("OS-SCH-HNT:scheduler_hints", {}))
    spec["tags"] = list(dict.fromkeys(server.get("tags", [])))
    spec["user_data"] = server.get("user_data")
    spec["trusted_image_certificates"] = server.get("trusted_image_certificates")
    spec["hostname"] = server.get("hostname")
    spec["requested_host"] = server.get("host")
    spec["requested_node"] = server.get("hypervisor_hostname")
    if spec["hostname"] and max_count > 1:
        raise BadRequest("Cannot specify a hostname when creating more than one server")
    if (spec["requested_host"] or spec["requested_node"]) and ":" in (spec["availability_zone"] or ""):
        raise BadRequest(
            "The requested availability zone must not name a host when 'host' or 'hypervisor_hostname' is given"
        )
    if max_count > 1 and len(spec["name"]) + len(f"-{max_count}") > 255:
        raise invalid("name", "The name plus the '-N' suffix of a multiple create is longer than 255 characters")
    return spec


def flavor_create(data: dict) -> dict:
    """The normalised flavor of a ``POST /flavors`` body the schema accepted (``schemas.flavors.CREATE``)."""
    flavor = data["flavor"]
    flavorid = flavor.get("id")
    return {
        "flavorid": None if flavorid is None else ref(flavorid, "id"),
        "name": flavor["name"],
        "memory_mb": int(flavor["ram"]),
        "vcpus": int(flavor["vcpus"]),
        "root_gb": int(flavor["disk"]),
        "ephemeral_gb": int(flavor.get("OS-FLV-EXT-DATA:ephemeral", 0)),
        "swap": int(flavor.get("swap", 0) or 0),
        "rxtx_factor": float(flavor.get("rxtx_factor", 1.0)),
        "is_public": boolean(flavor.get("os-flavor-access:is_public", True)),
    }
