"""Server actions: check the state table, start the task with a compare-and-swap, cast the host.

Each function takes the request context and the server id, raises a ``CloudError`` (409 for a
wrong state) before anything is written, and returns once the work is queued.
"""

import logging
import uuid

from celery.exceptions import TimeoutError as ReplyTimeout
from django.conf import settings
from django.db import transaction

from apps.common.exceptions import BadRequest, CloudError, Conflict, Forbidden, ServiceUnavailable
from apps.compute import quotas
from apps.compute.actions import start_action
from apps.compute.models import Instance, Migration
from apps.compute.operations import get_flavor, get_image, get_instance, host_is_up
from apps.compute.states import ALLOWED, TASK_FOR_ACTION, TaskState, VmState, allowed
from apps.hosts import claims
from apps.identity import policy
from apps.identity.auth import RequestContext
from apps.images.models import Image
from core import names, rpc

LOG = logging.getLogger(__name__)


class GatewayTimeout(CloudError):
    code = 504
    kind = "gatewayTimeout"


def _state_conflict(action: str, instance: Instance) -> Conflict:
    if instance.task_state and instance.task_state not in (ALLOWED.get(action, ((), ()))[1] or ()):
        return Conflict(f"Cannot '{action}' instance {instance.uuid} while it is in task_state {instance.task_state}")
    return Conflict(f"Cannot '{action}' instance {instance.uuid} while it is in vm_state {instance.vm_state}")


def check_lock(ctx: RequestContext, instance: Instance) -> None:
    if instance.locked and not ctx.is_admin:
        raise Conflict(f"Instance {instance.uuid} is locked")


def begin(ctx: RequestContext, server_id: str, rule: str, action_name: str, request_id: str, **changes) -> Instance:
    """Start ``rule`` (a row of the state table) on the server: compare-and-swap its task_state.

    ``changes`` are written in the same UPDATE (a rebuild's new image, say). Two concurrent
    requests cannot both start: the second finds the task_state already taken and gets 409.
    """
    with transaction.atomic():
        instance = get_instance(ctx, server_id)
        check_lock(ctx, instance)
        if not allowed(rule, instance.vm_state, instance.task_state):
            raise _state_conflict(action_name, instance)
        if not instance.host:
            raise Conflict(f"Cannot '{action_name}' instance {instance.uuid}: it is not on any host")
        current = Instance.objects.filter(uuid=instance.uuid, deleted_at__isnull=True, vm_state=instance.vm_state)
        if instance.task_state is None:
            current = current.filter(task_state__isnull=True)
        else:
            current = current.filter(task_state=instance.task_state)
        task_state = TASK_FOR_ACTION[rule]
        if not current.update(task_state=task_state, task_id=uuid.uuid4(), **changes):
            instance.refresh_from_db()
            raise _state_conflict(action_name, instance)
        instance.refresh_from_db()
        start_action(instance, action_name, request_id, ctx.user.id, ctx.project_id)
    return instance


def cast_or_revert(target: Instance, task: str, request_id: str, **kwargs) -> None:
    """Cast ``task`` to the instance's host; if the broker is unreachable, undo the task_state."""
    try:
        rpc.cast(names.compute_queue(target.host), task, request_id=request_id, **kwargs)
    except Exception as exc:
        LOG.exception("could not cast %s for %s", task, target.uuid)
        Instance.objects.filter(uuid=target.uuid, task_state=target.task_state).update(task_state=None)
        raise ServiceUnavailable("The compute service could not be reached; nothing was changed.") from exc


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
    cast_or_revert(instance, task, request_id, instance=instance.payload())


def reboot(ctx: RequestContext, server_id: str, reboot_type: str, request_id: str) -> None:
    rule = "reboot_hard" if reboot_type == "HARD" else "reboot_soft"
    instance = begin(ctx, server_id, rule, "reboot", request_id)
    cast_or_revert(
        instance, "compute.reboot_instance", request_id, instance=instance.payload(), reboot_type=reboot_type
    )


def rebuild(ctx: RequestContext, server_id: str, image_ref: str, name: str | None, request_id: str) -> Instance:
    image = get_image(ctx, image_ref) if image_ref else None
    if image is None or image.status != Image.Status.ACTIVE:
        raise BadRequest(f"Image {image_ref} could not be found or is not active.")
    changes = {"image": image, "image_ref": str(image.id)}
    if name is not None:
        changes["name"] = name
    instance = begin(ctx, server_id, "rebuild", "rebuild", request_id, **changes)
    power_on = instance.vm_state != VmState.STOPPED
    cast_or_revert(instance, "compute.rebuild_instance", request_id, instance=instance.payload(), power_on=power_on)
    return instance


def create_image(ctx: RequestContext, server_id: str, name: str, metadata: dict, request_id: str) -> Image:
    """Snapshot the server into a new private image of its project (queued until the host writes it)."""
    with transaction.atomic():
        peek = get_instance(ctx, server_id)
        image = Image.objects.create(
            name=name,
            owner_id=peek.project_id,
            visibility=Image.Visibility.PRIVATE,
            disk_format=(peek.image.disk_format if peek.image else "raw"),
            status=Image.Status.QUEUED,
            # As Nova: a snapshot needs at least the disk it was taken from, and the RAM its image needed.
            min_disk=max(int(peek.flavor.get("root_gb") or 0), peek.image.min_disk if peek.image else 0),
            min_ram=peek.image.min_ram if peek.image else 0,
            properties={
                **metadata,
                "image_type": "snapshot",
                "instance_uuid": str(peek.uuid),
                "base_image_ref": peek.image_ref,
            },
        )
        instance = begin(ctx, server_id, "createImage", "createImage", request_id)
    cast_or_revert(
        instance, "compute.snapshot_instance", request_id, instance=instance.payload(), image_id=str(image.id)
    )
    return image


def resize(ctx: RequestContext, server_id: str, flavor_ref: str | None, request_id: str) -> Migration:
    """Resize (with a flavor) or cold-migrate (without): the scheduler picks another host."""
    with transaction.atomic():
        peek = get_instance(ctx, server_id)
        if flavor_ref is None:
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
        instance = begin(ctx, server_id, rule, action_name, request_id)
        migration = Migration.objects.create(
            instance=instance,
            migration_type=Migration.Type.RESIZE if flavor_ref is not None else Migration.Type.MIGRATION,
            source_compute=instance.host,
            source_node=instance.node,
            old_flavor=dict(instance.flavor),
            new_flavor=new_flavor,
            power_on=instance.vm_state == VmState.ACTIVE,
            request_id=request_id,
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


def console_output(ctx: RequestContext, server_id: str, length: int | None) -> str:
    """Ask the server's host for its console (a synchronous call with a timeout)."""
    instance = get_instance(ctx, server_id)
    if not allowed("os-getConsoleOutput", instance.vm_state, instance.task_state) or not instance.host:
        raise _state_conflict("get_console_output", instance)
    if not host_is_up(instance.host):
        raise Conflict(f"Compute host {instance.host} is not available to answer for instance {instance.uuid}")
    timeout = settings.CONSOLE_OUTPUT_TIMEOUT
    try:
        reply = rpc.call(
            names.compute_queue(instance.host), "compute.get_console_output", timeout, instance_uuid=str(instance.uuid),
            length=length,
        )  # fmt: skip
    except ReplyTimeout as exc:
        raise GatewayTimeout(f"Compute host {instance.host} did not answer within {timeout:g} s") from exc
    except Exception as exc:
        raise ServiceUnavailable(f"Could not ask compute host {instance.host}: {exc}") from exc
    if "error" in reply:
        raise Conflict(f"Console output of instance {instance.uuid} is not available: {reply['error']}")
    return reply["output"]


def evacuate(ctx: RequestContext, server_id: str, host: str | None, request_id: str) -> None:
    """Admin only: rebuild a server whose host is down on another host, through the scheduler."""
    policy.enforce(ctx, "os_compute_api:os-evacuate")
    with transaction.atomic():
        instance = get_instance(ctx, server_id, for_update=True)
        if instance.task_state is not None or instance.vm_state not in (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR):
            raise _state_conflict("evacuate", instance)
        if not instance.host:
            raise Conflict(f"Instance {instance.uuid} has no host to evacuate from")
        if host_is_up(instance.host):
            raise BadRequest(f"Compute service of {instance.host} is still in use.")
        if host == instance.host:
            raise BadRequest("The target host can't be the same one.")
        spec = {k: v for k, v in instance.request_spec.items() if k not in ("force_host", "force_node")}
        if host:
            spec["force_host"] = host
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
