"""Deleting servers: through the host when it is up, at once when it is not; deferred (soft
delete, ``RECLAIM_INSTANCE_INTERVAL`` > 0) the way Nova does it: the guest is powered off and
keeps everything it holds until restored or reclaimed."""

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.exceptions import Conflict, ServiceUnavailable
from apps.compute.audit import start_action
from apps.compute.models import Instance, Migration
from apps.compute.servers.lookup import get_instance, host_is_up
from apps.compute.states import TaskState, VmState, allowed
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
        terminated_at=now, attempt_id=None, soft_deleted_at=None,
    )  # fmt: skip
    Migration.objects.filter(instance_id=instance_uuid, status__in=Migration.OPEN).update(status=Migration.Status.ERROR)
    claims.release(str(instance_uuid))
    ipam.release_ports(str(instance_uuid))


def delete_server(ctx: RequestContext, server_id: str, request_id: str, action: str = "delete") -> None:
    """Delete a server from any state: at once if no live host holds it, else through its host.

    With deferred delete on, a plain delete of a server that has run is a soft delete instead
    (``forceDelete`` always deletes). Deleting again while a delete is under way is harmless (the
    host's destroy is idempotent).
    """
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if instance.locked and not ctx.is_admin:
            raise Conflict(f"Instance {instance.uuid} is locked")
        if action == "forceDelete" and instance.task_state is not None:
            raise Conflict(
                f"Cannot 'forceDelete' instance {instance.uuid} while it is in task_state {instance.task_state}"
            )
        if action == "delete" and settings.RECLAIM_INSTANCE_INTERVAL > 0 and instance.launched_at is not None:
            payload = _soft_delete(ctx, instance, request_id)
            if payload is not None:
                transaction.on_commit(lambda: _cast_soft_delete(instance, payload, request_id))
            return
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


def _soft_delete(ctx: RequestContext, instance: Instance, request_id: str) -> dict | None:
    """Start a soft delete (inside the transaction holding the row lock); the payload to send if the
    host must power the guest off. A server already soft-deleted, or being deleted, is left as is."""
    if instance.vm_state == VmState.SOFT_DELETED or instance.task_state in (
        TaskState.DELETING,
        TaskState.SOFT_DELETING,
    ):
        return None
    start_action(instance, "delete", request_id, ctx.user.id, ctx.project_id)
    now = timezone.now()
    if not instance.host or not host_is_up(instance.host):
        # Nova's local soft delete: the host is not there to power the guest off; if it comes back,
        # the power-state sync powers it off.
        Instance.objects.filter(uuid=instance.uuid).update(
            vm_state=VmState.SOFT_DELETED, task_state=None, task_id=None, soft_deleted_at=now, terminated_at=now
        )
        return None
    instance.task_state, instance.task_id, instance.soft_deleted_at = TaskState.SOFT_DELETING, uuid.uuid4(), now
    instance.save(update_fields=["task_state", "task_id", "soft_deleted_at", "updated_at"])
    return instance.payload()


def _cast_soft_delete(instance: Instance, payload: dict, request_id: str) -> None:
    try:
        rpc.cast(
            names.compute_queue(instance.host), "compute.soft_delete_instance", instance=payload, request_id=request_id
        )
    except Exception:
        # Accepted all the same: the reconciler resends it (or soft-deletes locally if the host is
        # down) once the task has waited RESEND_AFTER seconds.
        LOG.exception("could not reach compute host %s to soft-delete %s", instance.host, instance.uuid)


def restore_server(ctx: RequestContext, server_id: str, request_id: str) -> None:
    """Bring a soft-deleted server back: powered on by its host, or at once if no live host holds it."""
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if instance.locked and not ctx.is_admin:
            raise Conflict(f"Instance {instance.uuid} is locked")
        if not allowed("restore", instance.vm_state, instance.task_state):
            raise Conflict(
                f"Cannot 'restore' instance {instance.uuid} while it is in vm_state {instance.vm_state}"
                if instance.task_state is None
                else f"Cannot 'restore' instance {instance.uuid} while it is in task_state {instance.task_state}"
            )
        start_action(instance, "restore", request_id, ctx.user.id, ctx.project_id)
        if not instance.host or not host_is_up(instance.host):
            Instance.objects.filter(uuid=instance.uuid).update(
                vm_state=VmState.ACTIVE, task_state=None, soft_deleted_at=None, terminated_at=None
            )
            return
        # soft_deleted_at stays until the host reports the guest running: a restore that fails
        # leaves the server SOFT_DELETED and still due for reclaim.
        instance.task_state, instance.task_id = TaskState.RESTORING, uuid.uuid4()
        instance.save(update_fields=["task_state", "task_id", "updated_at"])
        payload = instance.payload()
    try:
        rpc.cast(
            names.compute_queue(instance.host), "compute.restore_instance", instance=payload, request_id=request_id
        )
    except Exception as exc:
        LOG.exception("could not reach compute host %s to restore %s", instance.host, instance.uuid)
        Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESTORING).update(task_state=None)
        raise ServiceUnavailable("The compute service could not be reached; the server was not restored.") from exc
