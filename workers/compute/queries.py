"""What the control plane may ask a compute node and wait for (``rpc.call``)."""

import logging
import os
import sys

from celery import shared_task

from core.power_state import PowerState
from drivers.base import ComputeDriver, InstanceNotFound, NotSupported
from workers.compute.isolation import loaded_forbidden_modules
from workers.compute.node import current

LOG = logging.getLogger(__name__)


@shared_task(name="compute.list_instances", ignore_result=False)
def list_instances() -> list[str]:
    """The uuids the hypervisor holds."""
    return current().driver.list_instances()


@shared_task(name="compute.get_power_state", ignore_result=False)
def get_power_state(instance_uuid: str) -> int | None:
    """The instance's power state on this host, or None if the hypervisor does not hold it."""
    try:
        return current().driver.get_info(instance_uuid).power_state
    except InstanceNotFound:
        return None


@shared_task(name="compute.get_console_output", ignore_result=False)
def get_console_output(instance_uuid: str, length: int | None = None) -> dict:
    """The last ``length`` lines of the serial console (all of it without a length)."""
    try:
        output = current().driver.get_console_output(instance_uuid)
    except Exception as exc:
        return {"error": str(exc) or type(exc).__name__}
    if length is not None:
        lines = output.splitlines(keepends=True)
        output = "".join(lines[-length:]) if length > 0 else ""
    return {"output": output}


def diagnostics_reply(driver: ComputeDriver, instance: dict, standardised: bool) -> dict:
    """Nova's compute manager: only a running guest is asked (the power state found otherwise, for
    the API's 409); a driver without diagnostics says so (the API's 501)."""
    try:
        power_state = driver.get_info(instance["uuid"]).power_state
    except InstanceNotFound:
        power_state = PowerState.NOSTATE
    except Exception as exc:
        return {"error": "failed", "message": str(exc) or type(exc).__name__}
    if power_state != PowerState.RUNNING:
        return {"error": "power_state", "power_state": power_state}
    try:
        if standardised:
            return {"diagnostics": driver.get_instance_diagnostics(instance)}
        return {"diagnostics": driver.get_diagnostics(instance)}
    except NotSupported:
        return {"error": "not_supported"}
    except Exception as exc:
        LOG.warning("diagnostics of %s failed", instance["uuid"], exc_info=True)
        return {"error": "failed", "message": str(exc) or type(exc).__name__}


@shared_task(name="compute.get_instance_diagnostics", ignore_result=False)
def get_instance_diagnostics(instance: dict) -> dict:
    """The guest's standardised diagnostics (microversion 2.48 on)."""
    return diagnostics_reply(current().driver, instance, standardised=True)


@shared_task(name="compute.get_diagnostics", ignore_result=False)
def get_diagnostics(instance: dict) -> dict:
    """The guest's free-form diagnostics (before 2.48)."""
    return diagnostics_reply(current().driver, instance, standardised=False)


@shared_task(name="compute.get_host_uptime", ignore_result=False)
def get_host_uptime() -> dict:
    """The host's ``uptime`` line."""
    try:
        return {"uptime": current().driver.get_host_uptime()}
    except Exception as exc:
        return {"error": str(exc) or type(exc).__name__}


@shared_task(name="compute.get_service_info", ignore_result=False)
def get_service_info() -> dict:
    """What this worker is: host, driver, pid, and proof that it runs without Django or a database."""
    node = current()
    return {
        "host": node.host,
        "pid": os.getpid(),
        "driver": type(node.driver).__name__,
        "django_loaded": "django" in sys.modules,
        "database_configured": bool(os.environ.get("DATABASE_URL")),
        "forbidden_modules": loaded_forbidden_modules(),
    }
