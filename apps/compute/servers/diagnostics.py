"""A server's diagnostics, asked of its host and waited for (Nova's ``get_diagnostics`` and
``get_instance_diagnostics``).

Nova's compute API checks only that the server has a host (409 "is not ready" otherwise); its host
asks the driver only while the guest runs (409 naming the power state otherwise), and a driver
without diagnostics is a 501. A host that does not answer is a 500 in Nova (the RPC timeout is not
one of its expected errors); here a host whose service is down is the 409 Nova answers where it does
check (``check_instance_host(check_is_up=True)``), and one that does not answer in time the 504 of
the console output.
"""

from django.conf import settings

from apps.common.exceptions import CloudError, Conflict
from apps.compute.models import Instance
from apps.compute.servers.console import ask_host
from apps.compute.servers.lookup import host_is_up
from core import diagnostics


class FeatureNotSupported(CloudError):
    """Nova's ``raise_feature_not_supported``: a 501."""

    code = 501
    kind = "notImplemented"


def get_diagnostics(instance: Instance, server_id: str, standardised: bool) -> dict:
    """The body: the standardised diagnostics (2.48 on) as Nova's view shows them, or the driver's
    free-form dict as it is."""
    if not instance.host:
        raise Conflict(f"Instance {instance.uuid} is not ready")
    if not host_is_up(instance.host):
        raise Conflict("Service is unavailable at this time.")
    task = "compute.get_instance_diagnostics" if standardised else "compute.get_diagnostics"
    payload = {**instance.payload(), "launched_at": instance.launched_at.isoformat() if instance.launched_at else None}
    reply = ask_host(instance.host, task, settings.CONSOLE_OUTPUT_TIMEOUT, instance=payload)
    error = reply.get("error")
    if error == "power_state":
        state = diagnostics.STATE_NAMES.get(reply.get("power_state"), "pending")
        raise Conflict(f"Cannot 'get_diagnostics' instance {server_id} while it is in power state {state}")
    if error == "not_supported":
        raise FeatureNotSupported("The requested functionality is not supported.")
    if error:
        raise Conflict(f"Diagnostics of instance {instance.uuid} are not available: {reply.get('message', error)}")
    return diagnostics.view(reply["diagnostics"]) if standardised else reply["diagnostics"]
