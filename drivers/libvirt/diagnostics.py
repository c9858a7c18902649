"""Reading a running domain's counters for its diagnostics, as Nova's libvirt driver reads them.

``virDomain.info`` gives the memory, ``vcpus`` each vCPU's CPU time, ``blockStats`` each disk's and
``interfaceStats`` each interface's counters (by the target device of the live XML), and
``memoryStats`` the balloon's figures. A statistic the hypervisor cannot give is left out, as
Nova leaves it out: a disk without stats, a vCPU list, an interface whose stats fail; an
interface without a target device (QEMU's user-mode network has none) is kept with its MAC alone.
"""

import xml.etree.ElementTree as ET

import libvirt

from core.diagnostics import CpuSample, DiskSample, GuestSample, NicSample
from drivers.libvirt.guest import Guest


def _cpus(domain: libvirt.virDomain) -> tuple[CpuSample, ...]:
    try:
        infos, _maps = domain.vcpus()
    except libvirt.libvirtError:
        return ()
    return tuple(CpuSample(id=number, time=cpu_time) for number, _state, cpu_time, _cpu in infos)


def _disks(domain: libvirt.virDomain, devices: ET.Element | None) -> tuple[DiskSample, ...]:
    disks = []
    for target in devices.findall("disk/target") if devices is not None else ():
        dev = target.get("dev")
        if not dev:
            continue
        try:
            disks.append(DiskSample(dev, tuple(domain.blockStats(dev))))
        except libvirt.libvirtError:
            continue
    return tuple(disks)


def _nics(domain: libvirt.virDomain, devices: ET.Element | None) -> tuple[NicSample, ...]:
    nics = []
    for interface in devices.findall("interface") if devices is not None else ():
        mac = interface.find("mac")
        address = mac.get("address") if mac is not None else None
        target = interface.find("target")
        dev = target.get("dev") if target is not None else None
        if not dev:
            nics.append(NicSample(address, None))
            continue
        try:
            nics.append(NicSample(address, dev, tuple(domain.interfaceStats(dev))))
        except libvirt.libvirtError:
            continue
    return tuple(nics)


def _memory_stats(domain: libvirt.virDomain) -> dict:
    try:
        return dict(domain.memoryStats())
    except (libvirt.libvirtError, AttributeError):
        return {}


def sample(guest: Guest) -> GuestSample:
    """One reading of the guest (it should be running: a stopped domain has no counters)."""
    domain = guest.domain
    _state, max_kib, kib, _vcpus, _cpu_time = domain.info()
    devices = ET.fromstring(domain.XMLDesc(0)).find("devices")
    return GuestSample(
        power_state=guest.power_state,
        max_memory_kib=max_kib,
        memory_kib=kib,
        cpus=_cpus(domain),
        disks=_disks(domain, devices),
        nics=_nics(domain, devices),
        memory_stats=_memory_stats(domain),
    )
