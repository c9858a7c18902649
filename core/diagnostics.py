"""A server's diagnostics (Nova's ``GET /servers/{id}/diagnostics``), as both ends of the wire see them.

A driver reads one ``GuestSample`` of a running guest's counters and answers with either body from
it: ``free_form`` (before microversion 2.48, the keys Nova's libvirt driver has always used) or
``standardised`` (2.48 on, Nova's ``Diagnostics`` object as a dict). The API shows the standardised
one through ``view``, Nova's view builder: every field, null where the driver had nothing to say.
Plain Python, so the compute worker and the API share it.
"""

import dataclasses
import datetime

from core.power_state import PowerState

#: Nova's ``power_state.STATE_MAP``: the names the standardised ``state`` and the 409 use.
STATE_NAMES = {
    PowerState.NOSTATE: "pending",
    PowerState.RUNNING: "running",
    PowerState.PAUSED: "paused",
    PowerState.SHUTDOWN: "shutdown",
    PowerState.CRASHED: "crashed",
    PowerState.SUSPENDED: "suspended",
}

# Nova's view (nova/api/openstack/compute/views/server_diagnostics.py), field for field.
PRIMITIVE_FIELDS = (
    "state", "driver", "hypervisor", "hypervisor_os", "uptime", "config_drive", "num_cpus", "num_nics", "num_disks",
)  # fmt: skip
LIST_FIELDS = {
    "disk_details": ("read_bytes", "read_requests", "write_bytes", "write_requests", "errors_count"),
    "cpu_details": ("id", "time", "utilisation"),
    "nic_details": ("mac_address", "rx_octets", "rx_errors", "rx_drop", "rx_packets", "rx_rate", "tx_octets",
                    "tx_errors", "tx_drop", "tx_packets", "tx_rate"),
}  # fmt: skip
OBJECT_FIELDS = {"memory_details": ("maximum", "used")}


@dataclasses.dataclass(frozen=True)
class CpuSample:
    id: int
    time: int | None  # nanoseconds of CPU time
    utilisation: int | None = None  # percent; libvirt does not say


@dataclasses.dataclass(frozen=True)
class DiskSample:
    dev: str  # the guest's name for it (vda)
    stats: tuple[int, int, int, int, int]  # libvirt's blockStats: rd_req, rd_bytes, wr_req, wr_bytes, errs


@dataclasses.dataclass(frozen=True)
class NicSample:
    mac: str | None
    dev: str | None  # the host's device (vnet0); None for an interface without one (user-mode networking)
    # libvirt's interfaceStats: rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop
    stats: tuple[int, int, int, int, int, int, int, int] | None = None
    rx_rate: int | None = None
    tx_rate: int | None = None


@dataclasses.dataclass(frozen=True)
class GuestSample:
    """One reading of a guest's counters, in libvirt's units."""

    power_state: int
    max_memory_kib: int | None
    memory_kib: int | None  # what the guest has now (the balloon's size)
    cpus: tuple[CpuSample, ...] = ()
    disks: tuple[DiskSample, ...] = ()
    nics: tuple[NicSample, ...] = ()
    memory_stats: dict = dataclasses.field(default_factory=dict)  # libvirt's memoryStats (KiB)


def free_form(sample: GuestSample) -> dict:
    """The body before 2.48: Nova's libvirt ``get_diagnostics``, key for key (``cpu0_time``,
    ``vda_read_req``, ``vnet0_rx``, ``memory`` in KiB, ``memory-<stat>``)."""
    output = {f"cpu{cpu.id}_time": cpu.time for cpu in sample.cpus}
    for disk in sample.disks:
        for suffix, value in zip(("read_req", "read", "write_req", "write", "errors"), disk.stats, strict=True):
            output[f"{disk.dev}_{suffix}"] = value
    for nic in sample.nics:
        if nic.dev and nic.stats is not None:
            suffixes = ("rx", "rx_packets", "rx_errors", "rx_drop", "tx", "tx_packets", "tx_errors", "tx_drop")
            for suffix, value in zip(suffixes, nic.stats, strict=True):
                output[f"{nic.dev}_{suffix}"] = value
    output["memory"] = sample.max_memory_kib
    output.update({f"memory-{key}": value for key, value in sample.memory_stats.items()})
    return output


def _disk(stats: tuple[int, int, int, int, int]) -> dict:
    read_requests, read_bytes, write_requests, write_bytes, errors = stats
    return {"read_bytes": read_bytes, "read_requests": read_requests, "write_bytes": write_bytes,
            "write_requests": write_requests, "errors_count": errors}  # fmt: skip


def _mib(kib: int | None) -> int | None:
    return None if kib is None else int(kib) // 1024


def standardised(
    sample: GuestSample, *, driver: str, hypervisor: str | None, hypervisor_os: str | None, uptime: int | None,
    config_drive: bool,
) -> dict:  # fmt: skip
    """The body from 2.48: Nova's libvirt ``get_instance_diagnostics``. ``driver`` must be one of
    Nova's ``HypervisorDriver`` names (libvirt, xenapi, vmwareapi, ironic, hyperv). Memory is in MiB,
    as the API reference says (Nova's libvirt driver divides KiB by 2**20 and so reports GiB)."""
    nics = []
    for nic in sample.nics:
        rx_octets, rx_packets, rx_errors, rx_drop, tx_octets, tx_packets, tx_errors, tx_drop = nic.stats or (None,) * 8
        nics.append({
            "mac_address": nic.mac, "rx_octets": rx_octets, "rx_errors": rx_errors, "rx_drop": rx_drop,
            "rx_packets": rx_packets, "rx_rate": nic.rx_rate, "tx_octets": tx_octets, "tx_errors": tx_errors,
            "tx_drop": tx_drop, "tx_packets": tx_packets, "tx_rate": nic.tx_rate,
        })  # fmt: skip
    return {
        "state": STATE_NAMES.get(sample.power_state, "pending"),
        "driver": driver,
        "hypervisor": hypervisor,
        "hypervisor_os": hypervisor_os,
        "uptime": uptime,
        "config_drive": bool(config_drive),
        "num_cpus": len(sample.cpus),
        "num_nics": len(nics),
        "num_disks": len(sample.disks),
        "memory_details": {"maximum": _mib(sample.max_memory_kib), "used": _mib(sample.memory_kib)},
        "cpu_details": [{"id": c.id, "time": c.time, "utilisation": c.utilisation} for c in sample.cpus],
        "disk_details": [_disk(disk.stats) for disk in sample.disks],
        "nic_details": nics,
    }


def view(diagnostics: dict) -> dict:
    """What the API shows of a standardised body: Nova's view builder, which names every field
    (null for one the driver left out) and nothing else."""
    body = {field: diagnostics.get(field) for field in PRIMITIVE_FIELDS}
    for name, fields in LIST_FIELDS.items():
        body[name] = [{field: item.get(field) for field in fields} for item in diagnostics.get(name) or []]
    for name, fields in OBJECT_FIELDS.items():
        details = diagnostics.get(name) or {}
        body[name] = {field: details.get(field) for field in fields}
    return body


def uptime_since(launched_at: str | None, now: datetime.datetime | None = None) -> int | None:
    """Seconds since the server was launched (ISO 8601, as the API sends it), as Nova's libvirt driver
    counts a guest's uptime; None if it never was."""
    if not launched_at:
        return None
    try:
        launched = datetime.datetime.fromisoformat(launched_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if launched.tzinfo is None:
        launched = launched.replace(tzinfo=datetime.UTC)
    now = now or datetime.datetime.now(datetime.UTC)
    return max(0, int((now - launched).total_seconds()))
