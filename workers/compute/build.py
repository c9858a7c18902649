"""Building and destroying instances."""

from celery import shared_task

from workers.compute.outcome import Report, now, perform


@shared_task(name="compute.build_and_run_instance")
def build_and_run_instance(instance: dict, attempt_id: str, request_id: str | None = None) -> None:
    """Spawn ``instance`` and report ACTIVE, or report the failure so the conductor reschedules."""
    uuid = instance["uuid"]

    def spawn(driver) -> int:
        if uuid not in driver.list_instances():  # a redelivered build finds it already there
            driver.spawn(instance)
        return driver.get_info(uuid).power_state

    def built(power: int) -> Report:
        updates = {"vm_state": "active", "task_state": None, "power_state": power, "launched_at": now()}
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
