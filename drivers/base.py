"""The contract every hypervisor driver implements.

A driver runs inside one compute worker and knows only the hypervisor of its own host. It is
given plain dicts (the instance payload the scheduler sent) and answers with plain values; it
never sees the database. Instance payloads look like::

    {"uuid": "...", "name": "vm1", "flavor": {"vcpus": 1, "memory_mb": 512, "root_gb": 1, ...},
     "image": {"id": "...", "name": "demo", "size": 512, "checksum": "..."}}
"""

import abc
import dataclasses


class DriverError(Exception):
    """Base of the errors a driver raises; the message is shown to the user in a fault."""


class InstanceNotFound(DriverError):
    """The hypervisor holds no instance with that uuid."""


class SpawnFailed(DriverError):
    """The hypervisor could not build the instance; it holds nothing of it afterwards."""


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """What the hypervisor knows of one instance."""

    power_state: int
    vcpus: int
    memory_mb: int


class ComputeDriver(abc.ABC):
    """One hypervisor on one host."""

    #: Optional features; the compute manager refuses an operation the driver lacks.
    capabilities: dict = {}

    def __init__(self, host: str, options: dict):
        self.host = host
        self.options = options

    def init_host(self) -> None:  # noqa: B027 - optional hook
        """Connect to the hypervisor. Called once when the worker starts, before any task."""

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
