"""What the API asks a server's host and waits for."""

import logging

from celery.exceptions import TimeoutError as ReplyTimeout
from django.conf import settings

from apps.common.exceptions import Conflict, ServiceUnavailable
from apps.compute.servers.lookup import get_instance, host_is_up
from apps.compute.servers.operation import GatewayTimeout, state_conflict
from apps.compute.states import allowed
from apps.identity.auth import RequestContext
from core import names, rpc

LOG = logging.getLogger(__name__)


def ask_host(host: str, task: str, timeout: float, **kwargs) -> dict:
    """``task``'s reply from ``host`` (a synchronous call): a 504 when the host does not answer
    within ``timeout`` seconds, a 503 when it cannot be asked."""
    try:
        return rpc.call(names.compute_queue(host), task, timeout, **kwargs)
    except ReplyTimeout as exc:
        raise GatewayTimeout(f"Compute host {host} did not answer within {timeout:g} s") from exc
    except Exception as exc:
        raise ServiceUnavailable(f"Could not ask compute host {host}: {exc}") from exc


def console_output(ctx: RequestContext, server_id: str, length: int | None) -> str:
    """Ask the server's host for its console (a synchronous call with a timeout)."""
    instance = get_instance(ctx, server_id)
    if not allowed("os-getConsoleOutput", instance.vm_state, instance.task_state) or not instance.host:
        raise state_conflict("get_console_output", instance)
    if not host_is_up(instance.host):
        raise Conflict(f"Compute host {instance.host} is not available to answer for instance {instance.uuid}")
    reply = ask_host(
        instance.host, "compute.get_console_output", settings.CONSOLE_OUTPUT_TIMEOUT,
        instance_uuid=str(instance.uuid), length=length,
    )  # fmt: skip
    if "error" in reply:
        raise Conflict(f"Console output of instance {instance.uuid} is not available: {reply['error']}")
    return reply["output"]
