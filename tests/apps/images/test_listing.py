"""``GET /v2/images``: visibility, filters, sorting and marker paging with ``next`` links."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from apps.images.models import Image, ImageTag
from tests.apps.images.helpers import BASE, listing, names
from tests.fixtures.factories import client_for, make_image, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(member):
    """Images of several kinds, created a minute apart (oldest first: a, b, c, ...)."""
    other = make_user().default_project
    mine = member.default_project
    start = timezone.now() - timedelta(hours=1)
    specs = [
        ("a", mine, "private", "raw", 100),
        ("b", mine, "shared", "qcow2", 300),
        ("c", other, "public", "raw", 200),
        ("d", other, "private", "raw", 50),
        ("e", other, "community", "qcow2", 10),
        ("f", mine, "public", "iso", None),
    ]
    images = {}
    for index, (name, owner, visibility, disk_format, size) in enumerate(specs):
        image = make_image(name, owner=owner, visibility=visibility, disk_format=disk_format)
        Image.objects.filter(pk=image.pk).update(created_at=start + timedelta(minutes=index), size=size)
        images[name] = image
    ImageTag.objects.create(image=images["a"], value="blue")
    ImageTag.objects.create(image=images["a"], value="red")
    ImageTag.objects.create(image=images["c"], value="blue")
    Image.objects.filter(pk=images["b"].pk).update(properties={"hw_disk_bus": "scsi", "os.distro": "debian"})
    make_image("gone", owner=mine, status="deleted")
    make_image("hidden", owner=mine, os_hidden=True)
    return images


def test_the_default_listing_is_public_images_and_the_projects_own_newest_first(member_client, catalog):
    response = listing(member_client)

    assert response.status_code == 200
    body = response.json()
    assert names(response) == ["f", "c", "b", "a"]
    assert body["first"] == "/v2/images" and body["schema"] == "/v2/schemas/images" and "next" not in body
    assert response["x-openstack-request-id"].startswith("req-")


def test_an_admin_lists_every_image(admin_client, catalog):
    assert names(listing(admin_client)) == ["f", "e", "d", "c", "b", "a"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?visibility=all", ["f", "e", "c", "b", "a"]),
        ("?visibility=community", ["e"]),
        ("?visibility=public", ["f", "c"]),
        ("?visibility=private", ["a"]),
        ("?visibility=shared", ["b"]),
        ("?name=c", ["c"]),
        ('?name=in:a,"c"', ["c", "a"]),
        ("?status=active", ["f", "c", "b", "a"]),
        ("?status=queued", []),
        ("?disk_format=raw", ["c", "a"]),
        ("?disk_format=qcow2&visibility=all", ["e", "b"]),
        ("?container_format=bare&name=a", ["a"]),
        ("?tag=blue", ["c", "a"]),
        ("?tag=blue&tag=red", ["a"]),
        ("?member_status=accepted", ["f", "c", "b", "a"]),
        ("?size_min=100&size_max=250", ["c", "a"]),
        ("?hw_disk_bus=scsi", ["b"]),
        ("?os.distro=debian", ["b"]),
        ("?os_hidden=true", ["hidden"]),
    ],
)
def test_filters(member_client, catalog, query, expected):
    response = listing(member_client, query)

    assert response.status_code == 200, response.content
    assert names(response) == expected


def test_the_owner_filter(member_client, member, catalog):
    assert names(listing(member_client, f"?owner={member.default_project.id}")) == ["f", "b", "a"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?sort_key=name&sort_dir=asc", ["a", "b", "c", "f"]),
        ("?sort_key=name", ["f", "c", "b", "a"]),
        ("?sort=name:asc", ["a", "b", "c", "f"]),
        ("?sort=disk_format:asc,name:desc", ["f", "b", "c", "a"]),
        ("?sort_key=disk_format&sort_key=name&sort_dir=asc&sort_dir=desc", ["f", "b", "c", "a"]),
        ("?sort_key=size&sort_dir=asc", ["f", "a", "c", "b"]),
        ("?sort_dir=asc", ["a", "b", "c", "f"]),
    ],
)
def test_sorting(member_client, catalog, query, expected):
    assert names(listing(member_client, query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "?sort_key=bogus",
        "?sort_dir=sideways",
        "?sort=name:up",
        "?sort=name&sort_key=name",
        "?sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc",
        "?limit=-1",
        "?limit=many",
        "?marker=not-an-image",
        "?visibility=everyone",
        "?status=ACTIVE",
        "?size_min=big",
        "?created_at=gt:yesterday",
    ],
)
def test_bad_queries_are_400(member_client, catalog, query):
    assert listing(member_client, query).status_code == 400


def test_paging_follows_next_links_to_the_end(member_client, catalog):
    seen, url, pages = [], f"{BASE}/images?limit=2&sort_key=name&sort_dir=asc", 0
    while url:
        body = member_client.get(url).json()
        seen += [image["name"] for image in body["images"]]
        pages += 1
        next_link = body.get("next")
        if next_link:
            assert next_link.startswith("/v2/images?")
            query = parse_qs(urlparse(next_link).query)
            assert query["limit"] == ["2"] and query["sort_key"] == ["name"] and query["marker"]
            assert body["first"] == "/v2/images?limit=2&sort_key=name&sort_dir=asc"
        url = f"/image{next_link}" if next_link else None

    assert seen == ["a", "b", "c", "f"]
    assert pages == 2


def test_paging_with_the_default_order_and_equal_timestamps(member_client, member):
    when = timezone.now()
    for index in range(7):
        image = make_image(f"img{index}", owner=member.default_project, visibility="private")
        Image.objects.filter(pk=image.pk).update(created_at=when)
    seen, url = [], f"{BASE}/images?limit=3"
    while url:
        body = member_client.get(url).json()
        seen += [image["name"] for image in body["images"]]
        url = f"/image{body['next']}" if "next" in body else None

    assert sorted(seen) == [f"img{index}" for index in range(7)]
    assert len(seen) == 7


def test_a_marker_of_an_invisible_image_is_400(member_client, catalog):
    assert listing(member_client, f"?marker={catalog['d'].id}").status_code == 400
    assert listing(member_client, f"?marker={catalog['e'].id}&visibility=all").status_code == 200


def test_the_default_page_is_25_and_a_limit_is_capped(member_client, member, settings):
    for index in range(27):
        make_image(f"img{index}", owner=member.default_project, visibility="private")
    settings.IMAGE_API_LIMIT_MAX = 5

    body = listing(member_client).json()
    assert len(body["images"]) == 5 and "next" in body
    settings.IMAGE_API_LIMIT_MAX = 1000
    body = listing(member_client).json()
    assert len(body["images"]) == 25 and "next" in body


def test_time_filters(member_client, catalog):
    cutoff = (timezone.now() - timedelta(hours=1) + timedelta(minutes=2, seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert names(listing(member_client, f"?created_at=gt:{cutoff}")) == ["f"]
    assert names(listing(member_client, f"?created_at=lte:{cutoff}")) == ["c", "b", "a"]


def test_another_project_sees_only_its_own_and_public_images(catalog):
    other_member = client_for(make_user(project=catalog["d"].owner))

    assert names(listing(other_member)) == ["f", "e", "d", "c"]
