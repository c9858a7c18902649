"""One way for a compute operation to end: exactly one report to the conductor, whatever happens.

``perform`` runs the operation's work on the driver under the instance's lock and sends the
report its ``succeeded`` builder makes from the work's result; if the work raises, it sends the
report ``failed`` makes instead, with the error as its ``fault`` and an Error event. (Nova's
``wrap_instance_fault`` and ``reverts_task_state`` do the same job as decorators.)
"""

import logging
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from drivers.base import ComputeDriver
from workers.compute.node import current

LOG = logging.getLogger(__name__)


class Report(NamedTuple):
    """A conductor task and its fields (the sender, the event and the request id are added)."""

    task: str
    fields: dict


def now() -> str:
    return datetime.now(UTC).isoformat()


def describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def event(name: str, start: str, error: BaseException | None = None) -> dict:
    """An action event as the conductor records it (it sets the name and host itself)."""
    return {
        "event": name,
        "start_time": start,
        "finish_time": now(),
        "result": "Error" if error else "Success",
        "traceback": "".join(traceback.format_exception(error)) if error else None,
        "details": describe(error) if error else "",
    }


def perform(
    *,
    instance_uuid: str,
    event_name: str,
    request_id: str | None,
    work: Callable[[ComputeDriver], Any],
    succeeded: Callable[[Any], Report],
    failed: Callable[[BaseException], Report],
) -> bool:
    """Run ``work`` and report its outcome once; True if it succeeded.

    The failure report carries ``fault`` (the error's message) beside what ``failed`` puts in it.
    """
    node = current()
    start = now()
    with node.instance_lock(instance_uuid):
        try:
            result = work(node.driver)
        except Exception as exc:
            LOG.warning("%s of %s failed on %s: %s", event_name, instance_uuid, node.host, exc)
            report = failed(exc)
            node.report(report.task, **report.fields, fault=describe(exc), event=event(event_name, start, exc),
                        request_id=request_id)  # fmt: skip
            return False
        report = succeeded(result)
        node.report(report.task, **report.fields, event=event(event_name, start), request_id=request_id)
    return True
