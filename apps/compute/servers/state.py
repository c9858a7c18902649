"""What changes at once in the database, with no host involved: lock, unlock, reset-state; and
injectNetworkInfo, which only tells the host."""

import logging

from django.db import transaction

from apps.common.exceptions import BadRequest, Conflict, Forbidden, ServiceUnavailable
from apps.compute.audit import start_action
from apps.compute.models import Instance
from apps.compute.servers.lookup import get_instance, host_is_up
from apps.compute.states import VmState
from apps.identity import policy
from apps.identity.auth import RequestContext
from core import names, rpc

LOG = logging.getLogger(__name__)


def lock(ctx: RequestContext, server_id: str, reason: str | None, request_id: str) -> None:
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        instance.locked = True
        instance.locked_by = "admin" if ctx.is_admin and instance.project_id != ctx.project_id else "owner"
        instance.locked_reason = reason
        instance.save(update_fields=["locked", "locked_by", "locked_reason", "updated_at"])
        _instant_action(ctx, instance, "lock", request_id)


def unlock(ctx: RequestContext, server_id: str, request_id: str) -> None:
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if instance.locked and instance.locked_by == "admin" and not ctx.is_admin:
            raise Forbidden(
                "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed."
            )
        instance.locked = False
        instance.locked_by = None
        instance.locked_reason = None
        instance.save(update_fields=["locked", "locked_by", "locked_reason", "updated_at"])
        _instant_action(ctx, instance, "unlock", request_id)


def reset_state(ctx: RequestContext, server_id: str, state: str, request_id: str) -> None:
    """Admin only: force vm_state to active or error and clear the task_state."""
    policy.enforce(ctx, "os_compute_api:os-admin-actions:reset_state")
    if state not in ("active", "error"):
        raise BadRequest(f"Invalid input for field/attribute state. Value: {state!r}. Expected 'active' or 'error'")
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        instance.vm_state = VmState.ACTIVE if state == "active" else VmState.ERROR
        instance.task_state = None
        instance.save(update_fields=["vm_state", "task_state", "updated_at"])
        _instant_action(ctx, instance, "resetState", request_id)


def _instant_action(ctx: RequestContext, instance: Instance, name: str, request_id: str) -> None:
    action = start_action(instance, name, request_id, ctx.user.id, ctx.project_id)
    action.finish_time = action.start_time
    action.save(update_fields=["finish_time"])


def inject_network_info(ctx: RequestContext, server_id: str) -> None:
    """Admin only: have the server's host hand the guest its network information again (Nova's
    injectNetworkInfo; a driver that injects nothing does nothing)."""
    policy.enforce(ctx, "os_compute_api:os-admin-actions:inject_network_info")
    instance = get_instance(ctx, server_id)
    if instance.locked and not ctx.is_admin:
        raise Conflict(f"Instance {instance.uuid} is locked")
    if not instance.host or not host_is_up(instance.host):
        raise Conflict(f"Cannot 'injectNetworkInfo' instance {instance.uuid}: its host is not available")
    try:
        rpc.cast(names.compute_queue(instance.host), "compute.inject_network_info", instance=instance.payload())
    except Exception as exc:
        LOG.exception("could not reach compute host %s for %s", instance.host, instance.uuid)
        raise ServiceUnavailable("The compute service could not be reached; nothing was changed.") from exc
