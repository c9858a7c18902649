"""One request id from the API response to the scheduler's, the compute host's and the conductor's
log lines and to the instance action; /metrics after real boots."""

import json

import pytest
import requests

from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    with cloud_factory(computes={"node1": {}, "node2": {}}, schedulers=1, env={"LOG_FORMAT": "json"}) as running:
        yield running


def json_lines(cloud, name: str) -> list[dict]:
    lines = []
    for raw in (cloud.log_dir / f"{name}.log").read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_a_request_id_is_followed_everywhere(cloud):
    response = cloud.post(
        "/v2.1/servers",
        json={"server": {"name": "traced", "flavorRef": "1", "imageRef": cloud.demo_image_id(), "networks": "none"}},
    )
    assert response.status_code == 202
    request_id = response.headers["x-openstack-request-id"]
    server_id = response.json()["server"]["id"]
    cloud.wait_for_status(server_id, "ACTIVE")

    def traced(name):
        return [line for line in json_lines(cloud, name) if line.get("request_id") == request_id]

    conductor = wait_until(lambda: traced("conductor-1"), message="the conductor's line with the request id")
    assert any(server_id in line["message"] and "reported" in line["message"] for line in conductor)
    assert traced("scheduler-1") and traced("compute-node1") + traced("compute-node2")
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json()["instanceActions"]
    assert [a["request_id"] for a in actions] == [request_id]


def test_metrics_after_real_boots(cloud):
    ids = [cloud.create_server(f"m-{i}") for i in range(3)]
    for server_id in ids:
        cloud.wait_for_status(server_id, "ACTIVE")
    text = requests.get(cloud.url("/metrics"), timeout=30).text
    samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line and not line.startswith("#")}  # fmt: skip
    assert samples['cloudcore_servers{task_state="none",vm_state="active"}'] >= 3
    assert samples['cloudcore_hosts{state="up"}'] == 2
    assert samples["cloudcore_scheduler_decision_seconds_count"] >= 3
    assert samples["cloudcore_scheduler_decision_seconds_sum"] > 0
    assert samples["cloudcore_conductor_update_lag_seconds_count"] >= 3
    assert any(key.startswith("cloudcore_api_requests_total{") for key in samples)
    assert 'cloudcore_queue_depth{queue="scheduler"}' in samples
