"""Snapshots: the root disk written into the image store, its figures reported for the conductor
to check against what it reads there itself."""

import hashlib

from celery import shared_task

from workers.compute.node import current
from workers.compute.outcome import Report, perform


def file_digests(path) -> dict:
    """Size and checksums as the image API reports them, read in chunks (disks are large)."""
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
    return {"size": size, "checksum": md5.hexdigest(), "os_hash_algo": "sha512", "os_hash_value": sha512.hexdigest()}


@shared_task(name="compute.snapshot_instance")
def snapshot_instance(instance: dict, image_id: str, request_id: str | None = None) -> None:
    """Write the root disk to ``IMAGES_PATH/<image id>`` and report its size and checksums."""
    uuid = instance["uuid"]
    path = current().config.images_path / image_id
    report = {"instance_uuid": uuid, "image_id": image_id, "task_id": instance.get("task_id")}

    def write(driver) -> dict:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            driver.snapshot(instance, str(path))
            return file_digests(path)
        except Exception:
            path.unlink(missing_ok=True)
            raise

    perform(
        instance_uuid=uuid,
        event_name="compute_snapshot_instance",
        request_id=request_id,
        work=write,
        succeeded=lambda figures: Report("conductor.snapshot_done", {**report, "image_file": figures}),
        failed=lambda _: Report("conductor.snapshot_done", report),
    )
