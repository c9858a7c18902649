"""Compute tasks: one per operation, each driving the host's hypervisor and reporting to the conductor."""

import logging
import os
import sys
import threading
import traceback
from datetime import UTC, datetime

from drivers import load_driver
from drivers.base import ComputeDriver, InstanceNotFound
from workers import rpc
from workers.compute.app import HOST, app
from workers.compute.isolation import loaded_forbidden_modules

LOG = logging.getLogger(__name__)

DRIVER_OPTION_PREFIXES = ("FAKE_", "LIBVIRT_", "INSTANCES_PATH")

_driver: ComputeDriver | None = None
_driver_lock = threading.Lock()


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


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _event(name: str, start: str, error: BaseException | None = None) -> dict:
    return {
        "event": name,
        "host": HOST,
        "start_time": start,
        "finish_time": _now(),
        "result": "Error" if error else "Success",
        "traceback": "".join(traceback.format_exception(error)) if error else None,
        "details": str(error) if error else "",
    }


def _conductor(task: str, **kwargs) -> None:
    rpc.cast(rpc.CONDUCTOR_QUEUE, task, host=HOST, **kwargs)


@app.task(name="compute.build_and_run_instance")
def build_and_run_instance(instance: dict, attempt_id: str, request_id: str | None = None) -> None:
    """Spawn ``instance`` and report ACTIVE, or report the failure so the conductor reschedules."""
    driver = get_driver()
    start = _now()
    uuid = instance["uuid"]
    already_built = uuid in driver.list_instances()
    if not already_built:
        try:
            driver.spawn(instance)
        except Exception as exc:
            LOG.warning("build of %s failed on %s: %s", uuid, HOST, exc)
            _conductor(
                "conductor.build_failed",
                instance_uuid=uuid,
                attempt_id=attempt_id,
                reason=str(exc) or type(exc).__name__,
                event=_event("compute_build_and_run_instance", start, exc),
                request_id=request_id,
            )
            return
    info = driver.get_info(uuid)
    _conductor(
        "conductor.instance_update",
        instance_uuid=uuid,
        attempt_id=attempt_id,
        expected_task_state="spawning",
        updates={"vm_state": "active", "task_state": None, "power_state": info.power_state, "launched_at": _now()},
        event=_event("compute_build_and_run_instance", start),
        request_id=request_id,
    )


@app.task(name="compute.terminate_instance")
def terminate_instance(instance_uuid: str, request_id: str | None = None) -> None:
    """Destroy the instance on this host (idempotent) and tell the conductor it is gone."""
    start = _now()
    try:
        get_driver().destroy(instance_uuid)
    except Exception as exc:
        LOG.exception("destroy of %s failed on %s", instance_uuid, HOST)
        _conductor(
            "conductor.instance_update",
            instance_uuid=instance_uuid,
            expected_task_state="deleting",
            updates={"vm_state": "error", "task_state": None},
            event=_event("compute_terminate_instance", start, exc),
            fault=str(exc) or type(exc).__name__,
            request_id=request_id,
        )
        return
    _conductor(
        "conductor.instance_deleted",
        instance_uuid=instance_uuid,
        event=_event("compute_terminate_instance", start),
        request_id=request_id,
    )


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
