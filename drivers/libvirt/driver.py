"""The libvirt driver: QEMU/KVM guests on this host (``COMPUTE_DRIVER=libvirt.LibvirtDriver``).

Options (environment of the compute worker):

- ``LIBVIRT_URI``: ``qemu:///system`` (default) for real guests, ``test:///default`` for libvirt's
  in-process test hypervisor.
- ``LIBVIRT_VIRT_TYPE``: ``kvm`` (default) or ``qemu``; ``kvm`` falls back to ``qemu`` (TCG) with a
  warning when QEMU cannot use /dev/kvm.
- ``INSTANCES_PATH``: where guests' disks and console logs live (default
  ``<CLOUDCORE_DATA_DIR>/instances/<host>``); base images are cached in its ``_base``.
- ``IMAGES_PATH``: where this host finds the image store's files when an image's own path is not
  visible here (default ``<CLOUDCORE_DATA_DIR>/images``).
- ``LIBVIRT_MIGRATION_PATH``: a directory shared by the hosts, where a resize or cold migration
  hands the flattened disks from source to destination (default ``<CLOUDCORE_DATA_DIR>/migrations``).
- ``LIBVIRT_SHUTDOWN_TIMEOUT``: seconds a guest gets to shut down cleanly before it is stopped
  hard, for stop and soft reboot (60, as Nova's ``shutdown_timeout``).
- ``LIBVIRT_CPU_MODE``: ``none`` (QEMU's default CPU model; default), ``host-model``,
  ``host-passthrough`` (KVM only) or ``custom:<model>``. Nested KVM hosts can reject the host's
  model (QEMU aborts setting an MSR), which is why it is not the default.
- ``LIBVIRT_NETWORK``: ``user`` (QEMU's user-mode network, default), ``none``,
  ``network:<libvirt network>`` or ``bridge:<bridge>``.

Several compute workers may share one libvirtd: every domain carries its host in its metadata and
each driver sees only its own.
"""

import functools
import logging
import os
import shutil
from pathlib import Path

import libvirt

from core import capabilities as caps
from core import diagnostics
from core.power_state import PowerState
from drivers.base import ComputeDriver, DriverError, InstanceInfo, InstanceNotFound, SpawnFailed
from drivers.libvirt import config, disk
from drivers.libvirt import diagnostics as guest_diagnostics
from drivers.libvirt.guest import Guest
from drivers.libvirt.host import Host, LifecycleListener

LOG = logging.getLogger(__name__)

CONSOLE_LOG = "console.log"
SAVED_DEFINITION = "domain.xml"
OWNER_FILE = "host"
MAX_CONSOLE_BYTES = 100 * 1024  # Nova's limit on what os-getConsoleOutput returns
DISK_ROLES = {"disk": "root", "disk.eph0": "ephemeral", "disk.swap": "swap"}


def translated(method):
    """libvirt's errors become DriverErrors, whose message the user sees in the fault."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except libvirt.libvirtError as exc:
            raise DriverError(f"libvirt: {exc.get_error_message() or exc}") from exc

    return wrapper


class LibvirtDriver(ComputeDriver):
    #: Everything, whatever ``LIBVIRT_VIRT_TYPE`` says: the domain XML here is a QEMU machine's, so
    #: the virt types this driver runs are ``kvm`` and ``qemu`` (and libvirt's test hypervisor), and
    #: they do every operation the same way: pause and suspend through libvirt (managed save),
    #: snapshot and resize on this host's qcow2 files with qemu-img. The driver contract suite runs
    #: each operation on the test hypervisor and on real QEMU. A virt type that could not (LXC: no
    #: disk images, no managed save) needs its own domain XML first, and its own answers here.
    capabilities = caps.every()

    def __init__(self, host: str, options: dict):
        super().__init__(host, options)
        data_dir = Path(options.get("CLOUDCORE_DATA_DIR") or "var").absolute()
        self.uri = options.get("LIBVIRT_URI") or "qemu:///system"
        self.instances_path = Path(options.get("INSTANCES_PATH") or data_dir / "instances" / host).absolute()
        self.images_path = Path(options.get("IMAGES_PATH") or data_dir / "images").absolute()
        self.migration_path = Path(options.get("LIBVIRT_MIGRATION_PATH") or data_dir / "migrations").absolute()
        self.shutdown_timeout = float(options.get("LIBVIRT_SHUTDOWN_TIMEOUT", 60))
        self.network = options.get("LIBVIRT_NETWORK") or "user"
        self.cpu_mode = options.get("LIBVIRT_CPU_MODE") or "none"
        self.requested_virt_type = options.get("LIBVIRT_VIRT_TYPE") or "kvm"
        self.virt_type = self.requested_virt_type
        self.disk_cache = "none"
        self._host = Host(self.uri)
        self._images = disk.ImageCache(self.instances_path / "_base", self.images_path)

    def init_host(self) -> None:
        self._host.connection()
        self.instances_path.mkdir(parents=True, exist_ok=True)
        self.instances_path.chmod(0o755)  # QEMU runs as its own user and must reach the disks
        self.virt_type = self._host.resolve_virt_type(self.requested_virt_type)
        self.disk_cache = "none" if disk.supports_direct_io(self.instances_path) else "writeback"
        LOG.info(
            "libvirt driver for %s: %s, virt type %s, instances in %s", self.host, self.uri, self.virt_type,
            self.instances_path,
        )  # fmt: skip

    def register_lifecycle_listener(self, listener: LifecycleListener) -> None:
        self._host.add_lifecycle_listener(listener)

    # -- finding guests ------------------------------------------------------------------

    def _conn(self) -> libvirt.virConnect:
        return self._host.connection()

    def _find(self, instance_uuid: str) -> Guest | None:
        try:
            guest = Guest(self._conn().lookupByUUIDString(instance_uuid))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise
        return guest if guest.owner() == self.host else None

    def _guest(self, instance_uuid: str) -> Guest:
        guest = self._find(instance_uuid)
        if guest is None:
            raise InstanceNotFound(f"Instance {instance_uuid} is not on {self.host}")
        return guest

    def _dir(self, instance_uuid: str) -> Path:
        return self.instances_path / instance_uuid

    def _resize_dir(self, instance_uuid: str) -> Path:
        return self.instances_path / f"{instance_uuid}_resize"

    def _staging(self, instance_uuid: str, migration: dict) -> Path:
        return self.migration_path / f"{instance_uuid}-{migration['id']}"

    @translated
    def list_instances(self) -> list[str]:
        uuids = []
        for domain in self._conn().listAllDomains():
            if domain.name().startswith(config.DOMAIN_PREFIX) and Guest(domain).owner() == self.host:
                uuids.append(domain.UUIDString())
        return uuids

    @translated
    def get_info(self, instance_uuid: str) -> InstanceInfo:
        state, vcpus, memory_mb = self._guest(instance_uuid).info()
        return InstanceInfo(power_state=state, vcpus=vcpus, memory_mb=memory_mb)

    @translated
    def get_available_resource(self) -> dict:
        conn = self._conn()
        _model, memory_mb, cpus, *_ = conn.getInfo()
        usage = shutil.disk_usage(self.instances_path)
        return {
            "vcpus": cpus,
            "memory_mb": memory_mb,
            "local_gb": usage.total // disk.GiB,
            "hypervisor_type": "QEMU" if self.uri.startswith("qemu") else conn.getType(),
            "hypervisor_version": conn.getVersion(),
            "hypervisor_hostname": self.host,
            "cpu_arch": self._host.arch(),
            "free_memory_mb": conn.getFreeMemory() // (1024 * 1024),
            "free_disk_gb": usage.free // disk.GiB,
        }

    # -- building ------------------------------------------------------------------------

    def _claim_dir(self, instance_uuid: str) -> Path:
        directory = self._dir(instance_uuid)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / OWNER_FILE).write_text(self.host)
        return directory

    def _root_disk(self, instance: dict, directory: Path) -> None:
        base, base_format = self._images.fetch(instance.get("image") or {})
        image_size = int(disk.info(base)["virtual-size"])
        root_bytes = int(instance["flavor"].get("root_gb") or 0) * disk.GiB
        if root_bytes and image_size > root_bytes:
            raise disk.DiskError(f"the image ({image_size} bytes) is larger than the flavor's root disk ({root_bytes})")
        (directory / "disk").unlink(missing_ok=True)
        disk.create_overlay(base, base_format, directory / "disk", max(root_bytes, image_size))

    def _extra_disks(self, instance: dict, directory: Path) -> None:
        flavor = instance["flavor"]
        if int(flavor.get("ephemeral_gb") or 0):
            disk.create_blank(directory / "disk.eph0", f"{int(flavor['ephemeral_gb'])}G")
        if int(flavor.get("swap") or 0):
            disk.create_blank(directory / "disk.swap", f"{int(flavor['swap'])}M")

    def _define(self, instance: dict, directory: Path) -> Guest:
        flavor = instance["flavor"]
        image = instance.get("image") or {}
        disks = tuple(
            config.Disk(str(directory / name), "qcow2", role)
            for name, role in DISK_ROLES.items()
            if (directory / name).exists() or role == "root"
        )
        guest_config = config.GuestConfig(
            uuid=instance["uuid"],
            name=instance.get("name") or "",
            host=self.host,
            virt_type=self.virt_type,
            arch=self._host.arch(),
            memory_mb=int(flavor["memory_mb"]),
            vcpus=int(flavor["vcpus"]),
            flavor_name=str(flavor.get("name", "")),
            image_id=str(image.get("id", "")),
            disks=disks,
            console_log=str(directory / CONSOLE_LOG),
            disk_bus=str((image.get("properties") or {}).get("hw_disk_bus") or "virtio"),
            disk_cache=self.disk_cache,
            network=self.network,
            cpu_mode=self.cpu_mode,
            macs=tuple(port["mac"] for port in instance.get("network_info") or [] if port.get("mac")),
        )
        return Guest(self._conn().defineXML(config.domain_xml(guest_config)))

    def spawn(self, instance: dict) -> None:
        uuid = instance["uuid"]
        try:
            existing = Guest(self._conn().lookupByUUIDString(uuid))
        except libvirt.libvirtError:
            existing = None
        if existing is not None:
            raise SpawnFailed(f"a domain with uuid {uuid} already exists on this hypervisor (host {existing.owner()})")
        try:
            directory = self._claim_dir(uuid)
            self._root_disk(instance, directory)
            self._extra_disks(instance, directory)
            self._define(instance, directory).start()
        except Exception as exc:
            self._remove(uuid)
            message = exc.get_error_message() if isinstance(exc, libvirt.libvirtError) else str(exc)
            raise SpawnFailed(f"could not build {instance.get('name')!r} on {self.host}: {message}") from exc

    def _remove(self, instance_uuid: str) -> None:
        """Undefine our domain and delete our directory for the instance (not the resize copy)."""
        guest = self._find(instance_uuid)
        if guest is not None:
            guest.undefine()
        directory = self._dir(instance_uuid)
        owner = directory / OWNER_FILE
        if directory.exists() and (not owner.exists() or owner.read_text() == self.host):
            disk.remove_tree(directory)

    @translated
    def destroy(self, instance_uuid: str) -> None:
        self._remove(instance_uuid)
        disk.remove_tree(self._resize_dir(instance_uuid))

    # -- power ---------------------------------------------------------------------------

    @translated
    def power_off(self, instance):
        guest = self._guest(instance["uuid"])
        if guest.power_state == PowerState.SUSPENDED:
            guest.discard_saved_memory()
        guest.power_off(self.shutdown_timeout)

    @translated
    def power_on(self, instance):
        guest = self._guest(instance["uuid"])
        if guest.power_state == PowerState.PAUSED:
            guest.unpause()
        guest.start()

    @translated
    def reboot(self, instance, reboot_type):
        guest = self._guest(instance["uuid"])
        if reboot_type == "SOFT":
            if guest.power_state != PowerState.RUNNING:
                raise DriverError("A soft reboot needs a running guest")
            if guest.shutdown(self.shutdown_timeout):
                guest.start()
                return
            LOG.info("%s did not shut down within %s s; rebooting it hard", instance["uuid"], self.shutdown_timeout)
        guest.destroy()
        guest.discard_saved_memory()
        guest.start()

    @translated
    def pause(self, instance):
        self._guest(instance["uuid"]).pause()

    @translated
    def unpause(self, instance):
        self._guest(instance["uuid"]).unpause()

    @translated
    def suspend(self, instance):
        self._guest(instance["uuid"]).save_memory()

    @translated
    def resume(self, instance):
        self._guest(instance["uuid"]).start()

    # -- disks ---------------------------------------------------------------------------

    @translated
    def rebuild(self, instance, power_on):
        guest = self._guest(instance["uuid"])
        guest.destroy()
        guest.discard_saved_memory()
        directory = self._claim_dir(instance["uuid"])
        self._root_disk(instance, directory)
        guest = self._define(instance, directory)
        if power_on:
            guest.start()

    @translated
    def snapshot(self, instance, path):
        """A standalone qcow2 of the root disk; a running guest is paused for the copy."""
        guest = self._guest(instance["uuid"])
        running = guest.power_state == PowerState.RUNNING
        if running:
            guest.pause()
        try:
            disk.convert(self._dir(instance["uuid"]) / "disk", Path(path), "qcow2")
        finally:
            if running:
                guest.unpause()
        return "qcow2"

    # -- resize and cold migration --------------------------------------------------------

    @translated
    def migrate_disk_and_power_off(self, instance, migration):
        """Stop the guest, flatten its disks into the shared staging directory, keep the rest for a
        revert in ``<uuid>_resize``, and free the domain name for the destination."""
        uuid = instance["uuid"]
        guest = self._guest(uuid)
        guest.discard_saved_memory()
        guest.power_off(self.shutdown_timeout)
        staging = self._staging(uuid, migration)
        disk.remove_tree(staging)
        staging.mkdir(parents=True)
        directory = self._dir(uuid)
        for name in DISK_ROLES:
            if (directory / name).exists():
                disk.convert(directory / name, staging / name, "qcow2")
        (directory / SAVED_DEFINITION).write_text(guest.xml())
        disk.remove_tree(self._resize_dir(uuid))
        directory.rename(self._resize_dir(uuid))
        guest.undefine()

    @translated
    def finish_migration(self, instance, migration, power_on):
        uuid = instance["uuid"]
        staging = self._staging(uuid, migration)
        if not (staging / "disk").exists():
            raise DriverError(
                f"the disks of {uuid} are not in {staging}; LIBVIRT_MIGRATION_PATH must be shared by the hosts"
            )
        directory = self._claim_dir(uuid)
        for item in staging.iterdir():
            shutil.move(str(item), directory / item.name)
        disk.grow(directory / "disk", int(instance["flavor"].get("root_gb") or 0) * disk.GiB)
        guest = self._define(instance, directory)
        if power_on:
            guest.start()
        disk.remove_tree(staging)

    @translated
    def confirm_migration(self, instance, migration):
        disk.remove_tree(self._resize_dir(instance["uuid"]))
        disk.remove_tree(self._staging(instance["uuid"], migration))

    @translated
    def revert_migration_dest(self, instance, migration):
        self._remove(instance["uuid"])
        disk.remove_tree(self._staging(instance["uuid"], migration))

    @translated
    def finish_revert_migration(self, instance, migration, power_on):
        uuid = instance["uuid"]
        kept, directory = self._resize_dir(uuid), self._dir(uuid)
        if kept.exists():
            disk.remove_tree(directory)
            kept.rename(directory)
            guest = Guest(self._conn().defineXML((directory / SAVED_DEFINITION).read_text()))
        else:
            guest = self._find(uuid)  # a repeated revert finds it already back
            if guest is None:
                raise InstanceNotFound(f"Instance {uuid} has nothing to revert to on {self.host}")
        if power_on:
            guest.start()
        else:
            guest.power_off(0)

    # -- images --------------------------------------------------------------------------

    def cache_image(self, image):
        """Into ``_base``, checked as for a boot (the next boot of it makes only its overlay)."""
        return self._images.cache(image)

    # -- console -------------------------------------------------------------------------

    @translated
    def get_console_output(self, instance_uuid):
        self._guest(instance_uuid)
        log = self._dir(instance_uuid) / CONSOLE_LOG
        try:
            with open(log, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(max(0, size - MAX_CONSOLE_BYTES))
                data = handle.read()
        except FileNotFoundError:
            return ""
        return data.decode("utf-8", errors="replace").replace("\x00", "")

    # -- diagnostics ---------------------------------------------------------------------

    @translated
    def get_instance_diagnostics(self, instance):
        """Nova's: the virt type as the hypervisor, "linux" as its OS, no config drive here."""
        sample = guest_diagnostics.sample(self._guest(instance["uuid"]))
        return diagnostics.standardised(
            sample, driver="libvirt", hypervisor=self.virt_type, hypervisor_os="linux",
            uptime=diagnostics.uptime_since(instance.get("launched_at")), config_drive=False,
        )  # fmt: skip

    @translated
    def get_diagnostics(self, instance):
        return diagnostics.free_form(guest_diagnostics.sample(self._guest(instance["uuid"])))
