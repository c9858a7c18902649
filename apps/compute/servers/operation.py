"""Starting an operation on a server's host: the state table, the driver's capabilities, the
compare-and-swap of the task_state (so two requests cannot both start), and the cast."""

import logging
import uuid

from django.db import transaction

from apps.common.exceptions import CloudError, Conflict, ServiceUnavailable
from apps.compute.audit import start_action
from apps.compute.models import Instance
from apps.compute.servers.lookup import get_instance
from apps.compute.states import ALLOWED, CAPABILITY_FOR_ACTION, TASK_FOR_ACTION, allowed
from apps.hosts.models import ComputeNode
from apps.identity.auth import RequestContext
from core import names, rpc

LOG = logging.getLogger(__name__)


class GatewayTimeout(CloudError):
    code = 504
    kind = "gatewayTimeout"


def state_conflict(action: str, instance: Instance) -> Conflict:
    if instance.task_state and instance.task_state not in (ALLOWED.get(action, ((), ()))[1] or ()):
        return Conflict(f"Cannot '{action}' instance {instance.uuid} while it is in task_state {instance.task_state}")
    return Conflict(f"Cannot '{action}' instance {instance.uuid} while it is in vm_state {instance.vm_state}")


def check_lock(ctx: RequestContext, instance: Instance) -> None:
    if instance.locked and not ctx.is_admin:
        raise Conflict(f"Instance {instance.uuid} is locked")


def check_capability(instance: Instance, rule: str, action_name: str) -> None:
    """409 if the server's node reported that its driver cannot do ``rule`` (a node that has not
    reported yet is given the benefit of the doubt; its host refuses what it cannot do)."""
    needed = CAPABILITY_FOR_ACTION.get(rule)
    if needed is None:
        return
    reported = ComputeNode.objects.filter(hypervisor_hostname=instance.node).values_list("capabilities", flat=True)
    if (reported.first() or {}).get(needed) is False:
        raise Conflict(
            f"Cannot '{action_name}' instance {instance.uuid}: the hypervisor of its host {instance.host} "
            f"does not support it"
        )


def begin(
    ctx: RequestContext, server_id: str, rule: str, action_name: str, request_id: str, *, changes: dict | None = None
) -> Instance:
    """Start ``rule`` (a row of the state table) on the server: compare-and-swap its task_state.

    ``changes`` are written in the same UPDATE (a rebuild's new image, say). Two concurrent
    requests cannot both start: the second finds the task_state already taken and gets 409.
    """
    with transaction.atomic():
        instance = get_instance(ctx, server_id)
        check_lock(ctx, instance)
        if not allowed(rule, instance.vm_state, instance.task_state):
            raise state_conflict(action_name, instance)
        if not instance.host:
            raise Conflict(f"Cannot '{action_name}' instance {instance.uuid}: it is not on any host")
        check_capability(instance, rule, action_name)
        current = Instance.objects.filter(uuid=instance.uuid, deleted_at__isnull=True, vm_state=instance.vm_state)
        if instance.task_state is None:
            current = current.filter(task_state__isnull=True)
        else:
            current = current.filter(task_state=instance.task_state)
        task_state = TASK_FOR_ACTION[rule]
        if not current.update(task_state=task_state, task_id=uuid.uuid4(), **(changes or {})):
            instance.refresh_from_db()
            raise state_conflict(action_name, instance)
        instance.refresh_from_db()
        start_action(instance, action_name, request_id, ctx.user.id, ctx.project_id)
    return instance


def cast_or_revert(target: Instance, task: str, request_id: str, fields: dict) -> None:
    """Cast ``task`` with ``fields`` to the instance's host; if the broker is unreachable, undo the
    task_state."""
    try:
        rpc.cast(names.compute_queue(target.host), task, request_id=request_id, **fields)
    except Exception as exc:
        LOG.exception("could not cast %s for %s", task, target.uuid)
        Instance.objects.filter(uuid=target.uuid, task_state=target.task_state).update(task_state=None)
        raise ServiceUnavailable("The compute service could not be reached; nothing was changed.") from exc
