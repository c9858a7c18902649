"""The compute service's heartbeat: a thread that reports liveness and resources to the conductor."""

import logging
import threading
import time
from datetime import UTC, datetime

from drivers.base import InstanceNotFound
from workers.compute.node import Node

LOG = logging.getLogger(__name__)

# A guest's own change (a lifecycle event) is reported after this pause, so a burst sends one inventory.
EVENT_COALESCE_SECONDS = 0.5

_stop = threading.Event()
_wake = threading.Event()
_changed = threading.Event()
_thread: threading.Thread | None = None


def report_once(node: Node) -> None:
    """One heartbeat and one resource report; the first registers the service and its node. The
    report names what the driver can do, so the API refuses what this node cannot."""
    node.report("conductor.service_heartbeat")
    driver, config = node.driver, node.config
    resources = driver.get_available_resource()
    resources["running_vms"] = len(driver.list_instances())
    resources["cpu_allocation_ratio"] = config.cpu_allocation_ratio
    resources["ram_allocation_ratio"] = config.ram_allocation_ratio
    resources["disk_allocation_ratio"] = config.disk_allocation_ratio
    resources["capabilities"] = driver.capabilities
    node.report("conductor.node_report", resources=resources)


def sync_once(node: Node, startup: bool, idle_only: bool = False) -> None:
    """Send the hypervisor's inventory (uuid -> power state) for the conductor to reconcile.

    The first one after a start also asks the conductor to resolve every task the restart
    interrupted on this host. One sent because a guest changed on its own (``idle_only``) only
    corrects instances no operation is working on.
    """
    collected_at = datetime.now(UTC).isoformat()
    driver = node.driver
    inventory = {}
    for instance_uuid in driver.list_instances():
        try:
            inventory[instance_uuid] = driver.get_info(instance_uuid).power_state
        except InstanceNotFound:
            continue
    node.report(
        "conductor.sync_instances", instances=inventory, collected_at=collected_at, startup=startup, idle_only=idle_only
    )


def guest_changed(instance_uuid: str, power_state: int) -> None:
    """A lifecycle listener: a guest changed state; send an inventory soon (bursts coalesce)."""
    LOG.debug("guest %s is now in power state %s", instance_uuid, power_state)
    _changed.set()
    _wake.set()


def _loop(node: Node) -> None:
    interval, sync_interval = node.config.report_interval, node.config.sync_interval
    next_report = next_sync = time.monotonic()
    startup, listening = True, False
    while not _stop.is_set():
        try:
            if not listening:
                node.driver.register_lifecycle_listener(guest_changed)
                listening = True
            if time.monotonic() >= next_report:
                report_once(node)
                next_report = time.monotonic() + interval
            if startup or time.monotonic() >= next_sync:
                _changed.clear()
                sync_once(node, startup=startup)
                startup = False
                next_sync = time.monotonic() + sync_interval
            elif _changed.is_set():
                _stop.wait(EVENT_COALESCE_SECONDS)
                _changed.clear()
                sync_once(node, startup=False, idle_only=True)
        except Exception:
            LOG.exception("heartbeat from %s failed; retrying in %s s", node.host, interval)
            next_report = time.monotonic() + interval
        _wake.wait(max(0.0, min(next_report, next_sync) - time.monotonic()))
        _wake.clear()


def start(node: Node) -> None:
    """Start the heartbeat thread (once per process)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    _stop.clear()
    _thread = threading.Thread(target=_loop, args=(node,), name="heartbeat", daemon=True)
    _thread.start()


def stop() -> None:
    _stop.set()
    _wake.set()
