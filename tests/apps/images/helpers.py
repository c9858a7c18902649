"""Requests the image tests send, as openstackclient sends them."""

import json

from apps.images.api.base import JSON_PATCH

BASE = "/image/v2"


def create(client, **body):
    return client.post(f"{BASE}/images", json.dumps(body), content_type="application/json")


def upload(client, image_id, data: bytes, content_type="application/octet-stream"):
    return client.put(f"{BASE}/images/{image_id}/file", data, content_type=content_type)


def patch(client, image_id, operations, content_type=JSON_PATCH):
    return client.patch(f"{BASE}/images/{image_id}", json.dumps(operations), content_type=content_type)


def show(client, image_id):
    return client.get(f"{BASE}/images/{image_id}")


def listing(client, query: str = ""):
    return client.get(f"{BASE}/images{query}")


def names(response) -> list[str]:
    return [image["name"] for image in response.json()["images"]]
