"""Resize and cold migration, each step on the host that owns it, each reported to the conductor.

source: resize_instance -> (conductor) -> destination: finish_resize -> (conductor) -> VERIFY_RESIZE
confirm: source confirm_resize -> conductor frees the source claim
revert:  destination revert_resize -> (conductor) -> source finish_revert_resize -> conductor
"""

from collections.abc import Callable

from celery import shared_task

from drivers.base import ComputeDriver
from workers.compute.node import current
from workers.compute.outcome import Report, perform


def step(
    task: str, event_name: str, instance: dict, migration: dict, request_id, work: Callable[[ComputeDriver], None]
):
    """Run one step on the driver and report ``task`` (or ``conductor.resize_failed``)."""
    uuid = instance["uuid"]
    fields = {"instance_uuid": uuid, "migration_id": migration["id"]}
    perform(
        instance_uuid=uuid,
        event_name=event_name,
        request_id=request_id,
        work=work,
        succeeded=lambda _: Report(task, {**fields, "power_state": current().power_state(uuid)}),
        failed=lambda _: Report("conductor.resize_failed", fields),
    )


@shared_task(name="compute.resize_instance")
def resize_instance(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Source: power off and hand the disk over."""
    step("conductor.resize_migrated", "compute_resize_instance", instance, migration, request_id,
         lambda driver: driver.migrate_disk_and_power_off(instance, migration))  # fmt: skip


@shared_task(name="compute.finish_resize")
def finish_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Destination: bring the guest up with the new flavor (powered on if it was running)."""
    step("conductor.resize_finished", "compute_finish_resize", instance, migration, request_id,
         lambda driver: driver.finish_migration(instance, migration, migration["power_on"]))  # fmt: skip


@shared_task(name="compute.confirm_resize")
def confirm_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Source: drop what was kept for a revert."""
    step("conductor.resize_confirmed", "compute_confirm_resize", instance, migration, request_id,
         lambda driver: driver.confirm_migration(instance, migration))  # fmt: skip


@shared_task(name="compute.revert_resize")
def revert_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Destination: remove the resized guest."""
    step("conductor.resize_reverted_dest", "compute_revert_resize", instance, migration, request_id,
         lambda driver: driver.revert_migration_dest(instance, migration))  # fmt: skip


@shared_task(name="compute.finish_revert_resize")
def finish_revert_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Source: bring the guest back with its old flavor."""
    step("conductor.resize_reverted", "compute_finish_revert_resize", instance, migration, request_id,
         lambda driver: driver.finish_revert_migration(instance, migration, migration["power_on"]))  # fmt: skip
