"""Tenancy through real processes: tokens from the identity API, a quota that holds under 50
concurrent creates, projects that cannot see each other, and secrets that never reach a log."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

PASSWORD = "Tenant-Pass-8c1f2e9a"


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    computes = {"node1": {"FAKE_SPAWN_DELAY": "0.05"}, "node2": {"FAKE_SPAWN_DELAY": "0.05"}}
    with cloud_factory(computes=computes, schedulers=1) as running:
        yield running


def identity(cloud, method: str, path: str, token: str, body=None) -> requests.Response:
    return requests.request(method, cloud.url(f"/identity/v3{path}"), json=body, timeout=30,
                            headers={"X-Auth-Token": token})  # fmt: skip


def get_token(cloud, username: str, password: str, project: str) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": username, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}  # fmt: skip
    response = requests.post(cloud.url("/identity/v3/auth/tokens"), json=body, timeout=30)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def tenant(cloud, admin_token: str, name: str) -> dict:
    """A project with one member user, made through the identity API as an operator would."""
    project = identity(cloud, "POST", "/projects", admin_token, {"project": {"name": name}}).json()["project"]
    user = identity(cloud, "POST", "/users", admin_token, {"user": {
        "name": f"{name}-user", "password": PASSWORD, "default_project_id": project["id"]}}).json()["user"]  # fmt: skip
    member = identity(cloud, "GET", "/roles?name=member", admin_token).json()["roles"][0]
    grant = identity(cloud, "PUT", f"/projects/{project['id']}/users/{user['id']}/roles/{member['id']}", admin_token)
    assert grant.status_code == 204
    return {"project": project, "user": user, "token": get_token(cloud, f"{name}-user", PASSWORD, name)}


def create(cloud, token: str, name: str) -> requests.Response:
    body = {"server": {"name": name, "flavorRef": "1", "imageRef": cloud.demo_image_id(), "networks": "none"}}
    return requests.post(cloud.url("/v2.1/servers"), json=body, headers={"X-Auth-Token": token}, timeout=60)


def test_fifty_concurrent_creates_against_a_quota_of_ten(cloud):
    admin_token = get_token(cloud, "admin", "admin", "admin")
    acme = tenant(cloud, admin_token, "acme")
    project_id = acme["project"]["id"]
    quota = requests.put(cloud.url(f"/v2.1/os-quota-sets/{project_id}"), json={"quota_set": {"instances": 10}},
                         headers={"X-Auth-Token": admin_token}, timeout=30)  # fmt: skip
    assert quota.status_code == 200 and quota.json()["quota_set"]["instances"] == 10

    # Watch the database the whole time: usage must never pass the limit, not even for a moment.
    peak, stop = [0], threading.Event()

    def watch():
        while not stop.is_set():
            rows = cloud.query(
                "SELECT count(*) AS n FROM compute_instance WHERE project_id = %s AND deleted_at IS NULL", project_id
            )
            peak[0] = max(peak[0], rows[0]["n"])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda i: create(cloud, acme["token"], f"q-{i}"), range(50)))
    stop.set()
    watcher.join()

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(202) == 10 and statuses.count(403) == 40, statuses
    for refused in (r for r in responses if r.status_code == 403):
        assert refused.json()["forbidden"]["message"].startswith("Quota exceeded for instances: Requested 1, ")
    assert peak[0] <= 10, peak
    created = [r.json()["server"]["id"] for r in responses if r.status_code == 202]
    for server_id in created:
        cloud.wait_for_status(server_id, "ACTIVE")
    detail = requests.get(cloud.url(f"/v2.1/os-quota-sets/{project_id}/detail"),
                          headers={"X-Auth-Token": acme["token"]}, timeout=30).json()["quota_set"]  # fmt: skip
    assert detail["instances"] == {"limit": 10, "in_use": 10, "reserved": 0}

    # Deleting frees usage: one delete, one more create.
    assert requests.delete(cloud.url(f"/v2.1/servers/{created[0]}"), headers={"X-Auth-Token": acme["token"]},
                           timeout=30).status_code == 204  # fmt: skip
    wait_until(lambda: cloud.server(created[0]) is None, message="the deleted server to go")
    assert create(cloud, acme["token"], "one-more").status_code == 202


def test_projects_cannot_see_each_other_and_secrets_stay_out_of_logs(cloud):
    admin_token = get_token(cloud, "admin", "admin", "admin")
    red, blue = tenant(cloud, admin_token, "red"), tenant(cloud, admin_token, "blue")
    server_id = create(cloud, red["token"], "red-1").json()["server"]["id"]
    cloud.wait_for_status(server_id, "ACTIVE")

    as_blue = {"X-Auth-Token": blue["token"]}
    assert requests.get(cloud.url(f"/v2.1/servers/{server_id}"), headers=as_blue, timeout=30).status_code == 404
    stop = requests.post(cloud.url(f"/v2.1/servers/{server_id}/action"), json={"os-stop": None}, headers=as_blue,
                         timeout=30)  # fmt: skip
    assert stop.status_code == 404
    assert requests.get(cloud.url("/v2.1/servers"), headers=as_blue, timeout=30).json()["servers"] == []
    assert requests.get(cloud.url("/v2.1/os-services"), headers=as_blue, timeout=30).status_code == 403

    # Revoked: 401 everywhere from then on.
    assert identity(cloud, "DELETE", "/auth/tokens", blue["token"], None).status_code in (400, 404)  # no subject
    revoke = requests.delete(cloud.url("/identity/v3/auth/tokens"), timeout=30,
                             headers={"X-Auth-Token": blue["token"], "X-Subject-Token": blue["token"]})  # fmt: skip
    assert revoke.status_code == 204
    assert requests.get(cloud.url("/v2.1/servers"), headers=as_blue, timeout=30).status_code == 401

    # Failed logins and bad tokens, whose secrets must not be echoed or logged either.
    wrong = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "red-user", "domain": {"id": "default"}, "password": "Wrong-Pass-77aa"}}}}}  # fmt: skip
    refused = requests.post(cloud.url("/identity/v3/auth/tokens"), json=wrong, timeout=30)
    assert refused.status_code == 401 and "Wrong-Pass-77aa" not in refused.text
    bogus = requests.get(cloud.url("/v2.1/servers"), headers={"X-Auth-Token": "ccBogusToken123"}, timeout=30)
    assert bogus.status_code == 401 and "ccBogusToken123" not in bogus.text

    requests.delete(cloud.url(f"/v2.1/servers/{server_id}"), headers={"X-Auth-Token": red["token"]}, timeout=30)
    wait_until(lambda: cloud.server(server_id) is None, message="the server to go")
    secrets = [PASSWORD, "Wrong-Pass-77aa", "ccBogusToken123", red["token"], blue["token"], admin_token]
    for log in sorted(cloud.log_dir.glob("*.log")):
        text = log.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret appears in {log.name}"
    # Nor in anything the control plane sends a compute host.
    rows = cloud.query("SELECT request_spec::text AS spec, metadata::text AS meta FROM compute_instance")
    assert not any(secret in row["spec"] + row["meta"] for row in rows for secret in secrets)
