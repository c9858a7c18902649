"""The compute service's heartbeat: a thread that reports liveness and resources to the conductor."""

import logging
import os
import threading
import time
from datetime import UTC, datetime

from drivers.base import InstanceNotFound
from workers import rpc

LOG = logging.getLogger(__name__)

BINARY = "cloudcore-compute"

_stop = threading.Event()
_thread: threading.Thread | None = None


def report_once(host: str, driver) -> None:
    """One heartbeat and one resource report; the first registers the service and its node."""
    rpc.cast(rpc.CONDUCTOR_QUEUE, "conductor.service_heartbeat", host=host, binary=BINARY)
    resources = driver.get_available_resource()
    resources["running_vms"] = len(driver.list_instances())
    resources["cpu_allocation_ratio"] = float(os.environ.get("CPU_ALLOCATION_RATIO", 16.0))
    resources["ram_allocation_ratio"] = float(os.environ.get("RAM_ALLOCATION_RATIO", 1.5))
    resources["disk_allocation_ratio"] = float(os.environ.get("DISK_ALLOCATION_RATIO", 1.0))
    rpc.cast(rpc.CONDUCTOR_QUEUE, "conductor.node_report", host=host, resources=resources)


def sync_once(host: str, driver, startup: bool) -> None:
    """Send the hypervisor's inventory (uuid -> power state) for the conductor to reconcile.

    The first one after a start also asks the conductor to resolve every task the restart
    interrupted on this host.
    """
    collected_at = datetime.now(UTC).isoformat()
    inventory = {}
    for instance_uuid in driver.list_instances():
        try:
            inventory[instance_uuid] = driver.get_info(instance_uuid).power_state
        except InstanceNotFound:
            continue
    rpc.cast(
        rpc.CONDUCTOR_QUEUE,
        "conductor.sync_instances",
        host=host,
        instances=inventory,
        collected_at=collected_at,
        startup=startup,
    )


def _loop(host: str, get_driver, interval: float, sync_interval: float) -> None:
    last_sync = None
    while not _stop.is_set():
        try:
            driver = get_driver()
            report_once(host, driver)
            if last_sync is None or time.monotonic() - last_sync >= sync_interval:
                sync_once(host, driver, startup=last_sync is None)
                last_sync = time.monotonic()
        except Exception:
            LOG.exception("heartbeat from %s failed; retrying in %s s", host, interval)
        _stop.wait(interval)


def start(host: str, get_driver) -> None:
    """Start the heartbeat thread (once per process)."""
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    interval = float(os.environ.get("REPORT_INTERVAL", 10))
    sync_interval = float(os.environ.get("SYNC_POWER_STATE_INTERVAL", 60))
    _stop.clear()
    _thread = threading.Thread(
        target=_loop, args=(host, get_driver, interval, sync_interval), name="heartbeat", daemon=True
    )
    _thread.start()


def stop() -> None:
    _stop.set()
