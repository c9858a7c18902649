"""The Celery settings every cloudcore process shares."""

import pytest

from core import rpc


def test_task_events_are_on_unless_switched_off(monkeypatch):
    monkeypatch.delenv("TASK_EVENTS", raising=False)
    config = rpc.celery_config("redis://127.0.0.1:6379/0")
    assert config["worker_send_task_events"] is True
    assert config["task_send_sent_event"] is True


@pytest.mark.parametrize("value", ["false", "0", "no", "OFF"])
def test_task_events_switched_off(monkeypatch, value):
    monkeypatch.setenv("TASK_EVENTS", value)
    config = rpc.celery_config("redis://127.0.0.1:6379/0")
    assert config["worker_send_task_events"] is False
    assert config["task_send_sent_event"] is False


def test_late_acks_and_one_message_at_a_time():
    config = rpc.celery_config("redis://127.0.0.1:6379/0")
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
