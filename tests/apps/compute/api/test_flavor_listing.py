"""Flavor lists as Nova serves them: minRam/minDisk, is_public, sorting, limit/marker paging with
``flavors_links``, and Nova's 400s for bad values."""

from urllib.parse import parse_qs, urlsplit

import pytest

from apps.compute.models import Flavor, FlavorAccess
from tests.fixtures.factories import make_flavor

pytestmark = pytest.mark.django_db


@pytest.fixture
def flavors(db):
    """Four public flavors, a private one and a disabled one."""
    made = {
        "1": make_flavor("1", "m1.tiny", vcpus=1, memory_mb=512, root_gb=1),
        "2": make_flavor("2", "m1.small", vcpus=1, memory_mb=2048, root_gb=20),
        "3": make_flavor("3", "m1.medium", vcpus=2, memory_mb=4096, root_gb=40),
        "4": make_flavor("4", "m1.large", vcpus=4, memory_mb=8192, root_gb=80),
        "p": make_flavor("p", "private", vcpus=1, memory_mb=1024, root_gb=10),
        "d": make_flavor("d", "disabled", vcpus=1, memory_mb=1024, root_gb=10),
    }
    Flavor.objects.filter(flavorid="p").update(is_public=False)
    Flavor.objects.filter(flavorid="d").update(disabled=True)
    return made


def ids(client, query="", detail=False):
    response = client.get(f"/v2.1/flavors{'/detail' if detail else ''}{query}")
    assert response.status_code == 200, response.content
    return [flavor["id"] for flavor in response.json()["flavors"]]


def bad(client, query) -> str:
    response = client.get(f"/v2.1/flavors{query}")
    assert response.status_code == 400, (query, response.content)
    return response.json()["badRequest"]["message"]


def test_min_ram_and_min_disk(member_client, flavors):
    assert ids(member_client, "?minRam=2048") == ["2", "3", "4"]
    assert ids(member_client, "?minDisk=40", detail=True) == ["3", "4"]
    assert ids(member_client, "?minRam=2048&minDisk=50") == ["4"]
    assert ids(member_client, "?minRam=-5") == ["1", "2", "3", "4"]


def test_a_member_sees_enabled_public_flavors_and_its_shared_ones_whatever_is_public_says(
    member_client, member, flavors
):
    assert ids(member_client) == ["1", "2", "3", "4"]
    assert ids(member_client, "?is_public=false") == ["1", "2", "3", "4"]  # not an admin's filter
    assert ids(member_client, "?is_public=bogus") == ["1", "2", "3", "4"]
    FlavorAccess.objects.create(flavor=flavors["p"], project_id=member.default_project_id)
    assert ids(member_client) == ["1", "2", "3", "4", "p"]
    assert member_client.get("/v2.1/flavors/d").status_code == 200  # shown, though never listed


def test_an_admin_chooses_with_is_public(admin_client, admin_user, flavors):
    assert ids(admin_client) == ["1", "2", "3", "4", "d"]  # public ones, the disabled one too
    for everything in ("none", "None", "NONE"):
        assert ids(admin_client, f"?is_public={everything}") == ["1", "2", "3", "4", "d", "p"]
    assert ids(admin_client, "?is_public=false") == ["p"]
    assert ids(admin_client, "?is_public=0") == ["p"]
    assert ids(admin_client, "?is_public=yes") == ["1", "2", "3", "4", "d"]
    FlavorAccess.objects.create(flavor=flavors["p"], project_id=admin_user.default_project_id)
    assert ids(admin_client) == ["1", "2", "3", "4", "d", "p"]  # its project's private ones
    assert bad(admin_client, "?is_public=maybe") == "Invalid is_public filter [maybe]"


def test_sorting(member_client, flavors):
    assert ids(member_client, "?sort_key=memory_mb&sort_dir=desc") == ["4", "3", "2", "1"]
    assert ids(member_client, "?sort_key=name") == ["4", "3", "2", "1"]  # large, medium, small, tiny
    assert ids(member_client, "?sort_dir=desc") == ["4", "3", "2", "1"]
    assert ids(member_client, "?sort_key=vcpus") == ["1", "2", "3", "4"]  # ties broken by creation
    assert ids(member_client, "?sort_key=vcpu_weight") == ["1", "2", "3", "4"]
    assert ids(member_client, "?sort_key=vcpu_weight&marker=2") == ["3", "4"]
    Flavor.objects.filter(flavorid="3").update(description="a")
    assert ids(member_client, "?sort_key=description") == ["1", "2", "4", "3"]  # none before any
    assert ids(member_client, "?sort_key=description&marker=2") == ["4", "3"]
    assert ids(member_client, "?sort_key=description&sort_dir=desc&marker=3") == ["4", "2", "1"]


def test_limit_and_marker_pages_with_next_links(member_client, flavors):
    first = member_client.get("/v2.1/flavors/detail?limit=2&minRam=1&ignored=x").json()
    assert [flavor["id"] for flavor in first["flavors"]] == ["1", "2"]
    ((link,),) = [first["flavors_links"]]
    assert link["rel"] == "next"
    url = urlsplit(link["href"])
    assert url.path == "/v2.1/flavors/detail"
    assert parse_qs(url.query) == {"limit": ["2"], "marker": ["2"], "minRam": ["1"]}  # unknown ones dropped

    second = member_client.get(f"{url.path}?{url.query}").json()
    assert [flavor["id"] for flavor in second["flavors"]] == ["3", "4"]
    assert parse_qs(urlsplit(second["flavors_links"][0]["href"]).query)["marker"] == ["4"]
    last = member_client.get("/v2.1/flavors/detail?limit=2&marker=4").json()
    assert last == {"flavors": []}

    assert ids(member_client, "?marker=2") == ["3", "4"]
    assert "flavors_links" not in member_client.get("/v2.1/flavors?limit=5").json()
    assert member_client.get("/v2.1/flavors?limit=0").json() == {"flavors": []}
    assert ids(member_client, "?sort_key=memory_mb&sort_dir=desc&marker=3") == ["2", "1"]
    # A marker is any flavor the caller may see, even one the filters leave out.
    assert ids(member_client, "?minRam=4096&marker=2") == ["3", "4"]


def test_the_next_link_keeps_the_project_in_the_path(admin_client, admin_user, flavors):
    project = admin_user.default_project_id
    body = admin_client.get(f"/v2.1/{project}/flavors?limit=1").json()
    assert urlsplit(body["flavors_links"][0]["href"]).path == f"/v2.1/{project}/flavors"


def test_bad_values_are_nova_400s(member_client, admin_client, flavors):
    assert bad(member_client, "?marker=nope") == "marker [nope] not found"
    assert bad(member_client, "?marker=p") == "marker [p] not found"  # a private flavor it may not see
    assert admin_client.get("/v2.1/flavors?marker=p&is_public=none").status_code == 200
    assert bad(member_client, "?minRam=lots") == "Invalid minRam filter [lots]"
    assert bad(member_client, "?minDisk=1.5") == "Invalid minDisk filter [1.5]"
    assert bad(member_client, "?limit=-1") == (
        "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"
    )
    assert bad(member_client, "?limit=many").startswith("Invalid input for query parameters limit. Value: many.")
    assert bad(member_client, "?sort_key=colour").startswith(
        "Invalid input for query parameters sort_key. Value: colour. 'colour' is not one of ['created_at'"
    )
    assert bad(member_client, "?sort_dir=up").startswith("Invalid input for query parameters sort_dir. Value: up.")
    assert ids(member_client, "?unknown=1") == ["1", "2", "3", "4"]  # ignored before 2.75
