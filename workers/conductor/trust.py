"""What the conductor believes of a compute host: nothing it can check for itself.

A compute host is the machine most exposed to tenants' guests, so every field of its reports is
either verified against the database or ignored, and each conductor task says which in its
docstring. A report that fails a check raises ``Refused``; ``host_report`` turns that into a
rollback (the report changes nothing), a warning in the log and one count of
``conductor_refused_reports_total`` by task and reason, both from the fixed sets below.

What a host sends that the conductor only records (event times, tracebacks, failure reasons) is
bounded here before it reaches the database.
"""

import contextvars
import functools
import inspect
import logging
import re
import uuid
from datetime import datetime, timedelta

import celery
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.compute.models import Instance, InstanceAction
from apps.compute.states import TaskState
from apps.hosts.models import HostCertificate
from core import names, pki, signing
from core.observability import metrics
from core.power_state import PowerState
from core.signing import Reason as SigningReason
from core.signing import Rejected, SignedTask, Signer

LOG = logging.getLogger(__name__)

REFUSED_METRIC = "conductor_refused_reports_total"


class Reason:
    """Why a report was refused (the ``reason`` label of the refusal counter)."""

    UNKNOWN_INSTANCE = "unknown_instance"  # no such instance (or it is deleted)
    WRONG_HOST = "wrong_host"  # the instance, migration or node is not the sender's
    NOT_IN_FLIGHT = "not_in_flight"  # the operation the report names is not the one under way
    BAD_FIELD = "bad_field"  # a field outside what the operation may change, or a value out of range
    WRONG_IMAGE = "wrong_image"  # the image was not created for this instance's snapshot
    UNSAFE_DATA = "unsafe_data"  # the image data is missing, a link, or another file's second name
    DATA_MISMATCH = "data_mismatch"  # the data's size or checksums differ from the report

    ALL = frozenset((UNKNOWN_INSTANCE, WRONG_HOST, NOT_IN_FLIGHT, BAD_FIELD, WRONG_IMAGE, UNSAFE_DATA, DATA_MISMATCH))


class Refused(Exception):
    """A report the conductor will not act on; raised inside the task's transaction."""

    def __init__(self, reason: str, message: str):
        assert reason in Reason.ALL, reason
        super().__init__(message)
        self.reason = reason


def count_refusal(task: str, host, reason: str, message: str) -> None:
    LOG.warning("refused %s from %s (%s): %s", task, str(host)[:80], reason, message)
    metrics.inc(REFUSED_METRIC, {"task": task, "reason": reason})


# The certificate a report is signed with, while the conductor acts on it (``host_report`` checks it).
SIGNER: contextvars.ContextVar[Signer | None] = contextvars.ContextVar("signer", default=None)


class HostReportTask(SignedTask):
    """The Celery task class of the reports hosts send. The sender is the host its verified
    signature names (``core.signing``): its certificate must be recorded and not revoked (checked
    in the report's own transaction, ``host_report``), and the report may not name a host of its
    own. A message whose fields are not the task's is refused and counted like any other bad
    report, instead of failing in Celery."""

    def accept(self, signer, args, kwargs):
        if signer.role != pki.COMPUTE:
            raise Rejected(
                SigningReason.WRONG_ROLE, f"{self.name} is a compute host's to send, not the {signer.role}'s"
            )
        if args or "host" in kwargs:
            raise Rejected(SigningReason.FORGED_HOST, "a report names its sender by its signature only")
        SIGNER.set(signer)
        return self._fields((), {"host": signer.name, **kwargs})

    def _fields(self, args, kwargs):
        try:
            inspect.signature(self.run).bind(*args, **kwargs)
        except TypeError as exc:
            name = self.name.removeprefix("conductor.")
            count_refusal(name, kwargs.get("host"), Reason.BAD_FIELD, f"not the fields of {name}: {exc}")
            return None
        return args, kwargs

    def __call__(self, *args, **kwargs):
        if self.request.called_directly:
            fields = self._fields(args, kwargs)
            return None if fields is None else celery.Task.__call__(self, *fields[0], **fields[1])
        try:
            return super().__call__(*args, **kwargs)
        finally:
            SIGNER.set(None)


def check_certificate(host: str) -> None:
    """``Rejected`` unless the certificate the report is signed with (``SIGNER``; none when a task
    is called in-process) is recorded for ``host`` and not revoked."""
    signer = SIGNER.get()
    if signer is None:
        return
    known = HostCertificate.objects.filter(serial=signer.serial).values_list("host", "revoked_at").first()
    if known is None or known[0] != host:
        raise Rejected(SigningReason.UNKNOWN_SIGNER, f"certificate {signer.serial} was not issued to {host}")
    if known[1] is not None:
        raise Rejected(SigningReason.REVOKED, f"certificate {signer.serial} of {host} is revoked")


HOST_NAME = re.compile(names.HOST_NAME_PATTERN)


def host_report(task: str, refused=None, atomic: bool = True):
    """Run a conductor task in one transaction (``atomic``; a task that locks row by row checks
    everything before its first write instead), after checking the sender's certificate in it
    (``check_certificate``); a ``Refused`` (or a ``Rejected`` certificate) rolls it back, is logged
    and counted, and the task returns ``refused``. The sender's ``host`` must look like a host name."""

    def decorate(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(host, *args, **kwargs):
            try:
                if not isinstance(host, str) or not HOST_NAME.match(host):
                    host = repr(host)[:80]
                    raise Refused(Reason.BAD_FIELD, "host is not a host name")
                try:
                    signature.bind(host, *args, **kwargs)
                except TypeError as exc:
                    raise Refused(Reason.BAD_FIELD, f"not the fields of {task}: {exc}") from None
                if not atomic:
                    check_certificate(host)
                    return func(host, *args, **kwargs)
                with transaction.atomic():
                    check_certificate(host)
                    return func(host, *args, **kwargs)
            except Refused as exc:
                count_refusal(task, host, exc.reason, str(exc))
                return refused
            except Rejected as exc:
                signing.refuse("conductor", f"conductor.{task}", host, exc.reason, str(exc))
                return refused

        return wrapper

    return decorate


# -- checking single fields -------------------------------------------------------------------

MAX_TEXT = 1024  # a failure reason or an event's details
MAX_TRACEBACK = 16 * 1024
CLOCK_SKEW = timedelta(minutes=5)


def uuid_text(value, field: str) -> str:
    """``value`` as a canonical UUID string, or ``Refused``."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise Refused(Reason.BAD_FIELD, f"{field} is not a UUID: {str(value)[:80]!r}") from None


def power_state(value) -> int:
    """A power state as drivers report them, or ``Refused``."""
    if type(value) is not int or value not in PowerState.NAMES:
        raise Refused(Reason.BAD_FIELD, f"not a power state: {str(value)[:40]!r}")
    return value


def text(value, limit: int = MAX_TEXT) -> str:
    """What a host says in words, as a bounded string PostgreSQL can store (NUL characters dropped)."""
    return ("" if value is None else str(value)).replace("\x00", "")[:limit]


def request_id(instance_uuid, value) -> str | None:
    """``value`` if it is the request id of one of the instance's actions, else None.

    The request id only picks which of the instance's actions records the host's event (None: its
    latest) and rides on the messages the conductor sends next, so a host can neither file an event
    under another instance's action nor hand the next host a request id the cloud never issued.
    """
    value = request_id_text(value)
    if value is None:
        return None
    actions = InstanceAction.objects.filter(instance_id=instance_uuid, request_id=value)
    return value if actions.exists() else None


def request_id_text(value) -> str | None:
    """``value`` if it could be a request id, else None: enough where it only picks the action that
    records an event (``audit.find_action`` looks among the instance's own actions, its latest for an
    unknown id), which spares the boot path a query; ``request_id`` where it is sent on."""
    max_length = InstanceAction._meta.get_field("request_id").max_length
    if not isinstance(value, str) or not value or len(value) > max_length or "\x00" in value:
        return None
    return value


def host_time(value) -> datetime:
    """A time a host reports, never later than now (clocks drift; a host may lie)."""
    now = timezone.now()
    parsed = parse_datetime(value) if isinstance(value, str) and len(value) <= 64 else None
    if parsed is None or timezone.is_naive(parsed):
        return now
    return min(parsed, now)


def event(host: str, reported: dict | None, name: str, failed: bool) -> dict:
    """The action event to record for a host's report.

    Verified or set here: the name (the operation's, from the conductor's own table), the host
    (the sender), the result (from whether the report is a failure). Bounded: the start and finish
    times (never in the future, start not after finish), the details and the traceback.
    """
    reported = reported if isinstance(reported, dict) else {}
    finish = host_time(reported.get("finish_time"))
    start = min(host_time(reported.get("start_time")), finish)
    return {
        "event": name,
        "host": host,
        "start_time": start,
        "finish_time": finish,
        "result": "Error" if failed else "Success",
        "traceback": text(reported.get("traceback"), MAX_TRACEBACK) if failed else None,
        "details": text(reported.get("details")) if failed else "",
    }


# -- checking what a report is about -----------------------------------------------------------


def instance_on_host(host: str, instance_uuid) -> Instance:
    """The instance, row-locked, if it exists and is on ``host``; ``Refused`` otherwise."""
    return check_on_host(
        Instance.objects.select_for_update().filter(uuid=uuid_text(instance_uuid, "instance_uuid")).first(),
        instance_uuid,
        host,
    )


def check_on_host(instance: Instance | None, instance_uuid, host: str) -> Instance:
    if instance is None or instance.deleted:
        raise Refused(Reason.UNKNOWN_INSTANCE, f"no instance {instance_uuid}")
    if instance.host != host:
        raise Refused(Reason.WRONG_HOST, f"instance {instance_uuid} is on {instance.host}")
    return instance


def check_in_flight(instance: Instance, task_state: str, attempt_id=None, task_id=None) -> None:
    """``Refused`` unless the instance is in ``task_state`` under the operation the report names:
    the build attempt for a build, the task id for any other operation but a delete."""
    if instance.task_state != task_state:
        raise Refused(Reason.NOT_IN_FLIGHT, f"instance {instance.uuid} is in {instance.task_state}, not {task_state}")
    if task_state == TaskState.SPAWNING:
        current, named = instance.attempt_id, attempt_id
    elif task_state == TaskState.DELETING:
        return
    else:
        current, named = instance.task_id, task_id
    if current is None or str(current) != str(named):
        raise Refused(Reason.NOT_IN_FLIGHT, f"{task_state} of {instance.uuid} is not operation {str(named)[:40]}")
