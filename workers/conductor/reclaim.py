"""Reclaiming soft-deleted servers (Nova's ``_reclaim_queued_deletes``): beat sends it every
``RECLAIM_INSTANCE_INTERVAL`` seconds when deferred delete is on. It takes nothing from a host."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.compute.audit import record_event, start_action
from apps.compute.models import Instance
from apps.compute.servers.delete import mark_deleted
from apps.compute.servers.lookup import host_is_up
from apps.compute.states import TaskState, VmState
from core import names, rpc

LOG = logging.getLogger(__name__)


def _expired():
    cutoff = timezone.now() - timedelta(seconds=settings.RECLAIM_INSTANCE_INTERVAL)
    return Instance.objects.filter(
        deleted_at__isnull=True, vm_state=VmState.SOFT_DELETED, task_state__isnull=True, soft_deleted_at__lt=cutoff
    )


def reclaim_queued_deletes() -> int:
    """Delete every server soft-deleted longer ago than the interval, freeing what it held (through
    its host when the host is up, at once when not). Returns how many were reclaimed."""
    if settings.RECLAIM_INSTANCE_INTERVAL <= 0:
        return 0
    reclaimed = 0
    for instance_uuid in _expired().values_list("uuid", flat=True):
        with transaction.atomic():
            instance = _expired().select_for_update().filter(uuid=instance_uuid).first()
            if instance is None:  # restored or deleted since the list was read
                continue
            request_id = f"req-{uuid.uuid4()}"
            start_action(instance, "delete", request_id, "", instance.project_id)
            now = timezone.now()
            record_event(instance.uuid, request_id, {
                "event": "conductor_reclaim_queued_deletes", "host": instance.host, "start_time": now,
                "finish_time": now, "result": "Success",
                "details": f"soft-deleted longer than {settings.RECLAIM_INSTANCE_INTERVAL} s",
            })  # fmt: skip
            LOG.info("reclaiming soft-deleted instance %s", instance.uuid)
            reclaimed += 1
            if not instance.host or not host_is_up(instance.host):
                mark_deleted(instance.uuid)
                continue
            Instance.objects.filter(uuid=instance.uuid).update(task_state=TaskState.DELETING)
            host, target = instance.host, str(instance.uuid)
            transaction.on_commit(lambda h=host, t=target, r=request_id: rpc.cast(
                names.compute_queue(h), "compute.terminate_instance", instance_uuid=t, request_id=r
            ))  # fmt: skip
    return reclaimed
