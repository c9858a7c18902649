"""An in-memory hypervisor simulator.

It holds instances in a dict, takes configurable time to build and destroy them, reports the
resources it was told to have, and fails on demand. Options (from the environment of the
compute worker, see ``workers.compute.app``):

- ``FAKE_VCPUS``, ``FAKE_MEMORY_MB``, ``FAKE_LOCAL_GB``: the host's size (16, 32768, 500).
- ``FAKE_SPAWN_DELAY``, ``FAKE_DESTROY_DELAY``: seconds a build or a destroy takes (0).
- ``FAKE_FAIL_SPAWN``: a regular expression; a build of an instance whose name matches fails.
  ``.*`` makes every build on this host fail.
"""

import re
import threading
import time

from drivers import power_state
from drivers.base import ComputeDriver, InstanceInfo, InstanceNotFound, SpawnFailed


class FakeDriver(ComputeDriver):
    capabilities = {"supports_pause": True, "supports_suspend": True}

    def __init__(self, host: str, options: dict):
        super().__init__(host, options)
        self.vcpus = int(options.get("FAKE_VCPUS", 16))
        self.memory_mb = int(options.get("FAKE_MEMORY_MB", 32768))
        self.local_gb = int(options.get("FAKE_LOCAL_GB", 500))
        self.spawn_delay = float(options.get("FAKE_SPAWN_DELAY", 0))
        self.destroy_delay = float(options.get("FAKE_DESTROY_DELAY", 0))
        pattern = options.get("FAKE_FAIL_SPAWN") or ""
        self.fail_spawn = re.compile(pattern) if pattern else None
        self._instances: dict[str, dict] = {}
        self._lock = threading.Lock()

    def spawn(self, instance: dict) -> None:
        if self.spawn_delay:
            time.sleep(self.spawn_delay)
        if self.fail_spawn and self.fail_spawn.search(instance.get("name", "")):
            raise SpawnFailed(f"Fake hypervisor on {self.host} was told to fail building {instance['name']!r}")
        flavor = instance["flavor"]
        with self._lock:
            self._instances[instance["uuid"]] = {
                "name": instance.get("name", ""),
                "power_state": power_state.RUNNING,
                "vcpus": int(flavor["vcpus"]),
                "memory_mb": int(flavor["memory_mb"]),
            }

    def destroy(self, instance_uuid: str) -> None:
        if self.destroy_delay:
            time.sleep(self.destroy_delay)
        with self._lock:
            self._instances.pop(instance_uuid, None)

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
        }
