"""Power operations: stop, start, reboot, pause, unpause, suspend, resume."""

import logging

from apps.compute.servers.operation import begin, cast_or_revert
from apps.identity.auth import RequestContext

LOG = logging.getLogger(__name__)


POWER_TASKS = {
    "stop": ("os-stop", "stop", "compute.stop_instance"),
    "start": ("os-start", "start", "compute.start_instance"),
    "pause": ("pause", "pause", "compute.pause_instance"),
    "unpause": ("unpause", "unpause", "compute.unpause_instance"),
    "suspend": ("suspend", "suspend", "compute.suspend_instance"),
    "resume": ("resume", "resume", "compute.resume_instance"),
}


def power_action(ctx: RequestContext, server_id: str, rule: str, request_id: str) -> None:
    _key, action_name, task = POWER_TASKS[rule]
    instance = begin(ctx, server_id, rule, action_name, request_id)
    cast_or_revert(instance, task, request_id, {"instance": instance.payload()})


def reboot(ctx: RequestContext, server_id: str, reboot_type: str, request_id: str) -> None:
    rule = "reboot_hard" if reboot_type == "HARD" else "reboot_soft"
    instance = begin(ctx, server_id, rule, "reboot", request_id)
    fields = {"instance": instance.payload(), "reboot_type": reboot_type}
    cast_or_revert(instance, "compute.reboot_instance", request_id, fields)
