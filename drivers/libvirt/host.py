"""The compute worker's one connection to libvirt, and libvirt's event loop.

The connection is opened on first use and reopened when libvirtd restarts (the close callback
marks it dead). Lifecycle events (a guest started, stopped, paused, crashed) arrive on the event
loop's thread and are handed to listeners as ``(instance uuid, power state)``; the compute
worker uses them to report a guest that changed on its own without waiting for the next sync.
"""

import contextlib
import logging
import os
import stat
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import libvirt

from core.power_state import PowerState
from drivers.base import DriverError

LOG = logging.getLogger(__name__)

LifecycleListener = Callable[[str, int], None]

_loop_lock = threading.Lock()
_loop_thread: threading.Thread | None = None

# libvirt lifecycle event -> the power state the guest is in afterwards.
EVENT_POWER_STATE = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: PowerState.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: PowerState.RUNNING,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: PowerState.PAUSED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: PowerState.SHUTDOWN,
    libvirt.VIR_DOMAIN_EVENT_CRASHED: PowerState.CRASHED,
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: PowerState.SUSPENDED,
}


def _quiet(_context, _error) -> None:
    """libvirt prints every error to stderr by default; they are raised as exceptions anyway."""


def start_event_loop() -> None:
    """Register libvirt's default event implementation and run it in a daemon thread (once per
    process, before the first connection is opened)."""
    global _loop_thread
    with _loop_lock:
        if _loop_thread is not None:
            return
        libvirt.registerErrorHandler(_quiet, None)
        libvirt.virEventRegisterDefaultImpl()
        _loop_thread = threading.Thread(target=_run_event_loop, name="libvirt-events", daemon=True)
        _loop_thread.start()


def _run_event_loop() -> None:
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except libvirt.libvirtError:
            LOG.exception("libvirt's event loop failed an iteration")


def kvm_usable_by_qemu(device: Path = Path("/dev/kvm")) -> tuple[bool, str]:
    """Whether QEMU, which libvirt runs as a member of group ``kvm``, can open /dev/kvm."""
    try:
        st = device.stat()
    except OSError:
        return False, f"{device} does not exist"
    if st.st_mode & 0o006 == 0o006:
        return True, ""
    try:
        import grp

        kvm_gid = grp.getgrnam("kvm").gr_gid
    except KeyError:
        kvm_gid = None
    if st.st_gid == kvm_gid and st.st_mode & 0o060 == 0o060:
        return True, ""
    mode = stat.filemode(st.st_mode)
    return False, f"{device} is {mode} (group {st.st_gid}); QEMU needs it readable and writable by group kvm"


class Host:
    """One libvirt connection shared by every task of the worker (libvirt's API is thread-safe)."""

    def __init__(self, uri: str):
        self.uri = uri
        self._conn: libvirt.virConnect | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._listeners: list[LifecycleListener] = []
        self._capabilities: ET.Element | None = None

    @property
    def is_test_driver(self) -> bool:
        return self.uri.startswith("test:")

    def connection(self) -> libvirt.virConnect:
        with self._lock:
            if self._conn is not None and not self._closed:
                try:
                    if self._conn.isAlive():
                        return self._conn
                except libvirt.libvirtError:
                    pass
            if self._conn is not None:
                LOG.warning("the connection to %s was lost; reconnecting", self.uri)
            self._conn = self._open()
            self._closed = False
            return self._conn

    def _open(self) -> libvirt.virConnect:
        start_event_loop()
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            raise DriverError(f"cannot connect to libvirt at {self.uri}: {exc}") from exc
        with contextlib.suppress(libvirt.libvirtError):  # the test driver has no close callback
            conn.registerCloseCallback(self._on_close, None)
        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None)
        LOG.info("connected to %s (libvirt %s)", self.uri, conn.getLibVersion())
        return conn

    def _on_close(self, _conn, reason, _opaque) -> None:
        LOG.warning("libvirt closed the connection to %s (reason %s)", self.uri, reason)
        self._closed = True

    # -- lifecycle events ----------------------------------------------------------------

    def add_lifecycle_listener(self, listener: LifecycleListener) -> None:
        self._listeners.append(listener)

    def _on_lifecycle(self, _conn, domain, event, detail, _opaque) -> None:
        state = EVENT_POWER_STATE.get(event)
        if state is None:
            return
        if event == libvirt.VIR_DOMAIN_EVENT_STOPPED and detail == libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED:
            state = PowerState.SUSPENDED
        try:
            instance_uuid = domain.UUIDString()
        except libvirt.libvirtError:
            return
        for listener in list(self._listeners):
            try:
                listener(instance_uuid, state)
            except Exception:
                LOG.exception("lifecycle listener failed for %s", instance_uuid)

    # -- what the host is ----------------------------------------------------------------

    def capabilities(self) -> ET.Element:
        if self._capabilities is None:
            self._capabilities = ET.fromstring(self.connection().getCapabilities())
        return self._capabilities

    def arch(self) -> str:
        arch = self.capabilities().findtext("host/cpu/arch")
        return arch or os.uname().machine

    def resolve_virt_type(self, requested: str) -> str:
        """``kvm`` when QEMU can use /dev/kvm, else ``qemu`` (TCG), saying so in the log."""
        requested = (requested or "kvm").lower()
        if requested != "kvm" or self.is_test_driver:
            return requested
        usable, why = kvm_usable_by_qemu()
        if usable:
            return "kvm"
        LOG.warning("LIBVIRT_VIRT_TYPE=kvm but KVM is not usable (%s); falling back to qemu (TCG emulation)", why)
        return "qemu"
