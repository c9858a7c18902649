"""What the conductor does with a host's snapshot report: check it against the image and the data
in the store, then activate the image (or drop it) and free the instance."""

from django.db import transaction
from django.utils import timezone

from apps.compute.audit import add_fault, record_event
from apps.compute.models import Instance
from apps.compute.states import TaskState
from apps.images.models import Image
from apps.images.store import UnsafePath, discard, get_store
from workers.conductor import trust
from workers.conductor.trust import Reason, Refused

# The figures of a snapshot a host reports; each must equal what the conductor reads in the store.
SNAPSHOT_FIGURES = ("size", "checksum", "os_hash_value")


def _snapshot_image(instance: Instance, image_id) -> Image:
    """The image, row-locked, if it was created for a snapshot of ``instance`` in its project."""
    image = Image.objects.select_for_update().filter(id=trust.uuid_text(image_id, "image_id")).first()
    if (
        image is None
        or image.owner_id != instance.project_id
        or (image.properties or {}).get("instance_uuid") != str(instance.uuid)
        or (image.properties or {}).get("image_type") != "snapshot"
    ):
        raise Refused(Reason.WRONG_IMAGE, f"image {image_id} is not a snapshot of {instance.uuid}")
    return image


def _activate(image: Image, image_file) -> None:
    """Read the data the host wrote for ``image`` and activate the image with the store's own figures."""
    store = get_store()
    try:
        stored, disk_format = store.describe(str(image.id))
    except (UnsafePath, FileNotFoundError) as exc:
        raise Refused(Reason.UNSAFE_DATA, f"the data of image {image.id}: {exc}") from None
    reported = image_file if isinstance(image_file, dict) else {}
    seen = {"size": stored.size, "checksum": stored.md5, "os_hash_value": stored.sha512}
    if any(reported.get(k) != seen[k] for k in SNAPSHOT_FIGURES) or reported.get("os_hash_algo") != "sha512":
        raise Refused(Reason.DATA_MISMATCH, f"the data of image {image.id} is not what the host reported")
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.ACTIVE, disk_format=disk_format, updated_at=timezone.now(), **stored.image_fields()
    )


@trust.host_report("snapshot_done")
def snapshot_done(
    host: str,
    instance_uuid: str,
    image_id: str,
    task_id: str,
    image_file: dict | None = None,
    fault: str | None = None,
    event: dict | None = None,
    request_id: str | None = None,
) -> None:
    """The host wrote (or failed to write) a snapshot: activate the image and free the instance.

    - ``host``, ``instance_uuid``, ``task_id``: the instance must be on ``host`` and in
      ``image_snapshot`` under operation ``task_id``.
    - ``image_id``: must be an image created for a snapshot of that instance (its ``instance_uuid``
      property) and owned by the instance's project.
    - ``image_file``: only ``size``, ``checksum`` and ``os_hash_value`` are read, and each must
      equal what the conductor reads itself from the store at ``path_for(image_id)``, which must be
      a plain file (no link, no second name of another file). A ``path`` in it is ignored, and so
      is ``disk_format``: the data's own header says which format it is.
    - ``fault``: bounded text; its presence makes the report a failure, which deletes the image and
      its data.
    - ``event``: as in ``instance_update``, recorded under ``compute_snapshot_instance``.
    - ``request_id``: as in ``instance_update``: kept only if it is one of the instance's actions'.
    An image deleted while the host wrote it stays deleted; its data is dropped.
    """
    instance = trust.instance_on_host(host, instance_uuid)
    trust.check_in_flight(instance, TaskState.IMAGE_SNAPSHOT, task_id=task_id)
    image = _snapshot_image(instance, image_id)
    request_id = trust.request_id_text(request_id)
    failed = fault is not None
    path = get_store().path_for(str(image.id))
    if image.status in (Image.Status.QUEUED, Image.Status.SAVING) and not failed:
        _activate(image, image_file)
    elif image.status in (Image.Status.QUEUED, Image.Status.SAVING):
        image.delete()
        transaction.on_commit(lambda: discard(path))
    elif image.status != Image.Status.ACTIVE:
        transaction.on_commit(lambda: discard(path))  # deleted while the host wrote it
    Instance.objects.filter(uuid=instance.uuid).update(task_state=None, updated_at=timezone.now())
    if failed:
        add_fault(instance.uuid, f"Snapshot failed: {trust.text(fault, 200)}", host=host)
    record_event(instance.uuid, request_id, trust.event(host, event, "compute_snapshot_instance", failed), finish=True)
