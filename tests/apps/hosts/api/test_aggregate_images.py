"""``POST /os-aggregates/{id}/images`` (2.81): Nova's checks, then each host of the aggregate that
is up is asked to cache the images (a cast, fire and forget); and the aggregate and zone reads
refuse query parameters from 2.102."""

import uuid

import pytest

from apps.hosts.models import Aggregate, AggregateHost
from tests.fixtures.factories import client_for, make_image, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def aggregate(db):
    make_node("node1")
    make_node("node2")
    make_node("asleep", up=False)
    make_node("outside")
    aggregate = Aggregate.objects.create(name="fast")
    for host in ("node1", "node2", "asleep"):
        AggregateHost.objects.create(aggregate=aggregate, host=host)
    return aggregate


def cache(user, aggregate_id, body, version="2.81"):
    return client_for(user, f"compute {version}").post(f"/v2.1/os-aggregates/{aggregate_id}/images", body,
                                                         format="json")  # fmt: skip


def test_the_hosts_that_are_up_are_asked_to_cache_the_images(admin_user, aggregate, image, casts):
    other = make_image("other")

    response = cache(admin_user, aggregate.pk, {"cache": [{"id": str(image.id)}, {"id": str(other.id)}]})

    assert response.status_code == 202 and response.content == b""
    for host in ("node1", "node2"):
        [(task, kwargs)] = casts(f"compute.{host}")
        assert task == "compute.cache_images"
        assert [i["id"] for i in kwargs["images"]] == [str(image.id), str(other.id)]
        assert kwargs["images"][0]["checksum"] == image.checksum  # what the host checks the download against
    assert casts("compute.asleep") == [] and casts("compute.outside") == []


@pytest.mark.parametrize(
    ("body", "aggregate_id", "status", "message"),
    [
        ({"cache": [{"id": "IMAGE"}, {"id": "IMAGE"}]}, None, 400, "Duplicate images in request"),
        ({"cache": [{"id": "00000000-0000-0000-0000-000000000000"}]}, None, 400,
         "Image 00000000-0000-0000-0000-000000000000 could not be found."),
        ({"cache": [{"id": "IMAGE"}]}, "999999", 404, "Aggregate 999999 could not be found."),
        ({"cache": [{"id": "IMAGE"}]}, "abc", 400, "Invalid input received: id must be an integer"),
        ({"cache": []}, None, 400, None),
        ({"cache": [{"id": "not-a-uuid"}]}, None, 400, None),
        ({"cache": [{"id": "IMAGE", "name": "x"}]}, None, 400, None),
        ({"images": []}, None, 400, None),
    ],
)  # fmt: skip
def test_nova_checks(admin_user, aggregate, image, casts, body, aggregate_id, status, message):
    body = {"cache": [{k: str(image.id) if v == "IMAGE" else v for k, v in item.items()} for item in body["cache"]]} \
        if "cache" in body else body  # fmt: skip

    response = cache(admin_user, aggregate_id or aggregate.pk, body)

    assert response.status_code == status, response.content
    if message:
        assert next(iter(response.json().values()))["message"] == message
    assert casts.sent == []


def test_admins_only_and_from_2_81(member, admin_user, aggregate, image, casts):
    body = {"cache": [{"id": str(image.id)}]}
    assert cache(member, aggregate.pk, body).status_code == 403
    assert cache(admin_user, aggregate.pk, body, "2.80").status_code == 404
    assert casts.sent == []


def test_reads_refuse_query_parameters_from_2_102(admin_user, aggregate):
    for path in ("/v2.1/os-aggregates", f"/v2.1/os-aggregates/{aggregate.pk}", "/v2.1/os-availability-zone",
                 "/v2.1/os-availability-zone/detail"):  # fmt: skip
        assert client_for(admin_user, "compute 2.101").get(f"{path}?x={uuid.uuid4()}").status_code == 200, path
        refused = client_for(admin_user, "compute 2.102").get(f"{path}?x=1")
        assert refused.status_code == 400 and "x" in refused.json()["badRequest"]["message"], path
