"""Version discovery and the schemas openstackclient reads."""

import pytest
from rest_framework.test import APIClient

from tests.apps.images.helpers import BASE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path, code", [("/image", 300), ("/image/", 300), ("/image/v2", 300), ("/image/v2/", 300), ("/image/versions", 200)]
)
def test_version_documents_need_no_token(path, code):
    response = APIClient().get(path)

    assert response.status_code == code
    versions = response.json()["versions"]
    assert versions[0] == {
        "id": "v2.16",
        "status": "CURRENT",
        "links": [{"rel": "self", "href": "http://testserver/image/v2/"}],
    }
    assert {version["status"] for version in versions[1:]} == {"SUPPORTED"}
    assert versions[-1]["id"] == "v2.0"
    assert response["x-openstack-request-id"].startswith("req-")


def test_versions_follow_public_url(settings):
    settings.PUBLIC_URL = "https://cloud.example/"

    href = APIClient().get("/image").json()["versions"][0]["links"][0]["href"]

    assert href == "https://cloud.example/image/v2/"


def test_the_image_schema_lists_standard_properties_and_allows_string_ones(member_client):
    response = member_client.get(f"{BASE}/schemas/image")

    assert response.status_code == 200
    schema = response.json()
    assert schema["name"] == "image"
    assert schema["additionalProperties"] == {"type": "string"}
    for name in ("id", "name", "status", "visibility", "protected", "checksum", "os_hash_algo", "os_hash_value",
                 "owner", "size", "virtual_size", "min_disk", "min_ram", "disk_format", "container_format",
                 "created_at", "updated_at", "tags", "file", "self", "schema"):  # fmt: skip
        assert name in schema["properties"], name
    assert schema["properties"]["status"]["readOnly"] is True
    assert "qcow2" in schema["properties"]["disk_format"]["enum"]
    assert {link["rel"] for link in schema["links"]} == {"self", "enclosure", "describedby"}


def test_the_images_schema_wraps_the_image_schema(member_client):
    schema = member_client.get(f"{BASE}/schemas/images").json()

    assert schema["name"] == "images"
    assert schema["properties"]["images"]["items"]["name"] == "image"
    assert set(schema["properties"]) == {"images", "schema", "first", "next"}


def test_clients_that_accept_nothing_in_particular_get_json(member_client):
    response = member_client.get(f"{BASE}/images", HTTP_ACCEPT="")
    assert response.status_code == 200 and response.json()["images"] == []

    response = member_client.get(f"{BASE}/images/nonexistent", HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 404 and "itemNotFound" in response.json()
