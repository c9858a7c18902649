"""Server lists: Nova's filters, sorting, and limit/marker paging with next links."""

import pytest
from django.utils import timezone

from apps.compute.servers.delete import mark_deleted
from tests.fixtures.factories import make_flavor, make_instance, make_user

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["name"] for s in response.json()["servers"]]


@pytest.fixture
def servers(member, flavor, image):
    big = make_flavor("9", name="big", vcpus=2)
    made = {
        "web-1": make_instance(member, flavor, image, name="web-1", vm_state="active", task_state=None, host="a"),
        "web-2": make_instance(member, flavor, image, name="web-2", vm_state="stopped", task_state=None, host="b"),
        "db-1": make_instance(member, big, image, name="db-1", vm_state="active", task_state="rebooting", host="a"),
        "gone": make_instance(member, flavor, image, name="gone", vm_state="active", task_state=None),
    }
    mark_deleted(made["gone"].uuid)
    return made


def test_filters(member_client, admin_client, servers, member):
    get = member_client.get
    assert sorted(names(get("/v2.1/servers?name=^web"))) == ["web-1", "web-2"]
    assert names(get("/v2.1/servers/detail?status=SHUTOFF")) == ["web-2"]
    assert names(get("/v2.1/servers/detail?status=active")) == ["web-1"]
    assert names(get("/v2.1/servers/detail?status=REBOOT")) == ["db-1"]
    assert names(get("/v2.1/servers?flavor=9")) == ["db-1"]
    assert names(get("/v2.1/servers?status=BOGUS")) == []
    assert get("/v2.1/servers?status=BOGUS", HTTP_OPENSTACK_API_VERSION="compute 2.38").status_code == 400
    assert get("/v2.1/servers?name=(").status_code == 400
    since = (timezone.now() - timezone.timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert "gone" in names(get(f"/v2.1/servers/detail?changes-since={since}"))  # deleted ones too
    assert "gone" not in names(get("/v2.1/servers/detail"))
    everyone = f"/v2.1/servers?all_tenants=1&project_id={member.default_project.id}&host=a"
    assert sorted(names(admin_client.get(everyone))) == ["db-1", "web-1"]


def test_paging_follows_next_links_to_the_end(member_client, servers, member, flavor, image):
    for i in range(5):
        make_instance(member, flavor, image, name=f"extra-{i}")
    seen, url, pages = [], "/v2.1/servers?limit=3&sort_key=display_name&sort_dir=asc", 0
    while url:
        body = member_client.get(url).json()
        seen += [s["name"] for s in body["servers"]]
        links = body.get("servers_links", [])
        url = links[0]["href"].replace("http://testserver", "") if links else None
        pages += 1
    assert seen == sorted(seen) and len(seen) == 8 and len(set(seen)) == 8
    assert pages == 3 or pages == 4
    assert member_client.get("/v2.1/servers?marker=00000000-0000-0000-0000-000000000000").status_code == 400
    assert member_client.get("/v2.1/servers?limit=-1").status_code == 400
    assert member_client.get("/v2.1/servers?sort_key=password").status_code == 400


def test_another_projects_servers_never_appear(member_client, servers):
    other = make_user()
    from tests.fixtures.factories import client_for

    assert names(client_for(other).get("/v2.1/servers")) == []
    assert len(names(member_client.get("/v2.1/servers"))) == 3
