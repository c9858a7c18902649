"""Power operations and rebuild: each drives the hypervisor and reports the result with one
``conductor.instance_update`` carrying the operation's task id."""

import logging
from collections.abc import Callable

from celery import shared_task

from drivers.base import ComputeDriver
from workers.compute.node import current
from workers.compute.outcome import Report, perform

LOG = logging.getLogger(__name__)


def operate(
    instance: dict,
    request_id: str | None,
    event_name: str,
    task_state: str,
    work: Callable[[ComputeDriver], None],
    vm_state: str,
    failed_vm_state: str | None = None,
) -> bool:
    """Run ``work`` and report ``vm_state`` (on failure ``failed_vm_state``, or the vm_state as it
    was) with the guest's power state and the task_state cleared."""
    uuid = instance["uuid"]

    def update(state: str | None) -> Report:
        updates = {"task_state": None, "power_state": current().power_state(uuid)}
        if state:
            updates["vm_state"] = state
        fields = {"instance_uuid": uuid, "expected_task_state": task_state, "task_id": instance.get("task_id"),
                  "updates": updates}  # fmt: skip
        return Report("conductor.instance_update", fields)

    return perform(
        instance_uuid=uuid,
        event_name=event_name,
        request_id=request_id,
        work=work,
        succeeded=lambda _: update(vm_state),
        failed=lambda _: update(failed_vm_state),
    )


@shared_task(name="compute.stop_instance")
def stop_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_stop_instance", "powering-off", lambda d: d.power_off(instance), "stopped")


@shared_task(name="compute.start_instance")
def start_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_start_instance", "powering-on", lambda d: d.power_on(instance), "active")


@shared_task(name="compute.reboot_instance")
def reboot_instance(instance: dict, reboot_type: str, request_id: str | None = None) -> None:
    task_state = "rebooting_hard" if reboot_type == "HARD" else "rebooting"
    operate(instance, request_id, "compute_reboot_instance", task_state, lambda d: d.reboot(instance, reboot_type),
            "active")  # fmt: skip


@shared_task(name="compute.pause_instance")
def pause_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_pause_instance", "pausing", lambda d: d.pause(instance), "paused")


@shared_task(name="compute.unpause_instance")
def unpause_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_unpause_instance", "unpausing", lambda d: d.unpause(instance), "active")


@shared_task(name="compute.suspend_instance")
def suspend_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_suspend_instance", "suspending", lambda d: d.suspend(instance), "suspended")


@shared_task(name="compute.resume_instance")
def resume_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_resume_instance", "resuming", lambda d: d.resume(instance), "active")


@shared_task(name="compute.rebuild_instance")
def rebuild_instance(instance: dict, power_on: bool, request_id: str | None = None) -> None:
    """Rebuild from ``instance["image"]``; a stopped server stays stopped; a failure leaves ERROR."""
    operate(instance, request_id, "compute_rebuild_instance", "rebuilding", lambda d: d.rebuild(instance, power_on),
            "active" if power_on else "stopped", failed_vm_state="error")  # fmt: skip


@shared_task(name="compute.soft_delete_instance")
def soft_delete_instance(instance: dict, request_id: str | None = None) -> None:
    """A deferred delete: the guest is powered off and kept, with its disks, until restored or reclaimed."""
    operate(instance, request_id, "compute_soft_delete_instance", "soft-deleting", lambda d: d.power_off(instance),
            "soft-delete")  # fmt: skip


@shared_task(name="compute.restore_instance")
def restore_instance(instance: dict, request_id: str | None = None) -> None:
    operate(instance, request_id, "compute_restore_instance", "restoring", lambda d: d.power_on(instance), "active")


@shared_task(name="compute.inject_network_info")
def inject_network_info(instance: dict, request_id: str | None = None) -> None:
    """Nothing to report: the guest's state does not change."""
    try:
        current().driver.inject_network_info(instance)
    except Exception:
        LOG.exception("could not inject network info into %s", instance.get("uuid"))
