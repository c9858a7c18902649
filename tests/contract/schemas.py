"""JSON schemas for Compute API responses, written from Nova's published API reference.

They pin what a client may rely on: every field Nova documents at the microversion is present with
its type, and nothing undocumented is added where Nova's body is closed.
"""

NULLABLE_STR = {"type": ["string", "null"]}
INT = {"type": "integer"}
LINKS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"rel": {"type": "string"}, "href": {"type": "string"}},
        "required": ["rel", "href"],
    },
}
STATUSES = ["ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD", "PAUSED", "REBOOT",
            "REBUILD", "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED", "SHELVED_OFFLOADED", "SHUTOFF",
            "SOFT_DELETED", "SUSPENDED", "UNKNOWN", "VERIFY_RESIZE"]  # fmt: skip
ADDRESS = {
    "type": "object",
    "properties": {
        "addr": {"type": "string"},
        "version": {"enum": [4, 6]},
        "OS-EXT-IPS:type": {"enum": ["fixed", "floating"]},
        "OS-EXT-IPS-MAC:mac_addr": {"type": "string", "pattern": "^([0-9a-f]{2}:){5}[0-9a-f]{2}$"},
    },
    "required": ["addr", "version"],
}
REF = {"type": "object", "properties": {"id": {"type": "string"}, "links": LINKS}, "required": ["id", "links"]}


def server(version: tuple[int, int] = (2, 1)) -> dict:
    properties = {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": {"enum": STATUSES},
        "tenant_id": {"type": "string"},
        "user_id": {"type": "string"},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "hostId": {"type": "string"},
        "image": {"oneOf": [REF, {"const": ""}]},
        "flavor": REF,
        "created": {"type": "string", "format": "date-time"},
        "updated": {"type": "string", "format": "date-time"},
        "addresses": {"type": "object", "additionalProperties": {"type": "array", "items": ADDRESS}},
        "accessIPv4": {"type": "string"},
        "accessIPv6": {"type": "string"},
        "links": LINKS,
        "OS-DCF:diskConfig": {"enum": ["AUTO", "MANUAL"]},
        "OS-EXT-AZ:availability_zone": {"type": "string"},
        "config_drive": {"type": "string"},
        "key_name": NULLABLE_STR,
        "security_groups": {"type": "array", "items": {"type": "object", "required": ["name"]}},
        "os-extended-volumes:volumes_attached": {"type": "array"},
        "OS-SRV-USG:launched_at": NULLABLE_STR,
        "OS-SRV-USG:terminated_at": NULLABLE_STR,
        "OS-EXT-STS:vm_state": {"type": "string"},
        "OS-EXT-STS:task_state": NULLABLE_STR,
        "OS-EXT-STS:power_state": {"enum": [0, 1, 3, 4, 6, 7]},
        "progress": INT,
        "fault": {"type": "object", "required": ["code", "message", "created"]},
        "OS-EXT-SRV-ATTR:host": NULLABLE_STR,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": NULLABLE_STR,
        "OS-EXT-SRV-ATTR:instance_name": {"type": "string"},
    }
    required = [key for key in properties if key not in ("progress", "fault") and not key.startswith("OS-EXT-SRV")]
    if version >= (2, 3):
        for key in ("reservation_id", "hostname", "kernel_id", "ramdisk_id", "root_device_name"):
            properties[f"OS-EXT-SRV-ATTR:{key}"] = NULLABLE_STR
        properties["OS-EXT-SRV-ATTR:launch_index"] = INT
        properties["OS-EXT-SRV-ATTR:user_data"] = NULLABLE_STR
    if version >= (2, 9):
        properties["locked"] = {"type": "boolean"}
        required.append("locked")
    if version >= (2, 19):
        properties["description"] = NULLABLE_STR
        required.append("description")
    if version >= (2, 26):
        properties["tags"] = {"type": "array", "items": {"type": "string"}}
        required.append("tags")
    if version >= (2, 47):
        properties["flavor"] = {
            "type": "object",
            "properties": {
                "original_name": {"type": "string"},
                "vcpus": INT, "ram": INT, "disk": INT, "ephemeral": INT, "swap": INT,
                "extra_specs": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["original_name", "vcpus", "ram", "disk", "ephemeral", "swap"],
            "additionalProperties": False,
        }  # fmt: skip
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def envelope(key: str, body: dict) -> dict:
    return {"type": "object", "properties": {key: body}, "required": [key], "additionalProperties": False}


def listing(key: str, item: dict, links: bool = False) -> dict:
    properties = {key: {"type": "array", "items": item}}
    if links:
        properties[f"{key}_links"] = LINKS
    return {"type": "object", "properties": properties, "required": [key], "additionalProperties": False}


FLAVOR = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "links": LINKS, "ram": INT, "vcpus": INT, "disk": INT,
        "OS-FLV-EXT-DATA:ephemeral": INT, "swap": {"oneOf": [INT, {"const": ""}]}, "rxtx_factor": {"type": "number"},
        "os-flavor-access:is_public": {"type": "boolean"}, "OS-FLV-DISABLED:disabled": {"type": "boolean"},
    },
    "additionalProperties": False,
}  # fmt: skip
FLAVOR["required"] = list(FLAVOR["properties"])

KEYPAIR_SUMMARY = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "public_key": {"type": "string"},
                   "fingerprint": {"type": "string"}, "type": {"enum": ["ssh", "x509"]}},
    "required": ["name", "public_key", "fingerprint"],
    "additionalProperties": False,
}  # fmt: skip
KEYPAIR_LIST = listing("keypairs", envelope("keypair", KEYPAIR_SUMMARY))
KEYPAIR_SHOW = envelope("keypair", {
    "type": "object",
    "properties": {**KEYPAIR_SUMMARY["properties"], "user_id": {"type": "string"}, "id": INT,
                   "created_at": {"type": "string"}, "deleted": {"type": "boolean"},
                   "deleted_at": {"type": "null"}, "updated_at": {"type": "null"}},
    "required": ["name", "public_key", "fingerprint", "user_id", "id", "created_at", "deleted"],
    "additionalProperties": False,
})  # fmt: skip

HYPERVISOR_BRIEF = {
    "type": "object",
    "properties": {"id": {"type": ["integer", "string"]}, "hypervisor_hostname": {"type": "string"},
                   "state": {"enum": ["up", "down"]}, "status": {"enum": ["enabled", "disabled"]}},
    "required": ["id", "hypervisor_hostname", "state", "status"],
}  # fmt: skip
HYPERVISOR_DETAIL = {
    "type": "object",
    "properties": {
        **HYPERVISOR_BRIEF["properties"],
        **{key: INT for key in ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
                                "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
                                "hypervisor_version")},
        "disk_available_least": {"type": ["integer", "null"]},
        "host_ip": {"type": "string"},
        "hypervisor_type": {"type": "string"},
        "cpu_info": {"type": ["string", "object"]},
        "service": {"type": "object", "properties": {"host": {"type": "string"}, "id": {"type": ["integer", "string"]},
                    "disabled_reason": NULLABLE_STR}, "required": ["host", "id", "disabled_reason"]},
    },
}  # fmt: skip
HYPERVISOR_DETAIL["required"] = list(HYPERVISOR_DETAIL["properties"])

SERVICE = {
    "type": "object",
    "properties": {
        "id": {"type": ["integer", "string"]}, "binary": {"type": "string"}, "host": {"type": "string"},
        "zone": {"type": "string"}, "status": {"enum": ["enabled", "disabled"]}, "state": {"enum": ["up", "down"]},
        "updated_at": NULLABLE_STR, "disabled_reason": NULLABLE_STR, "forced_down": {"type": "boolean"},
    },
    "required": ["id", "binary", "host", "zone", "status", "state", "updated_at", "disabled_reason"],
}  # fmt: skip

LIMIT_KEYS = ["maxImageMeta", "maxPersonality", "maxPersonalitySize", "maxSecurityGroupRules", "maxSecurityGroups",
              "maxServerGroupMembers", "maxServerGroups", "maxServerMeta", "maxTotalCores", "maxTotalFloatingIps",
              "maxTotalInstances", "maxTotalKeypairs", "maxTotalRAMSize", "totalCoresUsed", "totalFloatingIpsUsed",
              "totalInstancesUsed", "totalRAMUsed", "totalSecurityGroupsUsed", "totalServerGroupsUsed"]  # fmt: skip
LIMITS = envelope("limits", {
    "type": "object",
    "properties": {"rate": {"type": "array"},
                   "absolute": {"type": "object", "properties": {k: INT for k in LIMIT_KEYS}, "required": LIMIT_KEYS,
                                "additionalProperties": False}},
    "required": ["rate", "absolute"],
    "additionalProperties": False,
})  # fmt: skip

QUOTA_KEYS = ["cores", "fixed_ips", "floating_ips", "injected_file_content_bytes", "injected_file_path_bytes",
              "injected_files", "instances", "key_pairs", "metadata_items", "ram", "security_group_rules",
              "security_groups", "server_group_members", "server_groups"]  # fmt: skip
QUOTA_SET = envelope("quota_set", {
    "type": "object",
    "properties": {"id": {"type": "string"}, **{k: INT for k in QUOTA_KEYS}},
    "required": ["id", *QUOTA_KEYS],
    "additionalProperties": False,
})  # fmt: skip
QUOTA_DETAIL = envelope("quota_set", {
    "type": "object",
    "properties": {"id": {"type": "string"}, **{k: {"type": "object", "properties": {"in_use": INT, "limit": INT,
                                                    "reserved": INT}, "required": ["in_use", "limit", "reserved"],
                                                    "additionalProperties": False} for k in QUOTA_KEYS}},
    "required": ["id", *QUOTA_KEYS],
    "additionalProperties": False,
})  # fmt: skip
