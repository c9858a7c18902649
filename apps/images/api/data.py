"""``/v2/images/<id>/file``: upload (PUT) and download (GET) of image data, streamed both ways.

An upload moves the image ``queued`` -> ``saving`` with a conditional UPDATE (so a second upload
is a 409), streams the request body into the store while computing its size, MD5 and SHA-512, and
moves it ``saving`` -> ``active``. If anything fails on the way (the client goes, the body is
shorter than announced, the store is full) the store keeps nothing and the image is ``queued``
again, as in Glance. An image deleted while its data was uploading loses that data (410).
"""

import logging

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.response import Response

from apps.common.exceptions import BadRequest, Conflict, NotFound
from apps.identity.auth import request_context
from apps.images.api.base import GlanceView, Gone, OctetStreamParser, RequestTooLarge, get_image, require_owner
from apps.images.models import Image
from apps.images.store import StoreFull, UnsafePath, get_store

LOG = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024


class UploadInterrupted(Exception):
    """The request body could not be read to its end."""


class UploadTooLarge(Exception):
    """The request body is larger than ``IMAGE_SIZE_CAP``."""


def size_cap() -> int:
    return getattr(settings, "IMAGE_SIZE_CAP", 1 << 40)  # Glance's default: 1 TiB


def request_chunks(request, cap: int):
    """The raw request body, chunk by chunk, never all in memory.

    With a Content-Length, DRF's ``request.stream`` (None for an empty body) and exactly that many
    bytes; with chunked transfer encoding (no Content-Length), the server's decoded ``wsgi.input``.
    """
    meta = request.META
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower() and not meta.get("CONTENT_LENGTH")
    if chunked:
        source, expected = meta.get("wsgi.input"), None
    else:
        source = request.stream
        try:
            expected = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise UploadInterrupted("invalid Content-Length") from None
    received = 0
    while source is not None:
        try:
            chunk = source.read(CHUNK_SIZE)
        except OSError as exc:  # includes Django's UnreadablePostError: the client went away
            raise UploadInterrupted(str(exc)) from exc
        if not chunk:
            break
        received += len(chunk)
        if received > cap:
            raise UploadTooLarge
        yield chunk
    if expected is not None and received != expected:
        raise UploadInterrupted(f"received {received} of {expected} bytes")


def _requeue(image: Image) -> None:
    Image.objects.filter(pk=image.pk, status=Image.Status.SAVING).update(
        status=Image.Status.QUEUED, updated_at=timezone.now()
    )


class ImageFileView(GlanceView):
    """Upload (PUT, ``application/octet-stream``) or download (GET) an image's data."""

    parser_classes = [OctetStreamParser]

    def put(self, request, image_id):
        ctx = request_context(request)
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type != OctetStreamParser.media_type:
            raise UnsupportedMediaType(media_type or "none")
        image = get_image(ctx, image_id)
        require_owner(ctx, image, "upload_image")
        moved = Image.objects.filter(pk=image.pk, status=Image.Status.QUEUED).update(
            status=Image.Status.SAVING, updated_at=timezone.now()
        )
        if not moved:
            status = Image.objects.filter(pk=image.pk).values_list("status", flat=True).first() or "deleted"
            raise Conflict(f"Image status transition from {status} to saving is not allowed")
        store = get_store()
        try:
            stored = store.put(str(image.id), request_chunks(request, size_cap()))
        except UploadTooLarge:
            _requeue(image)
            raise RequestTooLarge(f"Image exceeds the storage quota: at most {size_cap()} bytes.") from None
        except UploadInterrupted as exc:
            _requeue(image)
            raise BadRequest(f"Error reading the image data from the request: {exc}") from None
        except StoreFull:
            _requeue(image)
            raise RequestTooLarge("Image storage media is full.") from None
        except BaseException:
            _requeue(image)
            raise
        activated = Image.objects.filter(pk=image.pk, status=Image.Status.SAVING).update(
            status=Image.Status.ACTIVE, updated_at=timezone.now(), **stored.image_fields()
        )
        if not activated:
            store.delete(stored.path)
            raise Gone(
                f"Image {image.id} could not be found after upload. The image may have been deleted during the upload."
            )
        return Response(status=204)

    def get(self, request, image_id):
        image = get_image(request_context(request), image_id)
        if image.status != Image.Status.ACTIVE or not image.file_path:
            return Response(status=204)
        try:
            handle = get_store().open(image.file_path)
        except UnsafePath:
            LOG.error("image %s names data outside the image store: %s", image.id, image.file_path)
            raise NotFound(f"Image data for image {image.id} could not be found.") from None
        except FileNotFoundError:
            raise NotFound(f"Image data for image {image.id} could not be found.") from None
        response = FileResponse(handle, content_type="application/octet-stream")
        if image.checksum:
            response["Content-MD5"] = image.checksum
        return response
