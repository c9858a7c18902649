"""The compute node a worker runs: its configuration, its driver, per-instance locks, and the
conductor it reports to. ``configure()`` sets it up once when the worker starts (tests do the same
with a fake driver and a recorded conductor); tasks reach it with ``current()``."""

import contextlib
import logging
import threading
from collections.abc import Callable

from core import names, rpc
from core.power_state import PowerState
from drivers import load_driver
from drivers.base import ComputeDriver, InstanceNotFound
from workers.compute.config import NodeConfig

LOG = logging.getLogger(__name__)

# How a node sends a conductor task: ``send(task_name, fields)``.
Send = Callable[[str, dict], None]


def cast_to_conductor(task: str, fields: dict) -> None:
    rpc.cast(names.CONDUCTOR_QUEUE, task, **fields)


class Node:
    def __init__(self, config: NodeConfig, send: Send = cast_to_conductor, driver: ComputeDriver | None = None):
        self.config = config
        self._send = send
        self._driver = driver
        self._driver_lock = threading.Lock()
        # Striped: operations on one instance share a lock; memory stays bounded however many come and go.
        self._instance_locks = [threading.Lock() for _ in range(256)]

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def driver(self) -> ComputeDriver:
        """The node's driver, built and connected on first use."""
        with self._driver_lock:
            if self._driver is None:
                driver = load_driver(self.config.driver, self.host, dict(self.config.driver_options))
                driver.init_host()
                LOG.info("compute %s running driver %s", self.host, self.config.driver)
                self._driver = driver
            return self._driver

    @contextlib.contextmanager
    def instance_lock(self, instance_uuid: str):
        """Operations on one instance run one at a time in this worker (as Nova's synchronized)."""
        with self._instance_locks[hash(instance_uuid) % len(self._instance_locks)]:
            yield

    def report(self, task: str, **fields) -> None:
        """Send a conductor task; the signature on it says which host sent it."""
        self._send(task, fields)

    def power_state(self, instance_uuid: str) -> int:
        """The guest's power state now (NOSTATE if the hypervisor does not hold it)."""
        try:
            return self.driver.get_info(instance_uuid).power_state
        except InstanceNotFound:
            return PowerState.NOSTATE


_node: Node | None = None


def configure(node: Node | None) -> Node | None:
    """Make ``node`` the one this process's tasks run on (None: no node)."""
    global _node
    _node = node
    return node


def current() -> Node:
    if _node is None:
        raise RuntimeError("no compute node is configured in this process (workers.compute.node.configure)")
    return _node
