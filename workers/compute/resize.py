"""Resize and cold migration, each step on the host that owns it, each reported to the conductor.

source: resize_instance -> (conductor) -> destination: finish_resize -> (conductor) -> VERIFY_RESIZE
confirm: source confirm_resize -> conductor frees the source claim
revert:  destination revert_resize -> (conductor) -> source finish_revert_resize -> conductor
"""

import logging

from workers.compute.app import app
from workers.compute.manager import conductor, current_power_state, event, get_driver, instance_lock, now

LOG = logging.getLogger(__name__)


def _step(task: str, event_name: str, instance: dict, migration: dict, request_id, work) -> None:
    """Run one step on the driver and report ``task`` (or ``conductor.resize_failed``)."""
    start = now()
    uuid = instance["uuid"]
    with instance_lock(uuid):
        try:
            work(get_driver())
        except Exception as exc:
            LOG.warning("%s of %s failed: %s", event_name, uuid, exc)
            conductor(
                "conductor.resize_failed",
                instance_uuid=uuid,
                migration_id=migration["id"],
                step=event_name,
                reason=str(exc) or type(exc).__name__,
                event=event(event_name, start, exc),
                request_id=request_id,
            )
            return
        conductor(
            task,
            instance_uuid=uuid,
            migration_id=migration["id"],
            power_state=current_power_state(uuid),
            event=event(event_name, start),
            request_id=request_id,
        )


@app.task(name="compute.resize_instance")
def resize_instance(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Source: power off and hand the disk over."""
    _step(
        "conductor.resize_migrated", "compute_resize_instance", instance, migration, request_id,
        lambda driver: driver.migrate_disk_and_power_off(instance, migration),
    )  # fmt: skip


@app.task(name="compute.finish_resize")
def finish_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Destination: bring the guest up with the new flavor (powered on if it was running)."""
    _step(
        "conductor.resize_finished", "compute_finish_resize", instance, migration, request_id,
        lambda driver: driver.finish_migration(instance, migration, migration["power_on"]),
    )  # fmt: skip


@app.task(name="compute.confirm_resize")
def confirm_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Source: drop what was kept for a revert."""
    _step(
        "conductor.resize_confirmed", "compute_confirm_resize", instance, migration, request_id,
        lambda driver: driver.confirm_migration(instance, migration),
    )  # fmt: skip


@app.task(name="compute.revert_resize")
def revert_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Destination: remove the resized guest."""
    _step(
        "conductor.resize_reverted_dest", "compute_revert_resize", instance, migration, request_id,
        lambda driver: driver.revert_migration_dest(instance, migration),
    )  # fmt: skip


@app.task(name="compute.finish_revert_resize")
def finish_revert_resize(instance: dict, migration: dict, request_id: str | None = None) -> None:
    """Source: bring the guest back with its old flavor."""
    _step(
        "conductor.resize_reverted", "compute_finish_revert_resize", instance, migration, request_id,
        lambda driver: driver.finish_revert_migration(instance, migration, migration["power_on"]),
    )  # fmt: skip
