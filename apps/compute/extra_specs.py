"""The flavor extra specs Nova knows, and the values it accepts for them (microversion 2.86).

From 2.86 ``POST /flavors/{id}/os-extra_specs`` and ``PUT .../os-extra_specs/{key}`` check each spec
as Nova's ``nova.api.validation.extra_specs`` does: a key Nova registers must have a value of its
kind (an integer within bounds, a boolean-like word, one of a list, a string of a format); a key
in a namespace Nova knows (``hw:``, ``quota:``, ``trait:``...) that is not one of its keys is
refused; a key in any other namespace, or in none, is the operator's own and is left alone.

The rules are a table: a name pattern (``{param}`` stands for a part matched by a regex, as in
Nova's ``hw:numa_cpus.{num}``) and a value rule. Errors carry Nova's wording.
"""

import re
from dataclasses import dataclass, field

_GROUP = r"([a-zA-Z0-9_-]{1,64})?"  # a granular request group's suffix: resources1:VCPU, trait_x:...
TRUE_WORDS = ("1", "t", "true", "on", "y", "yes")  # oslo's strict boolean words
FALSE_WORDS = ("0", "f", "false", "off", "n", "no")
_CPU_MASK = r"\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"


class InvalidExtraSpec(ValueError):
    """A spec Nova would refuse: the message is Nova's."""


@dataclass(frozen=True)
class Rule:
    """One extra spec: ``name`` with ``{param}`` placeholders, and what its value must be."""

    name: str
    kind: type  # int, bool or str
    enum: tuple = ()
    pattern: str | None = None
    min: int | None = None
    max: int | None = None
    params: dict = field(default_factory=dict)

    @property
    def name_regex(self) -> str:
        """The name as a regex, as Nova builds it (the rest of the name is used as written)."""
        regex = self.name
        for param, pattern in self.params.items():
            regex = regex.replace(f"{{{param}}}", f"(?P<{param}>{pattern})")
        return regex

    def check(self, value: str) -> None:
        if self.kind is int:
            try:
                number = int(value)
            except ValueError:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is not a valid integer value.") from None
            if self.max is not None and number > self.max:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is greater than the max value of '{self.max}'.")
            if self.min is not None and number < self.min:
                raise InvalidExtraSpec(f"Validation failed; '{value}' is less than the min value of '{self.min}'.")
        elif self.kind is bool:
            if value.strip().lower() not in (*TRUE_WORDS, *FALSE_WORDS):
                raise InvalidExtraSpec(f"Validation failed; '{value}' is not a valid boolean-like value.")
        elif self.pattern is not None:
            if not re.fullmatch(self.pattern, value):
                raise InvalidExtraSpec(f"Validation failed; '{value}' is not of the format '{self.pattern}'.")
        elif self.enum and value not in self.enum:
            raise InvalidExtraSpec(f"Validation failed; '{value}' is not one of: {', '.join(self.enum)}.")


def _int(name: str, min: int | None = None, max: int | None = None, **params) -> Rule:
    return Rule(name, int, min=min, max=max, params=params)


def _bool(name: str) -> Rule:
    return Rule(name, bool)


def _one_of(name: str, *values: str, **params) -> Rule:
    return Rule(name, str, enum=values, params=params)


def _text(name: str, pattern: str | None = None, **params) -> Rule:
    return Rule(name, str, pattern=pattern, params=params)


# -- Nova's registered specs, by module of nova/api/validation/extra_specs/ --------------------

_HW = [
    _bool("hw:cpu_realtime"),
    _text("hw:cpu_realtime_mask", r"(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*"),
    _bool("hw:hide_hypervisor_id"),
    _one_of("hw:cpu_policy", "dedicated", "shared", "mixed"),
    _one_of("hw:cpu_thread_policy", "prefer", "isolate", "require"),
    _one_of("hw:emulator_threads_policy", "isolate", "share"),
    _text("hw:cpu_dedicated_mask", _CPU_MASK),
    _text("hw:mem_page_size", r"(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)"),
    _bool("hw:locked_memory"),
    _int("hw:numa_nodes", min=1),
    _text("hw:numa_cpus.{num}", _CPU_MASK, num=r"\d+"),
    _int("hw:numa_mem.{num}", min=1, num=r"\d+"),
    _one_of("hw:pci_numa_affinity_policy", "required", "preferred", "legacy", "socket"),
    *(
        _int(f"hw:cpu_{part}", min=1)
        for part in ("sockets", "cores", "threads", "max_sockets", "max_cores", "max_threads")
    ),  # fmt: skip
    _bool("hw:boot_menu"),
    _bool("hw:vif_multiqueue_enabled"),
    _bool("hw:mem_encryption"),
    _one_of("hw:mem_encryption_model", "amd-sev", "amd-sev-es", "amd-sev-snp"),
    _text("hw:pmem", "([a-zA-Z0-9_]+(,)?)+"),
    _bool("hw:pmu"),
    _int("hw:serial_port_count", min=0),
    _one_of("hw:tpm_model", "tpm-tis", "tpm-crb"),
    _one_of("hw:tpm_version", "1.2", "2.0"),
    _one_of("hw:tpm_secret_security", "user", "host", "deployment"),
    _one_of("hw:watchdog_action", "none", "pause", "poweroff", "reset", "disabled"),
    _one_of("hw:viommu_model", "intel", "smmuv3", "virtio", "auto"),
    _bool("hw:virtio_packed_ring"),
    _one_of("hw:sound_model", "sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "virtio"),
    _one_of("hw:usb_model", "none", "nec-xhci", "qemu-xhci"),
    _int("hw:redirected_usb_ports", min=0, max=15),
    _bool("hw:ephemeral_encryption"),
    _one_of("hw:ephemeral_encryption_format", "plain", "luks", "luksv2"),
]

_QUOTA = [
    *(
        rule
        for key in ("cpu", "memory", "disk_io", "vif")
        for rule in (
            _int(f"quota:{key}_limit", min=0),
            _int(f"quota:{key}_reservation"),
            _one_of(f"quota:{key}_shares_level", "custom", "high", "normal", "low"),
            _int(f"quota:{key}_shares_share", min=0),
        )
    ),
    _int("quota:cpu_shares", min=0),
    _int("quota:cpu_period", min=0),
    _int("quota:cpu_quota"),
    *(
        _int(f"quota:disk_{stat}_{metric}_sec", min=0)
        for stat in ("read", "write", "total")
        for metric in ("bytes", "iops")
    ),  # fmt: skip
    *(
        _int(f"quota:vif_{stat}_{metric}", min=0)
        for stat in ("inbound", "outbound")
        for metric in ("average", "peak", "burst")
    ),  # fmt: skip
]

# os-resource-classes' standard classes; any CUSTOM_ one is also an amount.
RESOURCE_CLASSES = (
    "VCPU", "MEMORY_MB", "DISK_GB", "PCI_DEVICE", "SRIOV_NET_VF", "NUMA_SOCKET", "NUMA_CORE", "NUMA_THREAD",
    "NUMA_MEMORY_MB", "IPV4_ADDRESS", "VGPU", "VGPU_DISPLAY_HEAD", "NET_BW_EGR_KILOBIT_PER_SEC",
    "NET_BW_IGR_KILOBIT_PER_SEC", "PCPU", "MEM_ENCRYPTION_CONTEXT", "FPGA", "PGPU",
    "NET_PACKET_RATE_KILOPACKET_PER_SEC", "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC",
    "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC",
)  # fmt: skip
_RESOURCES = [
    *(_int(f"resources{{group}}:{rc}", group=_GROUP) for rc in RESOURCE_CLASSES),
    _int("resources{group}:CUSTOM_{resource}", group=_GROUP, resource="[A-Z0-9_]+"),
]
# Nova registers each trait of os-traits by name, and CUSTOM_ ones; without that catalogue here, any
# trait-shaped name (upper case, digits, underscores) is taken, and must be required or forbidden.
_TRAITS = [_one_of("trait{group}:{trait}", "required", "forbidden", group=_GROUP, trait="[A-Z0-9_]+")]

_CAPABILITIES = [
    *(_text(f"capabilities:{name}") for name in (
        "id", "uuid", "service_id", "host", "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
        "local_gb_used", "hypervisor_type", "hypervisor_version", "hypervisor_hostname", "free_ram_mb",
        "free_disk_gb", "current_workload", "running_vms", "disk_available_least", "host_ip", "mapped",
        "cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio", "total_usable_ram_mb",
        "total_usable_disk_gb", "disk_mb_used", "free_disk_mb", "vcpus_total", "num_instances", "num_io_ops",
        "failed_builds", "aggregates", "cell_uuid", "updated")),
    *(_text(f"capabilities:{name}{{filter}}", filter=r"(:\w+)*") for name in (
        "cpu_info", "metrics", "stats", "numa_topology", "supported_hv_specs", "pci_device_pools", "nodename",
        "pci_stats", "supported_instances", "limits", "instances")),
]  # fmt: skip

_OTHERS = [
    _text("accel:device_profile"),
    _text("aggregate_instance_extra_specs:{key}", key=".+"),
    _bool("hw_rng:allowed"),
    _int("hw_rng:rate_bytes", min=0),
    _int("hw_rng:rate_period", min=0),
    _int("hw_video:ram_max_mb", min=0),
    _bool("hide_hypervisor_id"),  # deprecated for hw:hide_hypervisor_id
    _one_of("group_policy", "isolate", "none"),
    _one_of("os:secure_boot", "disabled", "required"),
    _text("pci_passthrough:alias", r"[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*"),
    _text("vmware:hw_version"),
    _text("vmware:storage_policy"),
]

RULES: tuple[Rule, ...] = (*_HW, *_QUOTA, *_RESOURCES, *_TRAITS, *_CAPABILITIES, *_OTHERS)
_BY_NAME = {rule.name: rule for rule in RULES}
_PATTERNS = [(re.compile(rule.name_regex), rule) for rule in RULES]
# The namespaces Nova knows: what comes before the ':' of each registered name (itself a regex for
# the grouped resources and traits).
NAMESPACES = tuple(dict.fromkeys(rule.name_regex.split(":", 1)[0] for rule in RULES if ":" in rule.name_regex))


def validate(name: str, value: str) -> None:
    """Raise ``InvalidExtraSpec`` unless ``name: value`` is a spec Nova 2.86 accepts."""
    rule = _BY_NAME.get(name) or next((rule for regex, rule in _PATTERNS if regex.fullmatch(name)), None)
    if rule is not None:
        rule.check(value)
        return
    if ":" not in name:
        return
    namespace = name.split(":", 1)[0]
    if any(re.fullmatch(known, namespace) for known in NAMESPACES):
        raise InvalidExtraSpec(f"Validation failed; extra spec '{name}' does not appear to be a valid extra spec.")
