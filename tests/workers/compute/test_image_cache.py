"""Image pre-caching on a host (``compute.cache_images``, asked by aggregate at 2.81): each image is
fetched into the driver's image cache once; nothing is reported to the conductor."""

import re

from drivers.base import ComputeDriver
from drivers.fake import FakeDriver
from tests.fixtures.compute import instance_payload
from workers.compute import build, images

DEMO = {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "name": "demo", "disk_format": "raw"}
OTHER = {"id": "0b8c7d43-51c9-4c9f-9a1e-0c5c6b7e2f10", "name": "other", "disk_format": "raw"}


def test_images_are_cached_once_and_nothing_is_reported(compute_node):
    assert images.cache_images([DEMO, OTHER], request_id="req-1") == {DEMO["id"]: "cached", OTHER["id"]: "cached"}
    assert images.cache_images([DEMO]) == {DEMO["id"]: "existing"}
    assert set(compute_node.driver.cached_images) == {DEMO["id"], OTHER["id"]}
    assert compute_node.take() == []  # fire and forget: no conductor task


def test_an_image_a_boot_used_is_already_cached(compute_node):
    build.build_and_run_instance(instance_payload(image=DEMO), attempt_id="a-1")
    compute_node.take()

    assert images.cache_images([DEMO]) == {DEMO["id"]: "existing"}


def test_one_failure_does_not_stop_the_others(compute_node):
    compute_node.driver.fail_ops = re.compile("^cache_image:demo$")

    assert images.cache_images([DEMO, OTHER]) == {DEMO["id"]: "error", OTHER["id"]: "cached"}
    assert set(compute_node.driver.cached_images) == {OTHER["id"]}


class NoCacheDriver(FakeDriver):
    cache_image = ComputeDriver.cache_image  # the contract's default: no image cache


def test_a_driver_without_an_image_cache_says_unsupported(compute_node):
    compute_node._driver = NoCacheDriver("node1", {})

    assert images.cache_images([DEMO]) == {DEMO["id"]: "unsupported"}
