"""The contract every hypervisor driver implements.

A driver runs inside one compute worker and knows only the hypervisor of its own host. It is
given plain dicts (the instance payload the scheduler sent) and answers with plain values; it
never sees the database. Instance payloads look like::

    {"uuid": "...", "name": "vm1", "flavor": {"vcpus": 1, "memory_mb": 512, "root_gb": 1, ...},
     "image": {"id": "...", "name": "demo", "size": 512, "checksum": "..."}}
"""

import abc
import dataclasses
import os
import time

from core import capabilities as caps


class DriverError(Exception):
    """Base of the errors a driver raises; the message is shown to the user in a fault."""


class InstanceNotFound(DriverError):
    """The hypervisor holds no instance with that uuid."""


class SpawnFailed(DriverError):
    """The hypervisor could not build the instance; it holds nothing of it afterwards."""


class NotSupported(DriverError):
    """The driver cannot do this operation at all."""


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """What the hypervisor knows of one instance."""

    power_state: int
    vcpus: int
    memory_mb: int


class ComputeDriver(abc.ABC):
    """One hypervisor on one host."""

    #: What the driver can do beyond spawn and destroy (``core.capabilities``). The node reports it,
    #: and the API answers 409 for an action the server's node lacks. May differ per instance (a
    #: driver whose features depend on its configuration sets it in ``__init__``).
    capabilities: dict = caps.none()

    def __init__(self, host: str, options: dict):
        self.host = host
        self.options = options

    def init_host(self) -> None:  # noqa: B027 - optional hook
        """Connect to the hypervisor. Called once when the worker starts, before any task."""

    def register_lifecycle_listener(self, listener) -> None:  # noqa: B027 - optional hook
        """Call ``listener(instance_uuid, power_state)`` when a guest changes state on its own
        (a hypervisor with lifecycle events); the worker then reports it without waiting for a sync."""

    @abc.abstractmethod
    def spawn(self, instance: dict) -> None:
        """Create and start ``instance``.

        On success the instance exists on the hypervisor and is running. On failure raise
        ``SpawnFailed`` (or another ``DriverError``) and leave nothing behind, so the build can be
        retried on another host.
        """

    @abc.abstractmethod
    def destroy(self, instance_uuid: str) -> None:
        """Stop and remove the instance and its local disks.

        Idempotent: destroying an instance the hypervisor does not hold succeeds.
        """

    @abc.abstractmethod
    def get_info(self, instance_uuid: str) -> InstanceInfo:
        """Report the instance's power state and size; raise ``InstanceNotFound`` if absent."""

    @abc.abstractmethod
    def list_instances(self) -> list[str]:
        """The uuids of every instance this hypervisor holds, running or not."""

    @abc.abstractmethod
    def get_available_resource(self) -> dict:
        """The host's totals, as reported to the conductor.

        Keys: ``vcpus``, ``memory_mb``, ``local_gb``, ``hypervisor_type``,
        ``hypervisor_version``, ``hypervisor_hostname``.
        """

    # -- optional operations: a driver that lacks one raises NotSupported -----------------

    def _unsupported(self, operation: str):
        raise NotSupported(f"The {type(self).__name__} driver does not support {operation}")

    def power_off(self, instance: dict) -> None:
        """Shut the guest down. On success its power state is SHUTDOWN; its disks are kept."""
        self._unsupported("stopping servers")

    def power_on(self, instance: dict) -> None:
        """Start a shut-down guest. On success it is RUNNING."""
        self._unsupported("starting servers")

    def reboot(self, instance: dict, reboot_type: str) -> None:
        """Reboot: ``SOFT`` asks the guest, ``HARD`` resets it (and starts it from any state).

        On success the guest is RUNNING.
        """
        self._unsupported("rebooting servers")

    def pause(self, instance: dict) -> None:
        """Stop the guest's vCPUs, keeping its memory. On success it is PAUSED."""
        self._unsupported("pausing servers")

    def unpause(self, instance: dict) -> None:
        """Let a paused guest run again. On success it is RUNNING."""
        self._unsupported("unpausing servers")

    def suspend(self, instance: dict) -> None:
        """Save the guest's memory to disk and stop it. On success it is SUSPENDED."""
        self._unsupported("suspending servers")

    def resume(self, instance: dict) -> None:
        """Restore a suspended guest. On success it is RUNNING."""
        self._unsupported("resuming servers")

    def rebuild(self, instance: dict, power_on: bool) -> None:
        """Replace the guest's root disk with ``instance["image"]``; leave it running if ``power_on``."""
        self._unsupported("rebuilding servers")

    def snapshot(self, instance: dict, path: str) -> str | None:
        """Write the guest's root disk as an image file at ``path``; return its disk format (``raw``
        or ``qcow2``; None means raw). The guest's state is unchanged."""
        self._unsupported("snapshots")

    def migrate_disk_and_power_off(self, instance: dict, migration: dict) -> None:
        """Source side of a resize or cold migration: stop the guest and hand its disk over.

        The source keeps what it needs to revert until ``confirm_migration``.
        """
        self._unsupported("resize and migration")

    def finish_migration(self, instance: dict, migration: dict, power_on: bool) -> None:
        """Destination side: define the guest with ``instance["flavor"]`` (the new flavor)."""
        self._unsupported("resize and migration")

    def confirm_migration(self, instance: dict, migration: dict) -> None:
        """Source side, after confirm: remove what was kept for a revert. Idempotent."""
        self._unsupported("resize and migration")

    def revert_migration_dest(self, instance: dict, migration: dict) -> None:
        """Destination side of a revert: remove the guest from this host. Idempotent."""
        self._unsupported("resize and migration")

    def finish_revert_migration(self, instance: dict, migration: dict, power_on: bool) -> None:
        """Source side of a revert: bring the guest back with its old flavor."""
        self._unsupported("resize and migration")

    def cache_image(self, image: dict) -> bool:
        """Fetch ``image`` (an image payload) into this host's image cache now, as a boot would, so
        later boots skip the download (Nova's ``cache_image``, asked by aggregate at 2.81). True if
        it was fetched, False if it was cached already; a driver without an image cache raises
        ``NotSupported``."""
        self._unsupported("image caching")
        return False

    def get_console_output(self, instance_uuid: str) -> str:
        """The guest's serial console log so far."""
        self._unsupported("console output")
        return ""

    def get_instance_diagnostics(self, instance: dict) -> dict:
        """Nova's standardised diagnostics of the running guest (microversion 2.48 on): the dict
        ``core.diagnostics.standardised`` builds. ``instance`` is the payload with ``launched_at``
        (ISO 8601 or None), from which the uptime is counted. Asked only while the guest runs."""
        self._unsupported("diagnostics")
        return {}

    def get_diagnostics(self, instance: dict) -> dict:
        """The hypervisor's own, free-form diagnostics (before 2.48), from the same reading as
        ``get_instance_diagnostics``: for libvirt-like drivers ``core.diagnostics.free_form``."""
        self._unsupported("diagnostics")
        return {}

    def inject_network_info(self, instance: dict) -> None:  # noqa: B027 - optional hook
        """Hand the guest its network information (``instance["network_info"]``) again; most
        hypervisors have nothing to inject into, and do nothing."""

    def get_host_uptime(self) -> str:
        """The hypervisor host's ``uptime`` line (Nova's os-hypervisors uptime): this machine's."""
        with open("/proc/uptime") as handle:
            seconds = float(handle.read().split()[0])
        return uptime_line(seconds, os.getloadavg())


def uptime_line(seconds: float, load: tuple[float, float, float], now: float | None = None) -> str:
    """What ``uptime`` prints: `` 08:32:11 up 3 days,  4:05,  0 users,  load average: 0.20, 0.12, 0.14``."""
    clock = time.strftime("%H:%M:%S", time.localtime(now))
    days, rest = divmod(int(seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    since = f"{hours:2d}:{minutes:02d}" if hours else f"{minutes} min"
    if days:
        since = f"{days} day{'s' if days != 1 else ''}, {since}"
    averages = ", ".join(f"{value:.2f}" for value in load)
    return f" {clock} up {since},  0 users,  load average: {averages}"
