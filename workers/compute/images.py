"""Image pre-caching (Nova's ``cache_images``, asked by aggregate at microversion 2.81): fetch
images into this host's image cache now, so the boots that need them later skip the download.

Fire-and-forget, as in Nova: nothing is reported to the conductor (no instance changes); each
image's outcome is logged as Nova's compute manager records it: ``cached`` (fetched now),
``existing`` (already there), ``unsupported`` (the driver has no image cache) or ``error``.
"""

import logging

from celery import shared_task

from drivers.base import NotSupported
from workers.compute.node import current

LOG = logging.getLogger(__name__)


@shared_task(name="compute.cache_images")
def cache_images(images: list[dict], request_id: str | None = None) -> dict[str, str]:
    """Ask the driver to cache each image (a payload as a boot gets it); the outcome per image id."""
    node = current()
    results: dict[str, str] = {}
    LOG.info("caching %d image(s) by request %s", len(images), request_id)
    for image in images:
        image_id = str(image.get("id"))
        try:
            results[image_id] = "cached" if node.driver.cache_image(image) else "existing"
        except NotSupported:
            LOG.warning("the %s driver does not cache images; ignoring the request", type(node.driver).__name__)
            results[image_id] = "unsupported"
        except Exception as exc:  # one image's failure must not stop the others
            LOG.error("failed to cache image %s: %s", image_id, exc)
            results[image_id] = "error"
    LOG.info("image pre-cache on %s by request %s: %s", node.host, request_id, results)
    return results
