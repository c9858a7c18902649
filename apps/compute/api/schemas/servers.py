"""``/servers``: create, update and every action, by microversion.

The create body lists every field Nova's accepts; the ones cloudcore does not act on yet are
validated and then ignored (their types still matter: a client sending them gets the same answer
as from Nova).
"""

from apps.common.schemas import BOOLEAN, DESCRIPTION, METADATA, NAME, UUID, Body, closed, envelope
from apps.compute.api.paging import FQDN

MAX_COUNT = 100  # servers one request may create

REF = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255, "format": "printable",
       "description": "An id, or a link ending in the id"}  # fmt: skip
IMAGE_REF = {"type": "string", "minLength": 1, "maxLength": 255, "format": "printable",
             "description": "An image id, or a link ending in it"}  # fmt: skip
COUNT = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1, "maximum": MAX_COUNT}
ACCESS_IPV4 = {"type": "string", "format": "ipv4"}
ACCESS_IPV6 = {"type": "string", "format": "ipv6"}
DISK_CONFIG = {"type": "string", "enum": ["AUTO", "MANUAL"]}
NETWORK = closed(
    {"uuid": {"type": "string", "minLength": 1, "maxLength": 255}, "fixed_ip": {"type": "string"},
     "port": {"type": ["string", "null"]}, "tag": {"type": "string", "maxLength": 60}},
)  # fmt: skip
NETWORKS = {
    "oneOf": [
        {"type": "string", "enum": ["none", "auto"], "description": "No network, or the default one"},
        {"type": "array", "items": NETWORK, "maxItems": 64, "description": "One port on each network named"},
    ],
    "description": "Required from microversion 2.37; 'auto' when absent before. cloudcore accepts 'none' and "
    "'auto' at every microversion.",
}
SCHEDULER_HINTS = {
    "type": "object",
    "properties": {
        "group": {"type": "string", "maxLength": 255, "description": "A server group's id"},
        "same_host": {"oneOf": [UUID, {"type": "array", "items": UUID, "maxItems": 100}],
                      "description": "Servers to share a host with"},
        "different_host": {"oneOf": [UUID, {"type": "array", "items": UUID, "maxItems": 100}],
                           "description": "Servers not to share a host with"},
    },
    "additionalProperties": True,
    "description": "Unknown hints are ignored, as Nova ignores hints no filter reads",
}  # fmt: skip
# Nova's block device mappings. cloudcore has no block storage: it boots the image on the host's
# local disk, so the one mapping it accepts is that root disk (source image, destination local,
# boot_index 0), which is what ``openstack server create --image`` sends (``validation.root_disk``).
_LEGACY_BDM = {
    "virtual_name": {"type": "string", "maxLength": 255},
    "volume_id": UUID,
    "snapshot_id": {"type": "string", "minLength": 1, "maxLength": 255},
    "volume_size": {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1, "maximum": 2**31 - 1},
    "device_name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[a-zA-Z0-9._/-]*$"},
    "delete_on_termination": BOOLEAN,
    "no_device": {},
    "connection_info": {"type": "string", "maxLength": 65535},
}
BDM_V2 = closed(
    {
        **_LEGACY_BDM,
        "source_type": {"type": "string", "enum": ["volume", "image", "snapshot", "blank"]},
        "uuid": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[a-zA-Z0-9._-]*$"},
        "image_id": {"type": "string", "minLength": 1, "maxLength": 255},
        "destination_type": {"type": "string", "enum": ["local", "volume"]},
        "guest_format": {"type": "string", "maxLength": 255},
        "device_type": {"type": "string", "maxLength": 255},
        "disk_bus": {"type": "string", "maxLength": 255},
        "boot_index": {"type": ["integer", "string", "null"], "pattern": r"^-?[0-9]+$"},
    }
)
MAX_BLOCK_DEVICES = 16
_CREATE_V2_1 = {
    "name": NAME,
    "imageRef": IMAGE_REF,
    "flavorRef": REF,
    "adminPass": {"type": "string", "maxLength": 255},
    "metadata": METADATA,
    "networks": NETWORKS,
    "OS-DCF:diskConfig": DISK_CONFIG,
    "accessIPv4": ACCESS_IPV4,
    "accessIPv6": ACCESS_IPV6,
    "personality": {"type": "array", "maxItems": 5,
                    "items": closed({"path": {"type": "string", "maxLength": 255},
                                     "contents": {"type": "string", "maxLength": 10240}}, ["path", "contents"])},
    "availability_zone": {**NAME, "pattern": r"^[^\x00-\x1f\x7f]*$"},
    "block_device_mapping": {"type": "array", "items": closed(_LEGACY_BDM), "maxItems": MAX_BLOCK_DEVICES,
                             "description": "Volumes: refused, cloudcore has no block storage"},
    "block_device_mapping_v2": {"type": "array", "items": BDM_V2, "maxItems": MAX_BLOCK_DEVICES,
                                "description": "Only the image's root disk: source_type image, destination_type "
                                               "local, boot_index 0"},
    "config_drive": BOOLEAN,
    "key_name": {"type": "string", "minLength": 1, "maxLength": 255},
    "min_count": COUNT,
    "max_count": COUNT,
    "return_reservation_id": BOOLEAN,
    "security_groups": {"type": "array", "maxItems": 64,
                        "items": closed({"name": {"type": "string", "minLength": 1, "maxLength": 255}}, ["name"])},
    "user_data": {"type": "string", "maxLength": 65535, "format": "base64", "description": "Base64"},
}  # fmt: skip
_CREATE_V2_19 = {**_CREATE_V2_1, "description": DESCRIPTION}
# Nova's tag: no comma or slash, at most 60 characters; at most 50 of them on a server.
TAG = {"type": "string", "pattern": "^[^,/]*$", "minLength": 1, "maxLength": 60}
TAGS = {"type": "array", "items": TAG, "maxItems": 50}
TRUSTED_CERTS = {"type": ["array", "null"], "minItems": 1, "maxItems": 50, "uniqueItems": True,
                 "items": {"type": "string", "minLength": 1, "maxLength": 255},
                 "description": "Certificate ids the image's signature must chain to (null resets them)"}  # fmt: skip
HOSTNAME = {"type": "string", "pattern": "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$", "minLength": 2, "maxLength": 63}
USER_DATA = {"type": "string", "format": "base64", "maxLength": 65535, "description": "Base64"}
_CREATE_V2_52 = {**_CREATE_V2_19, "tags": TAGS}
_CREATE_V2_57 = {k: v for k, v in _CREATE_V2_52.items() if k != "personality"}
_CREATE_V2_63 = {**_CREATE_V2_57, "trusted_image_certificates": TRUSTED_CERTS}
_CREATE_V2_67 = {**_CREATE_V2_63, "block_device_mapping_v2": {
    **_CREATE_V2_63["block_device_mapping_v2"],
    "items": closed({**BDM_V2["properties"], "volume_type": {"type": ["string", "null"], "maxLength": 255}}),
}}  # fmt: skip
_CREATE_V2_74 = {**_CREATE_V2_67, "host": FQDN, "hypervisor_hostname": FQDN}
_CREATE_V2_90 = {**_CREATE_V2_74, "hostname": HOSTNAME}
_CREATE_V2_94 = {**_CREATE_V2_74, "hostname": FQDN}


def _create(server: dict, required=("name", "flavorRef", "imageRef")) -> dict:
    return closed(
        {
            "server": closed(server, required),
            "os:scheduler_hints": SCHEDULER_HINTS,
            "OS-SCH-HNT:scheduler_hints": SCHEDULER_HINTS,
        },
        ["server"],
    )


CREATE = Body(
    {
        "2.1": _create(_CREATE_V2_1),
        "2.19": _create(_CREATE_V2_19),
        **{
            version: _create(fields, required=("name", "flavorRef", "imageRef", "networks"))
            for version, fields in (
                ("2.37", _CREATE_V2_19), ("2.52", _CREATE_V2_52), ("2.57", _CREATE_V2_57), ("2.63", _CREATE_V2_63),
                ("2.67", _CREATE_V2_67), ("2.74", _CREATE_V2_74), ("2.90", _CREATE_V2_90), ("2.94", _CREATE_V2_94),
            )
        },
    },
    example={"server": {"name": "vm1", "flavorRef": "1", "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b",
                        "networks": "auto"}},
)  # fmt: skip

_UPDATE_V2_1 = {"name": NAME, "accessIPv4": ACCESS_IPV4, "accessIPv6": ACCESS_IPV6, "OS-DCF:diskConfig": DISK_CONFIG}
UPDATE = Body(
    {
        "2.1": envelope("server", closed(_UPDATE_V2_1)),
        "2.19": envelope("server", closed({**_UPDATE_V2_1, "description": DESCRIPTION})),
        "2.90": envelope("server", closed({**_UPDATE_V2_1, "description": DESCRIPTION, "hostname": HOSTNAME})),
        "2.94": envelope("server", closed({**_UPDATE_V2_1, "description": DESCRIPTION, "hostname": FQDN})),
        "2.104": envelope(
            "server",
            closed(
                {
                    **_UPDATE_V2_1,
                    "description": DESCRIPTION,
                    "hostname": FQDN,
                    "pinned_availability_zone": {
                        "oneOf": [{"type": "string", "minLength": 1, "maxLength": 255}, {"type": "null"}]
                    },
                }
            ),
        ),  # fmt: skip
    },
    example={"server": {"name": "renamed"}},
)


# -- actions: one body each, keyed by the action's name --------------------------------------------

NO_ARGUMENT = {"type": ["object", "null"], "description": "null or {} (keys are ignored)"}


def action(name: str, argument: dict, title: str, **later: dict) -> Body:
    """The body ``{name: argument}`` (with ``later`` versions: ``{"2_14": argument}``)."""
    versions = {"2.1": closed({name: argument}, [name], title=title)}
    versions.update({v.replace("_", "."): closed({name: a}, [name], title=title) for v, a in later.items()})
    return Body(versions)


_REBUILD_V2_1 = {
    "imageRef": IMAGE_REF,
    "name": NAME,
    "adminPass": {"type": "string", "maxLength": 255},
    "metadata": METADATA,
    "personality": _CREATE_V2_1["personality"],
    "OS-DCF:diskConfig": DISK_CONFIG,
    "accessIPv4": ACCESS_IPV4,
    "accessIPv6": ACCESS_IPV6,
    "preserve_ephemeral": {"type": "boolean"},
}
_REBUILD_V2_19 = {**_REBUILD_V2_1, "description": DESCRIPTION}
_REBUILD_V2_54 = {**_REBUILD_V2_19, "key_name": {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 255},
                                                           {"type": "null"}]}}  # fmt: skip
_REBUILD_V2_57 = {**{k: v for k, v in _REBUILD_V2_54.items() if k != "personality"},
                  "user_data": {**USER_DATA, "type": ["string", "null"]}}  # fmt: skip
_REBUILD_V2_63 = {**_REBUILD_V2_57, "trusted_image_certificates": TRUSTED_CERTS}
_REBUILD_V2_90 = {**_REBUILD_V2_63, "hostname": HOSTNAME}
_REBUILD_V2_94 = {**_REBUILD_V2_63, "hostname": FQDN}
_EVACUATE_V2_1 = {"host": FQDN, "onSharedStorage": BOOLEAN, "adminPass": {"type": "string", "maxLength": 255}}
_EVACUATE_V2_14 = {k: v for k, v in _EVACUATE_V2_1.items() if k != "onSharedStorage"}
_EVACUATE_V2_29 = {**_EVACUATE_V2_14, "force": BOOLEAN}  # 2.68 drops it again (as 2.14)
_MIGRATE_V2_56 = {"type": ["object", "null"], "properties": {"host": {**FQDN, "type": ["string", "null"]}},
                  "additionalProperties": False, "description": "host: the destination (admins)"}  # fmt: skip

ACTIONS = {
    "os-start": action("os-start", NO_ARGUMENT, "Start a stopped server (202)"),
    "os-stop": action("os-stop", NO_ARGUMENT, "Stop (power off) a server (202)"),
    "pause": action("pause", NO_ARGUMENT, "Pause (202)"),
    "unpause": action("unpause", NO_ARGUMENT, "Unpause (202)"),
    "suspend": action("suspend", NO_ARGUMENT, "Suspend (202)"),
    "resume": action("resume", NO_ARGUMENT, "Resume (202)"),
    "reboot": action(
        "reboot",
        closed({"type": {"type": "string", "enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]}}, ["type"]),
        "Reboot (202)",
    ),  # fmt: skip
    "rebuild": action(
        "rebuild",
        closed(_REBUILD_V2_1, ["imageRef"]),
        "Rebuild from an image (202 with the server)",
        **{
            version: closed(fields, ["imageRef"])
            for version, fields in (
                ("2_19", _REBUILD_V2_19),
                ("2_54", _REBUILD_V2_54),
                ("2_57", _REBUILD_V2_57),
                ("2_63", _REBUILD_V2_63),
                ("2_90", _REBUILD_V2_90),
                ("2_94", _REBUILD_V2_94),
            )
        },
    ),  # fmt: skip
    "resize": action(
        "resize",
        closed({"flavorRef": REF, "OS-DCF:diskConfig": DISK_CONFIG}, ["flavorRef"]),
        "Resize to a flavor (202)",
    ),  # fmt: skip
    "confirmResize": action("confirmResize", NO_ARGUMENT, "Confirm a resize or migration (204)"),
    "revertResize": action("revertResize", NO_ARGUMENT, "Revert a resize or migration (202)"),
    "migrate": action(
        "migrate", NO_ARGUMENT, "Cold-migrate to another host; managers and admins (202)", **{"2_56": _MIGRATE_V2_56}
    ),
    "createImage": action(
        "createImage",
        closed({"name": NAME, "metadata": METADATA}, ["name"]),
        "Snapshot to a new image (202; image_id in the body from 2.45)",
    ),  # fmt: skip
    "os-getConsoleOutput": action(
        "os-getConsoleOutput",
        {
            "type": ["object", "null"],
            "properties": {
                "length": {
                    "type": ["integer", "string", "null"],
                    "pattern": r"^-?[0-9]+$",
                    "minimum": -1,
                    "maximum": 2**31 - 1,
                }
            },
            "additionalProperties": False,
        },
        "The serial console's output, optionally its last lines (200)",
    ),  # fmt: skip
    "lock": action(
        "lock",
        NO_ARGUMENT,
        "Lock against changes by non-admins (202; a locked_reason from 2.73)",
        **{
            "2_73": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": {"locked_reason": {"type": "string", "minLength": 1, "maxLength": 255}},
            }
        },
    ),  # fmt: skip
    "unlock": action("unlock", NO_ARGUMENT, "Unlock (202)"),
    "os-resetState": action(
        "os-resetState",
        closed({"state": {"type": "string", "enum": ["active", "error"]}}, ["state"]),
        "Reset the vm_state; admins (202)",
    ),  # fmt: skip
    "forceDelete": action("forceDelete", NO_ARGUMENT, "Delete at once, even when deferred delete is on (202)"),
    "restore": action("restore", NO_ARGUMENT, "Bring back a soft-deleted server before it is reclaimed (202)"),
    "injectNetworkInfo": action(
        "injectNetworkInfo", NO_ARGUMENT, "Have the host plug the server's ports in again; admins (202)"
    ),
    "addSecurityGroup": action(
        "addSecurityGroup",
        closed({"name": {"type": "string", "minLength": 1, "maxLength": 255}}, ["name"]),
        "Add a security group (name or id) to every port of the server (202)",
    ),  # fmt: skip
    "removeSecurityGroup": action(
        "removeSecurityGroup",
        closed({"name": {"type": "string", "minLength": 1, "maxLength": 255}}, ["name"]),
        "Remove a security group from every port of the server (202)",
    ),  # fmt: skip
    "evacuate": action(
        "evacuate",
        {"type": ["object", "null"], "properties": _EVACUATE_V2_1, "additionalProperties": False},
        "Rebuild on another host after its host failed; admins (200; adminPass before 2.14)",
        **{
            version: {"type": ["object", "null"], "properties": fields, "additionalProperties": False}
            for version, fields in (("2_14", _EVACUATE_V2_14), ("2_29", _EVACUATE_V2_29), ("2_68", _EVACUATE_V2_14))
        },
    ),  # fmt: skip
}


def action_bodies_described() -> dict:
    """Every action's body, for the OpenAPI document: one of them."""
    return {
        "oneOf": [body.described() for body in ACTIONS.values()],
        "description": 'One key naming the action, e.g. {"os-stop": null} or {"reboot": {"type": "SOFT"}}',
        "examples": [{"os-stop": None}, {"reboot": {"type": "SOFT"}}, {"createImage": {"name": "snap"}}],
    }
