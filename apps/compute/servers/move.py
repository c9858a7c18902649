"""Moving a server between hosts: resize, cold migrate (then confirm or revert), and evacuate.

- 2.56: a cold migration may name its destination host (admins): the scheduler places the server
  there or nowhere.
- 2.29-2.67: evacuate's ``force`` (cloudcore's scheduler checks a named host either way).
- 2.80: a migration records who asked for it (``user_id``, ``project_id``).
- 2.95: an evacuated server is left stopped at its destination (before, as it was).
"""

import logging

from django.db import transaction

from apps.common.exceptions import BadRequest, CloudError, Conflict, NotFound, ServiceUnavailable
from apps.compute import quotas
from apps.compute.audit import start_action
from apps.compute.models import Instance, Migration
from apps.compute.servers.lookup import get_flavor, get_instance, host_is_up
from apps.compute.servers.operation import begin, state_conflict
from apps.compute.states import TaskState, VmState
from apps.hosts import claims
from apps.hosts.models import ComputeNode, Service
from apps.identity import policy
from apps.identity.auth import RequestContext
from core import names, rpc
from core.names import COMPUTE_BINARY

LOG = logging.getLogger(__name__)


def migrate(ctx: RequestContext, server_id: str, host: str | None, request_id: str) -> Migration:
    """Cold-migrate: to another host the scheduler picks, or to ``host`` (2.56, admins only)."""
    return resize(ctx, server_id, None, request_id, host=host)


def _check_destination(instance: Instance, host: str) -> None:
    """A named destination must be another compute host (Nova's 400s)."""
    if host == instance.host:
        raise BadRequest("Cannot migrate to the host where the server exists.")
    if not ComputeNode.objects.filter(host=host).exists():
        raise BadRequest(f"Compute host {host} could not be found.")


def resize(
    ctx: RequestContext,
    server_id: str,
    flavor_ref: str | None,
    request_id: str,
    changes: dict | None = None,
    host: str | None = None,
) -> Migration:
    """Resize (with a flavor) or cold-migrate (without): the scheduler picks another host, the one
    named by ``host`` if any (kept as the request spec's ``requested_destination``, which a move
    without one clears). ``changes`` (a resize's disk_config) are written as the resize starts.
    A cold migration checks its policy here, after the 404 and before anything else."""
    with transaction.atomic():
        peek = get_instance(ctx, server_id)
        if flavor_ref is None:
            policy.enforce(ctx, "os_compute_api:os-migrate-server:migrate:host" if host else
                           "os_compute_api:os-migrate-server:migrate")  # fmt: skip
            rule, action_name, new_flavor = "migrate", "migrate", dict(peek.flavor)
        else:
            try:
                flavor = get_flavor(ctx, flavor_ref)
            except CloudError:
                raise BadRequest(f"Flavor {flavor_ref} could not be found.") from None
            if flavor.flavorid == peek.flavor.get("flavorid"):
                raise BadRequest("When resizing, instances must change flavor!")
            if flavor.disabled:
                raise BadRequest(f"Flavor {flavor.flavorid} is disabled.")
            if flavor.root_gb < int(peek.flavor.get("root_gb", 0)):
                raise BadRequest("Resizing to a smaller disk is not supported.")
            rule, action_name, new_flavor = "resize", "resize", flavor.snapshot()
            quotas.check_resize(peek.project_id, peek.flavor, new_flavor)
        instance = begin(ctx, server_id, rule, action_name, request_id, changes=changes)
        if host is not None:
            _check_destination(instance, host)
        spec = {k: v for k, v in instance.request_spec.items() if k != "requested_destination"}
        if host is not None:
            spec["requested_destination"] = host
        if spec != instance.request_spec:
            Instance.objects.filter(uuid=instance.uuid).update(request_spec=spec)
        migration = Migration.objects.create(
            instance=instance,
            migration_type=Migration.Type.RESIZE if flavor_ref is not None else Migration.Type.MIGRATION,
            source_compute=instance.host,
            source_node=instance.node,
            old_flavor=dict(instance.flavor),
            new_flavor=new_flavor,
            power_on=instance.vm_state == VmState.ACTIVE,
            request_id=request_id,
            user_id=ctx.user.id,
            project_id=ctx.project_id or "",
        )
    try:
        rpc.cast(
            names.SCHEDULER_QUEUE,
            "scheduler.select_migration_destination",
            migration_id=migration.id,
            request_id=request_id,
        )
    except Exception as exc:
        Instance.objects.filter(uuid=instance.uuid, task_state=TaskState.RESIZE_PREP).update(task_state=None)
        Migration.objects.filter(pk=migration.pk).update(status=Migration.Status.ERROR)
        raise ServiceUnavailable("The scheduler could not be reached; nothing was changed.") from exc
    return migration


def _cast_migration_step(instance: Instance, migration: Migration, host: str, task: str, request_id: str) -> None:
    """Cast a confirm or revert; if the broker is unreachable, put the server back in VERIFY_RESIZE."""
    try:
        rpc.cast(names.compute_queue(host), task, instance=instance.payload(), migration=migration.payload(),
                 request_id=request_id)  # fmt: skip
    except Exception as exc:
        with transaction.atomic():
            Instance.objects.filter(uuid=instance.uuid, task_state=instance.task_state).update(task_state=None)
            Migration.objects.filter(pk=migration.pk).update(status=Migration.Status.FINISHED)
        raise ServiceUnavailable("The compute service could not be reached; nothing was changed.") from exc


def _open_migration(instance: Instance) -> Migration:
    migration = instance.migrations.filter(status=Migration.Status.FINISHED).first()
    if migration is None:
        raise Conflict(f"Instance {instance.uuid} has no resize or migration waiting for confirmation")
    return migration


def _finish_migration(ctx, server_id: str, action: str, status: str, on_source: bool, task: str, request_id: str):
    """Start a confirm (on the source) or a revert (on the destination) of a finished migration."""
    with transaction.atomic():
        instance = begin(ctx, server_id, action, action, request_id)
        migration = _open_migration(instance)
        migration.status = status
        migration.save(update_fields=["status", "updated_at"])
    host = migration.source_compute if on_source else migration.dest_compute
    _cast_migration_step(instance, migration, host, task, request_id)


def confirm_resize(ctx: RequestContext, server_id: str, request_id: str) -> None:
    _finish_migration(ctx, server_id, "confirmResize", Migration.Status.CONFIRMING, True, "compute.confirm_resize",
                      request_id)  # fmt: skip


def revert_resize(ctx: RequestContext, server_id: str, request_id: str) -> None:
    _finish_migration(ctx, server_id, "revertResize", Migration.Status.REVERTING, False, "compute.revert_resize",
                      request_id)  # fmt: skip


def evacuate(
    ctx: RequestContext, server_id: str, host: str | None, request_id: str, force: bool = False, stop: bool = False
) -> None:
    """Admin only: rebuild a server whose host is down on another host, through the scheduler (on
    ``host`` if named). The rebuilt server is left stopped if ``stop`` (2.95) or if it was stopped;
    ``force`` (2.29-2.67) needs a host."""
    policy.enforce(ctx, "os_compute_api:os-evacuate")
    if force and not host:
        raise BadRequest("Can't force to a non-provided destination")
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if host is not None and not Service.objects.filter(host=host, binary=COMPUTE_BINARY).exists():
            raise NotFound(f"Compute host {host} not found.")
        if host == instance.host:
            raise BadRequest("The target host can't be the same one.")
        if instance.task_state is not None or instance.vm_state not in (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR):
            raise state_conflict("evacuate", instance)
        if not instance.host:
            raise Conflict(f"Instance {instance.uuid} has no host to evacuate from")
        if host_is_up(instance.host):
            raise BadRequest(f"Compute service of {instance.host} is still in use.")
        spec = {k: v for k, v in instance.request_spec.items() if k not in ("force_host", "force_node")}
        if host:
            spec["force_host"] = host
        spec["leave_stopped"] = stop or instance.vm_state == VmState.STOPPED
        claims.release(str(instance.uuid))
        Instance.objects.filter(uuid=instance.uuid).update(
            vm_state=VmState.BUILDING, task_state=TaskState.SCHEDULING, host=None, node=None, attempt_id=None,
            attempts=0, alternate_hosts=[], request_spec=spec,
        )  # fmt: skip
        start_action(instance, "evacuate", request_id, ctx.user.id, ctx.project_id)
    try:
        rpc.cast(names.SCHEDULER_QUEUE, "scheduler.select_destinations", instance_uuids=[str(instance.uuid)],
                 request_id=request_id)  # fmt: skip
    except Exception as exc:
        raise ServiceUnavailable("The scheduler could not be reached; the reconciler will retry.") from exc
