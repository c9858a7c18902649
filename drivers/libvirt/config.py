"""Domain XML for one instance, built from its flavor, its image and the host's settings.

Only what a guest needs: memory and vCPUs from the flavor, the root disk (and ephemeral and swap
disks when the flavor has them), one network interface, and a serial console whose output
libvirt logs to a file. No graphics: this machine's libvirt rejects ``<graphics type='none'/>``
and a server has no screen anyway.
"""

import dataclasses
import hashlib
import xml.etree.ElementTree as ET

NAMESPACE = "urn:cloudcore:libvirt:instance:1"
PREFIX = "cloudcore"
DOMAIN_PREFIX = "instance-"
DISK_BUSES = {"virtio": "vd", "scsi": "sd", "sata": "sd", "ide": "hd"}

ET.register_namespace(PREFIX, NAMESPACE)


def domain_name(instance_uuid: str) -> str:
    return f"{DOMAIN_PREFIX}{instance_uuid}"


def mac_address(instance_uuid: str, index: int = 0) -> str:
    """A stable MAC under the prefix OpenStack uses for its ports (fa:16:3e)."""
    digest = hashlib.sha256(f"{instance_uuid}/{index}".encode()).digest()
    return "fa:16:3e:" + ":".join(f"{b:02x}" for b in digest[:3])


@dataclasses.dataclass(frozen=True)
class Disk:
    path: str
    format: str  # qcow2 or raw
    role: str  # root, ephemeral, swap


@dataclasses.dataclass(frozen=True)
class GuestConfig:
    """Everything the XML is made from."""

    uuid: str
    name: str
    host: str
    virt_type: str  # kvm, qemu, or what the connection's driver takes
    arch: str
    memory_mb: int
    vcpus: int
    flavor_name: str
    image_id: str
    disks: tuple[Disk, ...]
    console_log: str
    disk_bus: str = "virtio"
    disk_cache: str = "none"
    network: str = "user"  # user, none, network:<name> or bridge:<name>
    cpu_mode: str = "none"  # none (QEMU's default model), host-model, host-passthrough or custom:<model>
    macs: tuple[str, ...] = ()  # one interface per port; empty: one interface with a MAC made from the uuid


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = str(text)
    return element


def _metadata(domain: ET.Element, config: GuestConfig) -> None:
    ns = f"{{{NAMESPACE}}}"
    owner = _sub(_sub(domain, "metadata"), f"{ns}instance")
    _sub(owner, f"{ns}host", config.host)
    _sub(owner, f"{ns}name", config.name)
    _sub(owner, f"{ns}flavor", name=config.flavor_name, vcpus=config.vcpus, memory_mb=config.memory_mb)
    _sub(owner, f"{ns}image", id=config.image_id)


def _disks(devices: ET.Element, config: GuestConfig) -> None:
    bus = config.disk_bus if config.disk_bus in DISK_BUSES else "virtio"
    prefix = DISK_BUSES[bus]
    for index, disk in enumerate(config.disks):
        element = _sub(devices, "disk", type="file", device="disk")
        _sub(element, "driver", name="qemu", type=disk.format, cache=config.disk_cache)
        _sub(element, "source", file=disk.path)
        _sub(element, "target", dev=f"{prefix}{chr(ord('a') + index)}", bus=bus)
        if disk.role == "root":
            _sub(element, "boot", order=1)


def _interface(devices: ET.Element, config: GuestConfig) -> None:
    kind, _, source = config.network.partition(":")
    if kind == "none":
        return
    for mac in config.macs or (mac_address(config.uuid),):
        if kind == "network":
            element = _sub(devices, "interface", type="network")
            _sub(element, "source", network=source or "default")
        elif kind == "bridge":
            element = _sub(devices, "interface", type="bridge")
            _sub(element, "source", bridge=source)
        else:
            element = _sub(devices, "interface", type="user")
        _sub(element, "mac", address=mac)
        _sub(element, "model", type="virtio")


def _console(devices: ET.Element, config: GuestConfig) -> None:
    serial = _sub(devices, "serial", type="pty")
    _sub(serial, "log", file=config.console_log, append="on")
    _sub(serial, "target", port=0)
    console = _sub(devices, "console", type="pty")
    _sub(console, "target", type="serial", port=0)


def _cpu(domain: ET.Element, config: GuestConfig) -> None:
    mode, _, model = config.cpu_mode.partition(":")
    if mode in ("host-model", "host-passthrough") and config.virt_type == "kvm":
        _sub(domain, "cpu", mode=mode, check="none")
    elif mode == "custom" and model:
        cpu = _sub(domain, "cpu", mode="custom", match="exact", check="none")
        _sub(cpu, "model", model, fallback="allow")


def domain_xml(config: GuestConfig) -> str:
    domain = ET.Element("domain", type=config.virt_type)
    _sub(domain, "name", domain_name(config.uuid))
    _sub(domain, "uuid", config.uuid)
    _sub(domain, "title", " ".join(config.name.split())[:255] or config.uuid)
    _metadata(domain, config)
    _sub(domain, "memory", config.memory_mb * 1024, unit="KiB")
    _sub(domain, "currentMemory", config.memory_mb * 1024, unit="KiB")
    _sub(domain, "vcpu", config.vcpus, placement="static")

    sysinfo = _sub(_sub(domain, "sysinfo", type="smbios"), "system")
    _sub(sysinfo, "entry", "cloudcore", name="manufacturer")
    _sub(sysinfo, "entry", "cloudcore Compute", name="product")
    _sub(sysinfo, "entry", config.uuid, name="serial")
    _sub(sysinfo, "entry", config.uuid, name="uuid")

    os_ = _sub(domain, "os")
    _sub(os_, "type", "hvm", arch=config.arch)
    _sub(os_, "smbios", mode="sysinfo")
    features = _sub(domain, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    _cpu(domain, config)
    _sub(domain, "clock", offset="utc")
    _sub(domain, "on_poweroff", "destroy")
    _sub(domain, "on_reboot", "restart")
    _sub(domain, "on_crash", "destroy")

    devices = _sub(domain, "devices")
    _disks(devices, config)
    _interface(devices, config)
    _console(devices, config)
    _sub(devices, "memballoon", model="virtio")
    return ET.tostring(domain, encoding="unicode")


def owner_host(metadata_xml: str) -> str | None:
    """The host named in a domain's cloudcore metadata element (as ``virDomain.metadata`` returns it)."""
    try:
        element = ET.fromstring(metadata_xml)
    except ET.ParseError:
        return None
    host = element.find("host")
    if host is None:
        host = element.find(f"{{{NAMESPACE}}}host")
    return host.text if host is not None else None
