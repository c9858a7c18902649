"""Deleting servers: through the host when it is up, at once when it is not."""

import logging

from django.db import transaction
from django.utils import timezone

from apps.common.exceptions import Conflict, ServiceUnavailable
from apps.compute.audit import start_action
from apps.compute.models import Instance, Migration
from apps.compute.servers.lookup import get_instance, host_is_up
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from apps.identity.auth import RequestContext
from apps.network import ipam
from core import names, rpc
from core.power_state import PowerState

LOG = logging.getLogger(__name__)


def mark_deleted(instance_uuid) -> None:
    """The instance is gone from every host (or its host is down): keep the row as deleted, close
    any migration, and free everything it held. Call inside a transaction holding its row lock."""
    now = timezone.now()
    Instance.objects.filter(uuid=instance_uuid).update(
        vm_state=VmState.DELETED, task_state=None, power_state=PowerState.NOSTATE, deleted_at=now,
        terminated_at=now, attempt_id=None,
    )  # fmt: skip
    Migration.objects.filter(instance_id=instance_uuid, status__in=Migration.OPEN).update(status=Migration.Status.ERROR)
    claims.release(str(instance_uuid))
    ipam.release_ports(str(instance_uuid))


def delete_server(ctx: RequestContext, server_id: str, request_id: str, action: str = "delete") -> None:
    """Delete a server from any state: at once if no live host holds it, else through its host.

    Deleting again while a delete is under way is harmless (the host's destroy is idempotent).
    """
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if instance.locked and not ctx.is_admin:
            raise Conflict(f"Instance {instance.uuid} is locked")
        start_action(instance, action, request_id, ctx.user.id, ctx.project_id)
        if not instance.host or not host_is_up(instance.host):
            mark_deleted(instance.uuid)
            return
        previous_task_state = instance.task_state
        instance.task_state = TaskState.DELETING
        instance.save(update_fields=["task_state", "updated_at"])
        host, instance_uuid = instance.host, str(instance.uuid)
    try:
        rpc.cast(
            names.compute_queue(host), "compute.terminate_instance", instance_uuid=instance_uuid, request_id=request_id
        )
    except Exception as exc:
        LOG.exception("could not reach compute host %s to delete %s", host, instance_uuid)
        if previous_task_state != TaskState.DELETING:
            Instance.objects.filter(uuid=instance_uuid, task_state=TaskState.DELETING).update(
                task_state=previous_task_state
            )
        raise ServiceUnavailable("The compute service could not be reached; the server was not deleted.") from exc
