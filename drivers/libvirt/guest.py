"""One libvirt domain, with the power operations the driver builds on.

libvirt's states map to Nova's power states; a shut-off domain with a managed-save image is a
suspended guest (its memory is on disk and the next start restores it).
"""

import logging
import time

import libvirt

from core.power_state import PowerState
from drivers.base import DriverError
from drivers.libvirt import config

LOG = logging.getLogger(__name__)

LIBVIRT_POWER_STATE = {
    libvirt.VIR_DOMAIN_NOSTATE: PowerState.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: PowerState.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: PowerState.RUNNING,  # running, waiting on I/O
    libvirt.VIR_DOMAIN_PAUSED: PowerState.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: PowerState.RUNNING,  # still running while it shuts down
    libvirt.VIR_DOMAIN_SHUTOFF: PowerState.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: PowerState.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: PowerState.SUSPENDED,
}

POLL_SECONDS = 0.1


class Guest:
    def __init__(self, domain: libvirt.virDomain):
        self.domain = domain

    @property
    def uuid(self) -> str:
        return self.domain.UUIDString()

    def owner(self) -> str | None:
        """The compute host that defined this domain, from its cloudcore metadata (None if foreign)."""
        try:
            return config.owner_host(self.domain.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, config.NAMESPACE))
        except libvirt.libvirtError:
            return None

    def is_active(self) -> bool:
        return bool(self.domain.isActive())

    def has_saved_memory(self) -> bool:
        try:
            return bool(self.domain.hasManagedSaveImage(0))
        except libvirt.libvirtError:
            return False

    @property
    def power_state(self) -> int:
        state, _reason = self.domain.state()
        if state == libvirt.VIR_DOMAIN_SHUTOFF and self.has_saved_memory():
            return PowerState.SUSPENDED
        return LIBVIRT_POWER_STATE.get(state, PowerState.NOSTATE)

    def info(self) -> tuple[int, int, int]:
        """(power state, vCPUs, memory in MiB)."""
        _state, max_kib, _kib, vcpus, _cpu_time = self.domain.info()
        return self.power_state, vcpus, max_kib // 1024

    def xml(self) -> str:
        """The persistent definition, as it would be defined again."""
        return self.domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)

    # -- power ---------------------------------------------------------------------------

    def start(self) -> None:
        """Boot the guest, or restore it if its memory was saved."""
        if not self.is_active():
            self.domain.create()

    def wait_until_off(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.is_active():
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def shutdown(self, timeout: float) -> bool:
        """Ask the guest to shut down (ACPI) and wait up to ``timeout``; True if it did."""
        if not self.is_active():
            return True
        if self.power_state == PowerState.PAUSED:
            return False  # a paused guest cannot answer the request
        try:
            self.domain.shutdown()
        except libvirt.libvirtError as exc:
            if not self.is_active():
                return True
            LOG.info("%s refused a graceful shutdown: %s", self.uuid, exc)
            return False
        return self.wait_until_off(timeout)

    def destroy(self) -> None:
        """Pull the plug (idempotent). QEMU can be slow to exit; libvirt then reports EBUSY."""
        for attempt in range(3):
            if not self.is_active():
                return
            try:
                self.domain.destroy()
                return
            except libvirt.libvirtError as exc:
                if not self.is_active():
                    return
                if attempt == 2:
                    raise DriverError(f"could not stop guest {self.uuid}: {exc}") from exc
                time.sleep(1)

    def power_off(self, timeout: float) -> None:
        """A clean shutdown when the guest answers within ``timeout``, a hard stop otherwise."""
        if timeout > 0 and self.shutdown(timeout):
            return
        self.destroy()

    def pause(self) -> None:
        self.domain.suspend()

    def unpause(self) -> None:
        self.domain.resume()

    def save_memory(self) -> None:
        """Suspend: save memory to disk and stop (libvirt's managed save)."""
        self.domain.managedSave(0)

    def discard_saved_memory(self) -> None:
        if self.has_saved_memory():
            self.domain.managedSaveRemove(0)

    def undefine(self) -> None:
        """Remove the definition (and libvirt's saved memory and snapshot metadata with it)."""
        self.destroy()
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        try:
            self.domain.undefineFlags(flags)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return
            self.discard_saved_memory()
            self.domain.undefine()
