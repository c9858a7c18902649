"""``/v2/schemas/image`` and ``/v2/schemas/images``: the JSON schemas clients validate against.

As Glance's: the standard attributes (read-only ones marked), the common image properties, and
``additionalProperties: {"type": "string"}`` for any custom property.
"""

from rest_framework.response import Response

from apps.images.api.base import GlanceView
from apps.images.api.request_schemas import CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES
from apps.images.api.validation import STATUSES

UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"


def _read_only(schema: dict, description: str) -> dict:
    return {**schema, "readOnly": True, "description": description}


def _string(description: str, max_length: int = 255) -> dict:
    return {"type": "string", "maxLength": max_length, "description": description}


def image_schema() -> dict:
    properties = {
        "id": {"type": "string", "pattern": UUID_PATTERN, "description": "An identifier for the image"},
        "name": {"type": ["null", "string"], "maxLength": 255, "description": "Descriptive name for the image"},
        "status": _read_only({"type": "string", "enum": list(STATUSES)}, "Status of the image"),
        "visibility": {"type": "string", "enum": list(VISIBILITIES), "description": "Scope of image accessibility"},
        "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
        "os_hidden": {"type": "boolean", "description": "If true, image will not appear in default image list."},
        "checksum": _read_only({"type": ["null", "string"], "maxLength": 32}, "md5 hash of image contents."),
        "os_hash_algo": _read_only({"type": ["null", "string"], "maxLength": 64}, "Algorithm of os_hash_value"),
        "os_hash_value": _read_only({"type": ["null", "string"], "maxLength": 128}, "Hexdigest of the image data"),
        "owner": {"type": ["null", "string"], "maxLength": 255, "description": "Owner of the image"},
        "size": _read_only({"type": ["null", "integer"]}, "Size of image file in bytes"),
        "virtual_size": _read_only({"type": ["null", "integer"]}, "Virtual size of image in bytes"),
        "container_format": {
            "type": ["null", "string"],
            "enum": [None, *CONTAINER_FORMATS],
            "description": "Format of the container",
        },
        "disk_format": {"type": ["null", "string"], "enum": [None, *DISK_FORMATS], "description": "Format of the disk"},
        "created_at": _read_only({"type": "string"}, "Date and time of image registration"),
        "updated_at": _read_only({"type": "string"}, "Date and time of the last image modification"),
        "tags": {
            "type": "array",
            "items": {"type": "string", "maxLength": 255},
            "description": "List of strings related to the image",
        },
        "direct_url": _read_only({"type": "string"}, "URL to access the image file kept in external store"),
        "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot image."},
        "min_disk": {"type": "integer", "description": "Amount of disk space (in GB) required to boot image."},
        "self": _read_only({"type": "string"}, "An image self url"),
        "file": _read_only({"type": "string"}, "An image file url"),
        "schema": _read_only({"type": "string"}, "An image schema url"),
        "locations": _read_only(
            {"type": "array", "items": {"type": "object"}}, "A set of URLs to access the image file kept in store"
        ),
        # Common image properties (Glance's schema-image.json).
        "kernel_id": {
            "type": ["null", "string"],
            "pattern": UUID_PATTERN,
            "description": "ID of image stored in Glance that should be used as the kernel when booting an AMI-style "
            "image.",
            "is_base": False,
        },
        "ramdisk_id": {
            "type": ["null", "string"],
            "pattern": UUID_PATTERN,
            "description": "ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style "
            "image.",
            "is_base": False,
        },
        "instance_uuid": {
            **_string(
                "Metadata which can be used to record which instance this image is associated "
                "with. (Informational only, does not create an instance snapshot.)"
            ),
            "is_base": False,
        },  # fmt: skip
        "architecture": {
            **_string(
                "Operating system architecture as specified in "
                "https://docs.openstack.org/glance/latest/user/common-image-properties.html"
            ),
            "is_base": False,
        },  # fmt: skip
        "os_distro": {
            **_string(
                "Common name of operating system distribution as specified in "
                "https://docs.openstack.org/glance/latest/user/common-image-properties.html"
            ),
            "is_base": False,
        },  # fmt: skip
        "os_version": {**_string("Operating system version as specified by the distributor."), "is_base": False},
        "description": {**_string("A human-readable string describing this image."), "is_base": False},
    }
    return {
        "name": "image",
        "properties": properties,
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


def images_schema() -> dict:
    return {
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image_schema()},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }


class ImageSchemaView(GlanceView):
    """The schema of one image."""

    def get(self, request):
        return Response(image_schema())


class ImagesSchemaView(GlanceView):
    """The schema of an image listing."""

    def get(self, request):
        return Response(images_schema())
