"""An in-memory hypervisor simulator.

It holds instances in a dict, takes configurable time for each operation, reports the resources
it was told to have, and fails on demand. Options (from the environment of the compute worker):

- ``FAKE_VCPUS``, ``FAKE_MEMORY_MB``, ``FAKE_LOCAL_GB``: the host's size (16, 32768, 500).
- ``FAKE_SPAWN_DELAY``, ``FAKE_DESTROY_DELAY``, ``FAKE_OP_DELAY``: seconds a build, a destroy, or
  any other operation takes (0).
- ``FAKE_FAIL_SPAWN``: a regular expression; a build of an instance whose name matches fails.
  ``.*`` makes every build on this host fail.
- ``FAKE_LACKS``: capabilities this hypervisor says it lacks, comma-separated (for example
  ``supports_suspend``), to see the API refuse what a node cannot do.
- ``FAKE_FAIL``: a regular expression matched against ``"<operation>:<instance name>"`` (for
  example ``reboot:.*`` or ``power_off:flaky-``; a destroy is ``destroy:<instance uuid>``, an image
  pre-cache ``cache_image:<image name>``); a matching operation fails and changes nothing.

Images a boot used or a pre-cache fetched are recorded in ``cached_images`` (its image cache).

Diagnostics come from the simulated guest: one vCPU per flavor vCPU at 5% load, one disk (vda) and
one NIC per port (its MAC), whose counters grow with the seconds since the guest last booted.
"""

import platform
import re
import threading
import time

from core import capabilities as caps
from core import diagnostics
from core.power_state import PowerState
from drivers.base import ComputeDriver, DriverError, InstanceInfo, InstanceNotFound, SpawnFailed, uptime_line


class FakeDriver(ComputeDriver):
    def __init__(self, host: str, options: dict):
        super().__init__(host, options)
        lacks = {name.strip() for name in options.get("FAKE_LACKS", "").split(",") if name.strip()}
        self.capabilities = {name: name not in lacks for name in caps.ALL}
        self.vcpus = int(options.get("FAKE_VCPUS", 16))
        self.memory_mb = int(options.get("FAKE_MEMORY_MB", 32768))
        self.local_gb = int(options.get("FAKE_LOCAL_GB", 500))
        self.spawn_delay = float(options.get("FAKE_SPAWN_DELAY", 0))
        self.destroy_delay = float(options.get("FAKE_DESTROY_DELAY", 0))
        self.op_delay = float(options.get("FAKE_OP_DELAY", 0))
        self.fail_spawn = self._pattern(options.get("FAKE_FAIL_SPAWN"))
        self.fail_ops = self._pattern(options.get("FAKE_FAIL"))
        self._instances: dict[str, dict] = {}
        # Guests kept on the source host during a resize, until confirm or revert.
        self._resize_sources: dict[str, dict] = {}
        # The simulated image cache: image id -> the image payload, as a boot or a pre-cache left it.
        self.cached_images: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._booted_at = time.monotonic()  # the simulated hypervisor host boots with its worker

    @staticmethod
    def _pattern(text: str | None):
        return re.compile(text) if text else None

    def _fail_if_told(self, operation: str, instance: dict) -> None:
        if self.fail_ops and self.fail_ops.search(f"{operation}:{instance.get('name', '')}"):
            raise DriverError(
                f"Fake hypervisor on {self.host} was told to fail {operation} of {instance.get('name')!r}"
            )

    def _operate(self, operation: str, instance: dict) -> dict:
        """Wait the configured delay, fail if told to, and return the held guest."""
        if self.op_delay:
            time.sleep(self.op_delay)
        self._fail_if_told(operation, instance)
        with self._lock:
            guest = self._instances.get(instance["uuid"])
        if guest is None:
            raise InstanceNotFound(f"Instance {instance['uuid']} is not on {self.host}")
        return guest

    def _set_power(self, guest: dict, state: int, line: str, boots: bool = False) -> None:
        """Set the guest's power state; ``boots``: it starts afresh (its counters start from zero)."""
        with self._lock:
            guest["power_state"] = state
            guest["console"].append(line)
            if boots:
                guest["booted_at"] = time.monotonic()

    @staticmethod
    def _macs(instance: dict) -> list[str]:
        return [port["mac"] for port in instance.get("network_info") or [] if port.get("mac")]

    def _guest(self, instance: dict, state: int, console: list[str]) -> dict:
        flavor = instance["flavor"]
        return {
            "name": instance.get("name", ""),
            "power_state": state,
            "vcpus": int(flavor["vcpus"]),
            "memory_mb": int(flavor["memory_mb"]),
            "image": dict(instance.get("image") or {}),
            "console": console,
            "macs": self._macs(instance),
            "booted_at": time.monotonic(),
        }

    def spawn(self, instance: dict) -> None:
        if self.spawn_delay:
            time.sleep(self.spawn_delay)
        if self.fail_spawn and self.fail_spawn.search(instance.get("name", "")):
            raise SpawnFailed(f"Fake hypervisor on {self.host} was told to fail building {instance['name']!r}")
        image = (instance.get("image") or {}).get("name", "?")
        if (instance.get("image") or {}).get("id"):
            with self._lock:
                self.cached_images.setdefault(str(instance["image"]["id"]), dict(instance["image"]))
        guest = self._guest(instance, PowerState.RUNNING, [f"[{self.host}] booted {instance['name']} from {image}"])
        with self._lock:
            self._instances[instance["uuid"]] = guest

    def destroy(self, instance_uuid: str) -> None:
        if self.destroy_delay:
            time.sleep(self.destroy_delay)
        if self.fail_ops and self.fail_ops.search(f"destroy:{instance_uuid}"):
            raise DriverError(f"Fake hypervisor on {self.host} was told to fail destroying {instance_uuid}")
        with self._lock:
            self._instances.pop(instance_uuid, None)
            self._resize_sources.pop(instance_uuid, None)

    def get_info(self, instance_uuid: str) -> InstanceInfo:
        with self._lock:
            held = self._instances.get(instance_uuid)
        if held is None:
            raise InstanceNotFound(f"Instance {instance_uuid} is not on {self.host}")
        return InstanceInfo(power_state=held["power_state"], vcpus=held["vcpus"], memory_mb=held["memory_mb"])

    def list_instances(self) -> list[str]:
        with self._lock:
            return list(self._instances)

    def get_available_resource(self) -> dict:
        return {
            "vcpus": self.vcpus,
            "memory_mb": self.memory_mb,
            "local_gb": self.local_gb,
            "hypervisor_type": "fake",
            "hypervisor_version": 1000,
            "hypervisor_hostname": self.host,
            "cpu_arch": self.options.get("FAKE_CPU_ARCH") or platform.machine(),
        }

    # -- power ---------------------------------------------------------------------------

    def power_off(self, instance):
        self._set_power(self._operate("power_off", instance), PowerState.SHUTDOWN, "powered off")

    def power_on(self, instance):
        self._set_power(self._operate("power_on", instance), PowerState.RUNNING, "powered on", boots=True)

    def reboot(self, instance, reboot_type):
        guest = self._operate("reboot", instance)
        if reboot_type == "SOFT" and guest["power_state"] != PowerState.RUNNING:
            raise DriverError("A soft reboot needs a running guest")
        self._set_power(guest, PowerState.RUNNING, f"rebooted ({reboot_type.lower()})", boots=True)

    def pause(self, instance):
        self._set_power(self._operate("pause", instance), PowerState.PAUSED, "paused")

    def unpause(self, instance):
        self._set_power(self._operate("unpause", instance), PowerState.RUNNING, "unpaused")

    def suspend(self, instance):
        self._set_power(self._operate("suspend", instance), PowerState.SUSPENDED, "suspended")

    def resume(self, instance):
        self._set_power(self._operate("resume", instance), PowerState.RUNNING, "resumed")

    # -- disks ---------------------------------------------------------------------------

    def rebuild(self, instance, power_on):
        guest = self._operate("rebuild", instance)
        with self._lock:
            guest["image"] = dict(instance.get("image") or {})
            guest["name"] = instance.get("name", guest["name"])
        state = PowerState.RUNNING if power_on else PowerState.SHUTDOWN
        self._set_power(guest, state, f"rebuilt from {guest['image'].get('name', '?')}", boots=True)

    def snapshot(self, instance, path):
        guest = self._operate("snapshot", instance)
        with open(path, "wb") as handle:
            handle.write(f"fake disk of {guest['name']} ({instance['uuid']})\n".encode())

    # -- resize and cold migration --------------------------------------------------------

    def migrate_disk_and_power_off(self, instance, migration):
        guest = self._operate("migrate_disk_and_power_off", instance)
        with self._lock:
            guest["power_state"] = PowerState.SHUTDOWN
            self._resize_sources[instance["uuid"]] = self._instances.pop(instance["uuid"])

    def finish_migration(self, instance, migration, power_on):
        self._fail_if_told("finish_migration", instance)
        state = PowerState.RUNNING if power_on else PowerState.SHUTDOWN
        guest = self._guest(instance, state, [f"[{self.host}] arrived from {migration['source_compute']}"])
        with self._lock:
            self._instances[instance["uuid"]] = guest

    def confirm_migration(self, instance, migration):
        self._fail_if_told("confirm_migration", instance)
        with self._lock:
            self._resize_sources.pop(instance["uuid"], None)

    def revert_migration_dest(self, instance, migration):
        self.destroy(instance["uuid"])

    def finish_revert_migration(self, instance, migration, power_on):
        self._fail_if_told("finish_revert_migration", instance)
        with self._lock:
            guest = self._resize_sources.pop(instance["uuid"], None) or self._instances.get(instance["uuid"])
            if guest is None:
                raise InstanceNotFound(f"Instance {instance['uuid']} has nothing to revert to on {self.host}")
            guest["power_state"] = PowerState.RUNNING if power_on else PowerState.SHUTDOWN
            guest["console"].append("resize reverted")
            guest["booted_at"] = time.monotonic()
            self._instances[instance["uuid"]] = guest

    # -- images --------------------------------------------------------------------------

    def cache_image(self, image):
        if self.op_delay:
            time.sleep(self.op_delay)
        self._fail_if_told("cache_image", image)
        with self._lock:
            if str(image["id"]) in self.cached_images:
                return False
            self.cached_images[str(image["id"])] = dict(image)
        return True

    # -- console -------------------------------------------------------------------------

    def inject_network_info(self, instance):
        guest = self._operate("inject_network_info", instance)
        addresses = ", ".join(port["ip"] for port in instance.get("network_info", []))
        with self._lock:
            guest["console"].append(f"network info injected: {addresses or 'no ports'}")
            guest["macs"] = self._macs(instance)

    def get_host_uptime(self):
        with self._lock:
            running = sum(1 for guest in self._instances.values() if guest["power_state"] == PowerState.RUNNING)
        return uptime_line(time.monotonic() - self._booted_at, (running / self.vcpus,) * 3)

    def get_console_output(self, instance_uuid):
        with self._lock:
            guest = self._instances.get(instance_uuid)
            if guest is None:
                raise InstanceNotFound(f"Instance {instance_uuid} is not on {self.host}")
            return "\n".join(guest["console"]) + "\n"

    # -- diagnostics ---------------------------------------------------------------------

    def _sample(self, instance_uuid: str) -> diagnostics.GuestSample:
        """The simulated guest's counters in libvirt's units, grown with the seconds since it booted."""
        with self._lock:
            guest = self._instances.get(instance_uuid)
            if guest is None:
                raise InstanceNotFound(f"Instance {instance_uuid} is not on {self.host}")
            guest = dict(guest)
        seconds = max(0.0, time.monotonic() - guest["booted_at"])
        memory_kib = guest["memory_mb"] * 1024
        reads, writes = 120 + int(seconds * 4), int(seconds * 2)
        used_kib = min(memory_kib, memory_kib // 4 + int(seconds) * 64)
        nics = []
        for index, mac in enumerate(guest["macs"]):
            rx, tx = int(seconds * 3), int(seconds * 2)
            nics.append(diagnostics.NicSample(mac, f"vnet{index}", (rx * 600, rx, 0, 0, tx * 400, tx, 0, 0)))
        return diagnostics.GuestSample(
            power_state=guest["power_state"],
            max_memory_kib=memory_kib,
            memory_kib=memory_kib,
            cpus=tuple(diagnostics.CpuSample(i, int(seconds * 0.05 * 1e9), 5) for i in range(guest["vcpus"])),
            disks=(diagnostics.DiskSample("vda", (reads, reads * 4096, writes, writes * 4096, 0)),),
            nics=tuple(nics),
            memory_stats={"actual": memory_kib, "available": memory_kib, "unused": memory_kib - used_kib,
                          "usable": memory_kib - used_kib, "rss": used_kib},
        )  # fmt: skip

    def get_instance_diagnostics(self, instance):
        sample = self._sample(instance["uuid"])
        # "libvirt": Nova's own fake driver says so too; the API's enum of drivers has no "fake".
        return diagnostics.standardised(
            sample, driver="libvirt", hypervisor="fake", hypervisor_os="linux",
            uptime=diagnostics.uptime_since(instance.get("launched_at")), config_drive=False,
        )  # fmt: skip

    def get_diagnostics(self, instance):
        return diagnostics.free_form(self._sample(instance["uuid"]))
