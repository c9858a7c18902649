"""/metrics cannot be made to grow by a stranger: a made-up HTTP method is counted as "other"."""

import json

import pytest

from core.observability import metrics

pytestmark = pytest.mark.django_db


def test_made_up_methods_add_no_series(member_client, queues):
    for i in range(20):
        member_client.generic(f"RANDOM{i}", "/v2.1/servers")
    member_client.get("/v2.1/servers")
    counters, histograms = metrics.read()
    methods = {json.loads(labels)["method"] for labels in counters["api_requests_total"]}
    assert methods == {"other", "GET"}
    assert {json.loads(labels)["method"] for labels in histograms["api_request_duration_seconds"]} == methods
    metrics.inc("refused_messages_total", {"service": "compute", "task": "compute.stop_instance", "reason": "unsigned"})
    text = member_client.get("/metrics").content.decode()
    assert "RANDOM" not in text
    assert "# HELP cloudcore_refused_messages_total Tasks refused for who signed them" in text
