"""What the control plane may ask a compute node and wait for (``rpc.call``)."""

import os
import sys

from celery import shared_task

from drivers.base import InstanceNotFound
from workers.compute.isolation import loaded_forbidden_modules
from workers.compute.node import current


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
