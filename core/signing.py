"""Signed tasks: who sent a message is what its signature proves, never what its body says.

Every task a cloudcore process sends carries four headers (JSON stays the payload):

- ``cc_signer``: the sender's certificate (DER, base64), issued by the cloud's CA (``core.pki``);
- ``cc_to``: the queue the sender addressed (a compute node's orders name their host this way);
- ``cc_exp``: when the message stops being valid (Unix seconds; ``MESSAGE_TTL`` after sending);
- ``cc_sig``: the sender's Ed25519 signature over the task name, its id, ``cc_to``, ``cc_exp``
  and the arguments, in one canonical JSON encoding.

``SigningCelery`` signs in ``send_task`` with its process's identity (a retried task keeps the
headers it arrived with). ``SignedTask.verify`` checks a received message against the CA and
answers who signed it; the task classes of each side (``ControlPlaneTask`` here, the compute
node's orders, the conductor's host reports) decide whom they obey. A refused message is logged,
counted in ``refused_messages_total`` by service, task and reason (the fixed set ``Reason.ALL``)
and changes nothing.
"""

import base64
import binascii
import dataclasses
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable

import celery
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from core import pki, rpc
from core.observability import metrics

LOG = logging.getLogger(__name__)

SIGNER, SIGNATURE, EXPIRES, TARGET = "cc_signer", "cc_sig", "cc_exp", "cc_to"
HEADERS = (SIGNER, SIGNATURE, EXPIRES, TARGET)
REFUSED_METRIC = "refused_messages_total"
# A sender's clock may run this far ahead of ours.
CLOCK_SKEW = 60


def message_ttl() -> int:
    """Seconds a message stays valid after it is sent (``MESSAGE_TTL``, default 600)."""
    return int(os.environ.get("MESSAGE_TTL") or 600)


class Reason:
    """Why a message was refused (the ``reason`` label of ``refused_messages_total``)."""

    UNSIGNED = "unsigned"  # no signature headers
    BAD_SIGNATURE = "bad_signature"  # the signature does not match the message, or the headers are malformed
    UNKNOWN_SIGNER = "unknown_signer"  # a certificate this cloud's CA did not issue (or did not record)
    EXPIRED = "expired"  # the message or the signer's certificate has expired
    REVOKED = "revoked"  # the signer's certificate was revoked
    WRONG_ROLE = "wrong_role"  # a node signed what only the control plane may send, or the reverse
    WRONG_TARGET = "wrong_target"  # signed for another queue (another host's order)
    FORGED_HOST = "forged_host"  # a report that names its sender in its body
    REPLAYED = "replayed"  # an order this node has already obeyed

    ALL = frozenset((UNSIGNED, BAD_SIGNATURE, UNKNOWN_SIGNER, EXPIRED, REVOKED, WRONG_ROLE, WRONG_TARGET, FORGED_HOST,
                     REPLAYED))  # fmt: skip


class Rejected(Exception):
    def __init__(self, reason: str, message: str):
        assert reason in Reason.ALL, reason
        super().__init__(message)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Signer:
    """Who signed a message, as the CA vouches for it."""

    role: str
    name: str
    serial: str
    target: str
    expires: int


def canonical(task: str, task_id: str, target: str, expires: int, args, kwargs) -> bytes:
    """The bytes a signature covers: the same on both ends of a JSON round trip."""
    document = [task, task_id, target, expires, list(args or ()), kwargs or {}]
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(identity: pki.Identity, task: str, task_id: str, target: str, args=(), kwargs=None, ttl: int | None = None,
         now: float | None = None) -> dict:  # fmt: skip
    """The headers that make message ``task_id`` (``task`` with these arguments, addressed to
    ``target``) signed by ``identity``."""
    expires = int((time.time() if now is None else now) + (message_ttl() if ttl is None else ttl))
    signature = identity.key.sign(canonical(task, task_id, target, expires, args, kwargs))
    return {
        SIGNER: base64.b64encode(identity.cert_der).decode(),
        TARGET: target,
        EXPIRES: expires,
        SIGNATURE: base64.b64encode(signature).decode(),
    }


class Verifier:
    """Checks signed messages against one CA; certificates already checked are remembered."""

    def __init__(self, ca: x509.Certificate):
        self.ca = ca
        self._vouched: dict[str, pki.Vouched] = {}
        self._lock = threading.Lock()

    def _vouch(self, encoded) -> pki.Vouched:
        vouched = self._vouched.get(encoded)
        if vouched is None:
            try:
                vouched = pki.vouch(self.ca, base64.b64decode(encoded, validate=True))
            except (pki.CertificateError, binascii.Error, TypeError, ValueError) as exc:
                raise Rejected(Reason.UNKNOWN_SIGNER, f"signer: {exc}") from None
            with self._lock:
                if len(self._vouched) > 4096:
                    self._vouched.clear()
                self._vouched[encoded] = vouched
        return vouched

    def verify(self, task: str, task_id: str, headers: dict, args, kwargs,
               now: float | None = None) -> Signer:  # fmt: skip
        if not all(headers.get(name) for name in HEADERS):
            raise Rejected(Reason.UNSIGNED, "the message is not signed")
        expires, target = headers[EXPIRES], headers[TARGET]
        if type(expires) is not int or not isinstance(target, str) or not isinstance(headers[SIGNATURE], str):
            raise Rejected(Reason.BAD_SIGNATURE, "malformed signature headers")
        now = time.time() if now is None else now
        if now > expires:
            raise Rejected(Reason.EXPIRED, f"the message expired {int(now - expires)} s ago")
        if expires > now + message_ttl() + CLOCK_SKEW:
            raise Rejected(Reason.EXPIRED, "the message claims to stay valid longer than any message may")
        vouched = self._vouch(headers[SIGNER])
        if vouched.not_after.timestamp() < now:
            raise Rejected(Reason.EXPIRED, f"the signer's certificate {vouched.serial} has expired")
        try:
            signature = base64.b64decode(headers[SIGNATURE], validate=True)
            vouched.public_key.verify(signature, canonical(task, task_id, target, expires, args, kwargs))
        except (InvalidSignature, binascii.Error, ValueError):
            raise Rejected(Reason.BAD_SIGNATURE, "the signature does not match the message") from None
        return Signer(vouched.role, vouched.name, vouched.serial, target, expires)


def refuse(service: str, task: str, sender, reason: str, message: str) -> None:
    LOG.warning("refused %s from %s (%s): %s", task, str(sender)[:80], reason, message)
    metrics.inc(REFUSED_METRIC, {"service": service, "task": task, "reason": reason})


def headers_of(request) -> dict:
    """The signature headers of the message a task runs for."""
    headers = getattr(request, "headers", None) or {}
    return {name: headers.get(name, getattr(request, name, None)) for name in HEADERS}


class SigningCelery(celery.Celery):
    """A Celery app that signs every task it sends with its process's identity.

    ``identity`` (a function: the identity to sign with now, or None to send unsigned) and ``ca``
    (a function: the CA certificate received messages must chain to) are set by ``configure``.
    """

    identity: Callable[[], pki.Identity | None] = staticmethod(lambda: None)
    ca: Callable[[], x509.Certificate] | None = None
    # A compute node's broker user may publish to the conductor's exchange but not declare it.
    declares_queues = True

    def configure_signing(self, identity: Callable[[], pki.Identity | None], ca: Callable[[], x509.Certificate]):
        self.identity = identity
        self.ca = ca
        self._verifier = None

    def verifier(self) -> Verifier:
        ca = self.ca()
        current = getattr(self, "_verifier", None)
        if current is None or current.ca is not ca:
            current = self._verifier = Verifier(ca)
        return current

    def send_task(self, name, args=None, kwargs=None, **options):
        headers = dict(options.pop("headers", None) or {})
        target = self._target(name, args, kwargs, options)
        if SIGNATURE not in headers:
            identity = self.identity()
            if identity is not None:
                # Task.apply_async (beat, retries) passes task_id=None when it has none yet.
                task_id = options["task_id"] = options.get("task_id") or str(uuid.uuid4())
                headers.update(sign(identity, name, task_id, target, args, kwargs))
        if rpc.is_amqp(self.conf.broker_url):
            # Through the queue's own exchange, not the default one (which reaches every queue), so
            # RabbitMQ's permissions can keep a node's user to the exchanges it may publish to.
            options.setdefault("exchange", target)
            options.setdefault("routing_key", target)
            if not self.declares_queues:
                options.setdefault("declare", [])
        return super().send_task(name, args, kwargs, headers=headers, **options)

    def _target(self, name, args, kwargs, options) -> str:
        queue = options.get("queue")
        if queue is None:
            queue = self.amqp.router.route(dict(options), name, args, kwargs).get("queue")
        return getattr(queue, "name", queue) or ""


class SignedTask(celery.Task):
    """A task that runs only for a message signed as ``check`` accepts; called directly (in the
    same process, as tests do) it just runs."""

    def __call__(self, *args, **kwargs):
        if self.request.called_directly:
            return super().__call__(*args, **kwargs)
        try:
            signer = self.app.verifier().verify(self.name, self.request.id, headers_of(self.request), args,
                                                         kwargs)  # fmt: skip
            delivered_to = (self.request.delivery_info or {}).get("routing_key")
            if delivered_to and delivered_to != signer.target:
                raise Rejected(Reason.WRONG_TARGET, f"signed for {signer.target[:80]}, delivered to {delivered_to}")
            accepted = self.accept(signer, args, kwargs)
        except Rejected as exc:
            refuse(self.name.partition(".")[0], self.name, _who(self.request), exc.reason, str(exc))
            return None
        if accepted is None:
            return None
        return super().__call__(*accepted[0], **accepted[1])

    def accept(self, signer: Signer, args, kwargs) -> tuple[tuple, dict] | None:
        """Whether this task obeys ``signer`` (``Rejected`` if not); the arguments to run with, or
        None for a message refused (and counted) for what it says rather than who sent it."""
        raise NotImplementedError


def _who(request) -> str:
    """Who a refused message says signed it, for the log (never believed)."""
    try:
        der = base64.b64decode(headers_of(request)[SIGNER] or "", validate=True)
        return pki.subject_value(x509.load_der_x509_certificate(der), x509.NameOID.COMMON_NAME) or "?"
    except (ValueError, TypeError, binascii.Error):
        return "?"


class ControlPlaneTask(SignedTask):
    """The scheduler's tasks and the conductor's own (the reconciler, purges): the control plane's only."""

    def accept(self, signer, args, kwargs):
        if signer.role != pki.CONTROL_PLANE:
            raise Rejected(Reason.WRONG_ROLE, f"{self.name} is the control plane's to send, not a {signer.role}'s")
        return args, kwargs


class SeenMessages:
    """The ids of messages already obeyed, each kept until it expires: a replay within its
    lifetime is refused, and after it the expiry refuses it."""

    def __init__(self):
        self._expiry: dict[str, int] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def first_time(self, message_id: str, expires: int) -> bool:
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._expiry = {key: when for key, when in self._expiry.items() if when >= now}
                self._next_sweep = now + 30
            if message_id in self._expiry:
                return False
            self._expiry[message_id] = expires
            return True
