"""The trail an instance leaves: actions, their events, and faults."""

import logging
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.compute.models import Instance, InstanceAction, InstanceActionEvent, InstanceFault

LOG = logging.getLogger(__name__)


def start_action(instance: Instance, action: str, request_id: str, user_id: str, project_id: str) -> InstanceAction:
    return InstanceAction.objects.create(
        instance=instance,
        action=action,
        request_id=request_id,
        user_id=user_id or "",
        project_id=project_id or "",
        start_time=timezone.now(),
    )


def find_action(instance_uuid, request_id: str | None) -> InstanceAction | None:
    """The action a request started, or the instance's latest when the request is unknown."""
    actions = InstanceAction.objects.filter(instance_id=instance_uuid)
    if request_id:
        match = actions.filter(request_id=request_id).first()
        if match:
            return match
    return actions.first()


def _when(value) -> datetime:
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(value) if value else None
    return parsed or timezone.now()


def record_event(instance_uuid, request_id: str | None, event: dict, finish: bool = False) -> None:
    """Add one event (a dict as compute and the workers send them) to the request's action.

    ``finish`` also closes the action; an Error event marks the action's message as Error.
    """
    action = find_action(instance_uuid, request_id)
    if action is None:
        LOG.warning("no action on %s for event %s", instance_uuid, event.get("event"))
        return
    InstanceActionEvent.objects.create(
        action=action,
        event=event["event"],
        host=event.get("host"),
        start_time=_when(event.get("start_time")),
        finish_time=_when(event.get("finish_time")),
        result=event.get("result", "Success"),
        traceback=event.get("traceback"),
        details=event.get("details") or "",
    )
    changed = []
    if finish:
        action.finish_time = timezone.now()
        changed.append("finish_time")
    if event.get("result") == "Error" and finish:
        action.message = "Error"
        changed.append("message")
    action.save(update_fields=[*changed, "updated_at"])  # each event moves updated_at, as in Nova (2.58)


def add_fault(instance_uuid, message: str, details: str = "", host: str | None = None, code: int = 500) -> None:
    InstanceFault.objects.create(
        instance_id=instance_uuid, code=code, message=message[:255], details=details, host=host
    )
