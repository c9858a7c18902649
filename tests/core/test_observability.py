"""Request ids in log lines and task headers, JSON logs, and /metrics."""

import base64
import json
import logging

import pytest
import redis

from core.observability import REQUEST_ID, JsonFormatter, RequestIdFilter, logging_config, metrics

pytestmark = pytest.mark.django_db


def test_log_lines_carry_the_request_id_and_json_is_one_object_a_line(monkeypatch):
    record = logging.LogRecord("cloudcore.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    token = REQUEST_ID.set("req-11111111-2222-3333-4444-555555555555")
    try:
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-11111111-2222-3333-4444-555555555555"
    assert (line["message"], line["level"], line["logger"]) == ("hello world", "INFO", "cloudcore.test")
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert logging_config()["formatters"]["default"]["()"] is JsonFormatter
    monkeypatch.setenv("LOG_FORMAT", "plain")
    assert "%(request_id)s" in logging_config()["formatters"]["default"]["format"]


def test_a_request_id_travels_in_the_header_of_every_task_the_request_sends(member_client, flavor, image, queues):
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none"}}
    response = member_client.post("/v2.1/servers", body, format="json")
    request_id = response["x-openstack-request-id"]
    raw = redis.Redis.from_url(__import__("os").environ["REDIS_URL"]).lrange("scheduler", 0, -1)
    headers = [json.loads(message)["headers"] for message in raw]
    assert [h.get("request_id") for h in headers] == [request_id]
    kwargs = json.loads(base64.b64decode(json.loads(raw[0])["body"]))[1]
    assert kwargs["request_id"] == request_id


def test_metrics_expose_requests_servers_hosts_and_queues(member_client, admin_client, member, flavor, image, queues):
    from tests.fixtures.factories import make_instance, make_node

    make_node("node1")
    make_instance(member, flavor, image, vm_state="active", task_state=None, host="node1")
    metrics.observe("scheduler_decision_seconds", 0.004)
    metrics.inc("scheduler_no_valid_host_total")
    member_client.get("/v2.1/servers")
    text = member_client.get("/metrics").content.decode()
    assert 'cloudcore_api_requests_total{method="GET",route="^v2\\\\.1/servers",status="200"}' in text or (
        'method="GET"' in text and "cloudcore_api_requests_total" in text
    )
    assert 'cloudcore_servers{task_state="none",vm_state="active"} 1.0' in text
    assert 'cloudcore_hosts{state="up"} 1.0' in text
    assert "cloudcore_scheduler_decision_seconds_count 1.0" in text
    assert "cloudcore_scheduler_no_valid_host_total 1.0" in text
    assert 'cloudcore_queue_depth{queue="compute.node1"} 0.0' in text
    assert "cloudcore_api_request_duration_seconds_bucket" in text
