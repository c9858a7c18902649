"""Building and destroying instances."""

import logging

from celery import shared_task

from core.power_state import PowerState
from drivers.base import DriverError
from workers.compute.outcome import Report, now, perform

LOG = logging.getLogger(__name__)


@shared_task(name="compute.build_and_run_instance")
def build_and_run_instance(instance: dict, attempt_id: str, request_id: str | None = None) -> None:
    """Spawn ``instance`` and report ACTIVE (STOPPED when it is to be left stopped, as an evacuation
    at 2.95), or report the failure so the conductor reschedules."""
    uuid = instance["uuid"]

    def spawn(driver) -> int:
        if uuid not in driver.list_instances():  # a redelivered build finds it already there
            driver.spawn(instance)
        power = driver.get_info(uuid).power_state
        if instance.get("leave_stopped") and power != PowerState.SHUTDOWN:
            try:
                driver.power_off(instance)
            except DriverError as exc:  # the guest is built: report it running rather than fail the build
                LOG.warning("could not leave %s stopped after its build: %s", uuid, exc)
            power = driver.get_info(uuid).power_state
        return power

    def built(power: int) -> Report:
        stopped = instance.get("leave_stopped") and power == PowerState.SHUTDOWN
        updates = {"vm_state": "stopped" if stopped else "active", "task_state": None, "power_state": power,
                   "launched_at": now()}  # fmt: skip
        fields = {"instance_uuid": uuid, "attempt_id": attempt_id, "expected_task_state": "spawning",
                  "updates": updates}  # fmt: skip
        return Report("conductor.instance_update", fields)

    perform(
        instance_uuid=uuid,
        event_name="compute_build_and_run_instance",
        request_id=request_id,
        work=spawn,
        succeeded=built,
        failed=lambda _: Report("conductor.build_failed", {"instance_uuid": uuid, "attempt_id": attempt_id}),
    )


@shared_task(name="compute.terminate_instance")
def terminate_instance(instance_uuid: str, request_id: str | None = None) -> None:
    """Destroy the instance on this host (idempotent) and tell the conductor it is gone."""
    failed_update = {"vm_state": "error", "task_state": None}
    perform(
        instance_uuid=instance_uuid,
        event_name="compute_terminate_instance",
        request_id=request_id,
        work=lambda driver: driver.destroy(instance_uuid),
        succeeded=lambda _: Report("conductor.instance_deleted", {"instance_uuid": instance_uuid}),
        failed=lambda _: Report("conductor.instance_update", {"instance_uuid": instance_uuid,
                                                              "expected_task_state": "deleting",
                                                              "updates": failed_update}),
    )  # fmt: skip
