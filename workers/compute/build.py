"""Building, destroying, rebuilding and snapshotting instances."""

import hashlib
import logging
import os
from pathlib import Path

from workers.compute.app import app
from workers.compute.manager import (
    HOST,
    conductor,
    event,
    get_driver,
    instance_lock,
    now,
    run_operation,
)

LOG = logging.getLogger(__name__)


@app.task(name="compute.build_and_run_instance")
def build_and_run_instance(instance: dict, attempt_id: str, request_id: str | None = None) -> None:
    """Spawn ``instance`` and report ACTIVE, or report the failure so the conductor reschedules."""
    start = now()
    uuid = instance["uuid"]
    with instance_lock(uuid):
        try:
            driver = get_driver()
            if uuid not in driver.list_instances():  # a redelivered build finds it already there
                driver.spawn(instance)
            power = driver.get_info(uuid).power_state
        except Exception as exc:
            LOG.warning("build of %s failed on %s: %s", uuid, HOST, exc)
            conductor(
                "conductor.build_failed",
                instance_uuid=uuid,
                attempt_id=attempt_id,
                reason=str(exc) or type(exc).__name__,
                event=event("compute_build_and_run_instance", start, exc),
                request_id=request_id,
            )
            return
        conductor(
            "conductor.instance_update",
            instance_uuid=uuid,
            attempt_id=attempt_id,
            expected_task_state="spawning",
            updates={"vm_state": "active", "task_state": None, "power_state": power, "launched_at": now()},
            event=event("compute_build_and_run_instance", start),
            request_id=request_id,
        )


@app.task(name="compute.terminate_instance")
def terminate_instance(instance_uuid: str, request_id: str | None = None) -> None:
    """Destroy the instance on this host (idempotent) and tell the conductor it is gone."""
    start = now()
    with instance_lock(instance_uuid):
        try:
            get_driver().destroy(instance_uuid)
        except Exception as exc:
            LOG.exception("destroy of %s failed on %s", instance_uuid, HOST)
            conductor(
                "conductor.instance_update",
                instance_uuid=instance_uuid,
                expected_task_state="deleting",
                updates={"vm_state": "error", "task_state": None},
                event=event("compute_terminate_instance", start, exc),
                fault=str(exc) or type(exc).__name__,
                request_id=request_id,
            )
            return
    conductor(
        "conductor.instance_deleted",
        instance_uuid=instance_uuid,
        event=event("compute_terminate_instance", start),
        request_id=request_id,
    )


@app.task(name="compute.rebuild_instance")
def rebuild_instance(instance: dict, power_on: bool, request_id: str | None = None) -> None:
    """Rebuild from ``instance["image"]``; a stopped server stays stopped."""
    run_operation(
        instance,
        request_id,
        "compute_rebuild_instance",
        "rebuilding",
        lambda driver: driver.rebuild(instance, power_on),
        vm_state="active" if power_on else "stopped",
        failed_vm_state="error",
    )


def images_path() -> Path:
    default = Path(os.environ.get("CLOUDCORE_DATA_DIR", "var")) / "images"
    return Path(os.environ.get("IMAGES_PATH") or default)


def file_digests(path: Path) -> dict:
    """Size and checksums as the image API reports them, read in chunks (disks are large)."""
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
    return {"size": size, "checksum": md5.hexdigest(), "os_hash_algo": "sha512", "os_hash_value": sha512.hexdigest()}


@app.task(name="compute.snapshot_instance")
def snapshot_instance(instance: dict, image_id: str, request_id: str | None = None) -> None:
    """Write the root disk into the image store (as ``IMAGES_PATH/<image id>``) and report its size
    and checksums; the conductor reads the data itself to check them."""
    uuid = instance["uuid"]
    start = now()
    path = images_path() / image_id
    with instance_lock(uuid):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            get_driver().snapshot(instance, str(path))
            image_file = file_digests(path)
        except Exception as exc:
            LOG.warning("snapshot of %s failed on %s: %s", uuid, HOST, exc)
            path.unlink(missing_ok=True)
            conductor(
                "conductor.snapshot_done",
                instance_uuid=uuid,
                image_id=image_id,
                task_id=instance.get("task_id"),
                image_file=None,
                event=event("compute_snapshot_instance", start, exc),
                error=str(exc) or type(exc).__name__,
                request_id=request_id,
            )
            return
        conductor(
            "conductor.snapshot_done",
            instance_uuid=uuid,
            image_id=image_id,
            task_id=instance.get("task_id"),
            image_file=image_file,
            event=event("compute_snapshot_instance", start),
            request_id=request_id,
        )
