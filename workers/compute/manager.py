"""The compute manager's shared parts: the driver, reporting to the conductor, per-instance locks,
and the small read-only tasks. Operations live by concern in ``build``, ``power`` and ``resize``."""

import contextlib
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from core import names, rpc
from core.power_state import PowerState
from drivers import load_driver
from drivers.base import ComputeDriver, InstanceNotFound
from workers.compute.app import HOST, app
from workers.compute.isolation import loaded_forbidden_modules

LOG = logging.getLogger(__name__)

DRIVER_OPTION_PREFIXES = ("FAKE_", "LIBVIRT_", "INSTANCES_PATH", "IMAGES_PATH", "CLOUDCORE_DATA_DIR")

_driver: ComputeDriver | None = None
_driver_lock = threading.Lock()
# Striped: operations on one instance share a lock; memory stays bounded however many come and go.
_instance_locks = [threading.Lock() for _ in range(256)]


def get_driver() -> ComputeDriver:
    """The host's driver, built and connected on first use."""
    global _driver
    with _driver_lock:
        if _driver is None:
            name = os.environ.get("COMPUTE_DRIVER", "fake.FakeDriver")
            options = {k: v for k, v in os.environ.items() if k.startswith(DRIVER_OPTION_PREFIXES)}
            driver = load_driver(name, HOST, options)
            driver.init_host()
            LOG.info("compute %s running driver %s", HOST, name)
            _driver = driver
        return _driver


@contextlib.contextmanager
def instance_lock(instance_uuid: str):
    """Operations on one instance run one at a time in this worker (as Nova's synchronized)."""
    with _instance_locks[hash(instance_uuid) % len(_instance_locks)]:
        yield


def now() -> str:
    return datetime.now(UTC).isoformat()


def event(name: str, start: str, error: BaseException | None = None) -> dict:
    """An action event as the conductor records it."""
    return {
        "event": name,
        "host": HOST,
        "start_time": start,
        "finish_time": now(),
        "result": "Error" if error else "Success",
        "traceback": "".join(traceback.format_exception(error)) if error else None,
        "details": str(error) if error else "",
    }


def conductor(task: str, **kwargs) -> None:
    """Cast a conductor task, naming this host as the sender."""
    rpc.cast(names.CONDUCTOR_QUEUE, task, host=HOST, **kwargs)


def current_power_state(instance_uuid: str) -> int:
    try:
        return get_driver().get_info(instance_uuid).power_state
    except InstanceNotFound:
        return PowerState.NOSTATE


def run_operation(
    instance: dict,
    request_id: str | None,
    event_name: str,
    expected_task_state: str,
    work: Callable[[ComputeDriver], None],
    vm_state: str | None = None,
    failed_vm_state: str | None = None,
) -> bool:
    """Run ``work`` on the driver and report the outcome with one ``instance_update``.

    Success: ``vm_state`` (if given), the driver's power state, task_state cleared. Failure:
    task_state cleared, vm_state kept (or ``failed_vm_state``), a fault and an Error event
    recorded. Each report carries the task id the API gave the operation, so a duplicate report
    can never complete a later operation of the same kind. Returns success.
    """
    uuid = instance["uuid"]
    start = now()
    with instance_lock(uuid):
        try:
            work(get_driver())
        except Exception as exc:
            LOG.warning("%s of %s failed on %s: %s", event_name, uuid, HOST, exc)
            updates = {"task_state": None, "power_state": current_power_state(uuid)}
            if failed_vm_state:
                updates["vm_state"] = failed_vm_state
            conductor(
                "conductor.instance_update",
                instance_uuid=uuid,
                expected_task_state=expected_task_state,
                task_id=instance.get("task_id"),
                updates=updates,
                event=event(event_name, start, exc),
                fault=str(exc) or type(exc).__name__,
                request_id=request_id,
            )
            return False
        updates = {"task_state": None, "power_state": current_power_state(uuid)}
        if vm_state:
            updates["vm_state"] = vm_state
        conductor(
            "conductor.instance_update",
            instance_uuid=uuid,
            expected_task_state=expected_task_state,
            task_id=instance.get("task_id"),
            updates=updates,
            event=event(event_name, start),
            request_id=request_id,
        )
    return True


@app.task(name="compute.list_instances", ignore_result=False)
def list_instances() -> list[str]:
    """The uuids the hypervisor holds (answers an ``rpc.call``)."""
    return get_driver().list_instances()


@app.task(name="compute.get_power_state", ignore_result=False)
def get_power_state(instance_uuid: str) -> int | None:
    """The instance's power state on this host, or None if the hypervisor does not hold it."""
    try:
        return get_driver().get_info(instance_uuid).power_state
    except InstanceNotFound:
        return None


@app.task(name="compute.get_console_output", ignore_result=False)
def get_console_output(instance_uuid: str, length: int | None = None) -> dict:
    """The last ``length`` lines of the serial console (all of it without a length)."""
    try:
        output = get_driver().get_console_output(instance_uuid)
    except Exception as exc:
        return {"error": str(exc) or type(exc).__name__}
    if length is not None:
        lines = output.splitlines(keepends=True)
        output = "".join(lines[-length:]) if length > 0 else ""
    return {"output": output}


@app.task(name="compute.get_service_info", ignore_result=False)
def get_service_info() -> dict:
    """What this worker is: host, driver, pid, and proof that it runs without Django or a database."""
    return {
        "host": HOST,
        "pid": os.getpid(),
        "driver": type(get_driver()).__name__,
        "django_loaded": "django" in sys.modules,
        "database_configured": bool(os.environ.get("DATABASE_URL")),
        "forbidden_modules": loaded_forbidden_modules(),
    }
