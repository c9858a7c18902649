"""``/servers/{id}/os-instance-actions``: what was done to a server, and each step's events, as
Nova's ``instance_actions`` controller shows them microversion by microversion.

- 2.21: a deleted server's actions too.
- 2.51: every reader of the server sees the events; only ``os-instance-actions:events`` (admins)
  sees their tracebacks (before 2.51 the others see no events at all).
- 2.58: ``updated_at``; the list pages with ``limit``/``marker`` (a request id) and ``links``, and
  filters by ``changes-since``.
- 2.62: each event's ``hostId`` (the host hashed with the project), and its ``host`` for
  ``os-instance-actions:events``.
- 2.66: ``changes-before``.
- 2.84: each event's ``details`` for ``os-instance-actions:events:details`` (admins).
- 2.102: the show route refuses query parameters.
"""

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import NotFound
from apps.common.microversion import at_least
from apps.common.query import Query, closed, open_, single
from apps.compute.api.builders import hashed_host, usec
from apps.compute.api.paging import DATE_TIME, PAGING, changes, newest_page, next_links
from apps.compute.models import Instance, InstanceAction, InstanceActionEvent
from apps.compute.servers.lookup import get_instance
from apps.identity import policy
from apps.identity.auth import RequestContext, request_context

INDEX_QUERY = Query({
    "2.1": open_({}),
    "2.58": closed({**PAGING, "changes-since": single(DATE_TIME)}),
    "2.66": closed({**PAGING, "changes-since": single(DATE_TIME), "changes-before": single(DATE_TIME)}),
})  # fmt: skip


def action_body(request, action: InstanceAction) -> dict:
    body = {
        "action": action.action,
        "instance_uuid": str(action.instance_id),
        "message": action.message,
        "project_id": action.project_id,
        "request_id": action.request_id,
        "start_time": usec(action.start_time),
        "user_id": action.user_id,
    }
    if at_least(request, "2.58"):
        body["updated_at"] = usec(action.updated_at)
    return body


def event_body(request, event: InstanceActionEvent, project_id: str, full: bool, details: bool) -> dict:
    """One event; ``full`` (the events policy) adds the traceback and, from 2.62, the host."""
    body = {
        "event": event.event,
        "start_time": usec(event.start_time),
        "finish_time": usec(event.finish_time),
        "result": event.result,
    }
    if full:
        body["traceback"] = event.traceback
        if at_least(request, "2.62"):
            body["host"] = event.host or ""
    if at_least(request, "2.62"):
        body["hostId"] = hashed_host(event.host, project_id)
    if details:
        body["details"] = event.details or None
    return body


def action_detail(request, action: InstanceAction, instance: Instance, ctx: RequestContext) -> dict:
    """An action with its events (newest first, as Nova), as far as the policy shows them."""
    body = action_body(request, action)
    full = policy.allowed(ctx, "os_compute_api:os-instance-actions:events")
    if not (full or at_least(request, "2.51")):
        return body  # before 2.51 only the events policy sees events
    details = at_least(request, "2.84") and policy.allowed(ctx, "os_compute_api:os-instance-actions:events:details")
    project_id = action.project_id or instance.project_id
    events = action.events.order_by("-start_time", "-id")
    body["events"] = [event_body(request, event, project_id, full, details) for event in events]
    return body


def _instance(request, ctx: RequestContext, server_id: str) -> Instance:
    return get_instance(ctx, server_id, with_deleted=at_least(request, "2.21"))


def _page(instance: Instance, params: dict) -> list[InstanceAction]:
    """The actions after the marker (a request id), newest first."""

    def marked(request_id: str) -> InstanceAction | None:
        return InstanceAction.objects.filter(instance=instance, request_id=request_id).first()

    actions = changes(params, InstanceAction.objects.filter(instance=instance))
    return newest_page(actions, params, marked, "start_time")


class InstanceActionListView(APIView):
    """The actions taken on a server, newest first."""

    query = INDEX_QUERY

    def get(self, request, server_id):
        params = INDEX_QUERY.validate(request)
        ctx = request_context(request)
        instance = _instance(request, ctx, server_id)
        if not at_least(request, "2.58"):
            actions = InstanceAction.objects.filter(instance=instance).order_by("-start_time", "-id")
            return Response({"instanceActions": [action_body(request, a) for a in actions]})
        actions = [action_body(request, a) for a in _page(instance, params)]
        body = {"instanceActions": actions}
        if links := next_links(request, params, actions, f"servers/{server_id}/os-instance-actions", "request_id"):
            body["links"] = links
        return Response(body)


class InstanceActionView(APIView):
    """One action on a server, with its events."""

    def get(self, request, server_id, request_id):
        ctx = request_context(request)
        instance = _instance(request, ctx, server_id)
        action = InstanceAction.objects.filter(instance=instance, request_id=request_id).first()
        if action is None:
            raise NotFound(f"Action {request_id} not found")
        return Response({"instanceAction": action_detail(request, action, instance, ctx)})
