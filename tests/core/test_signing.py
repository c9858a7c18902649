"""Signing and checking messages: the signature covers the task, its id, target, expiry and arguments."""

import time

import pytest

from core import pki, signing
from core.signing import Reason, Rejected, Verifier


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return pki.load_authority(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def node(ca):
    return ca.issue(pki.COMPUTE, "node1", "127.0.0.1")


KWARGS = {"instance": {"uuid": "u-1", "flavor": {"vcpus": 1, "ratio": 1.5}}, "request_id": None}


def verify(ca, headers, task="compute.stop_instance", task_id="id-1", kwargs=None, now=None):
    return Verifier(ca.cert).verify(task, task_id, headers, (), KWARGS if kwargs is None else kwargs, now=now)


def signed(identity, task="compute.stop_instance", task_id="id-1", target="compute.node1", **kw):
    return signing.sign(identity, task, task_id, target, (), KWARGS, **kw)


def test_a_signed_message_names_its_signer_and_target(ca, node):
    signer = verify(ca, signed(node))
    assert (signer.role, signer.name, signer.target) == (pki.COMPUTE, "node1", "compute.node1")
    assert signer.serial == pki.serial_of(node.cert)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"task": "compute.terminate_instance"}, Reason.BAD_SIGNATURE),
        ({"task_id": "id-2"}, Reason.BAD_SIGNATURE),
        ({"kwargs": {**KWARGS, "request_id": "req-x"}}, Reason.BAD_SIGNATURE),
    ],
)
def test_any_change_to_what_was_signed_breaks_the_signature(ca, node, change, reason):
    with pytest.raises(Rejected) as caught:
        verify(ca, signed(node), **change)
    assert caught.value.reason == reason


def test_a_changed_target_or_expiry_breaks_the_signature(ca, node):
    for header, value in ((signing.TARGET, "compute.node2"), (signing.EXPIRES, int(time.time()) + 30)):
        headers = {**signed(node), header: value}
        with pytest.raises(Rejected) as caught:
            verify(ca, headers)
        assert caught.value.reason == Reason.BAD_SIGNATURE


def test_unsigned_expired_foreign_and_malformed_messages_are_refused(ca, node, tmp_path):
    stranger = pki.load_authority(tmp_path).issue(pki.CONTROL_PLANE, pki.CONTROL_PLANE)
    cases = [
        ({}, Reason.UNSIGNED),
        ({**signed(node), signing.SIGNATURE: ""}, Reason.UNSIGNED),
        (signed(node, ttl=-1), Reason.EXPIRED),
        (signed(node, ttl=10**6), Reason.EXPIRED),
        (signed(stranger), Reason.UNKNOWN_SIGNER),
        ({**signed(node), signing.SIGNER: "%%%"}, Reason.UNKNOWN_SIGNER),
        ({**signed(node), signing.EXPIRES: "soon"}, Reason.BAD_SIGNATURE),
        ({**signed(node), signing.SIGNATURE: "AAAA"}, Reason.BAD_SIGNATURE),
    ]
    for headers, reason in cases:
        with pytest.raises(Rejected) as caught:
            verify(ca, headers)
        assert caught.value.reason == reason, headers


def test_an_expired_certificate_signs_nothing(ca):
    short = ca.issue(pki.COMPUTE, "node1", days=1)
    headers = signed(short, now=time.time() + 2 * 86400)
    with pytest.raises(Rejected) as caught:
        verify(ca, headers, now=time.time() + 2 * 86400)
    assert caught.value.reason == Reason.EXPIRED


def test_a_message_id_is_obeyed_once_while_it_is_valid():
    seen = signing.SeenMessages()
    expires = int(time.time()) + 60
    assert seen.first_time("id-1", expires) and not seen.first_time("id-1", expires)
    assert seen.first_time("id-2", expires)


def test_the_app_signs_what_it_sends_and_keeps_a_retry_s_signature(ca, node):
    app = signing.SigningCelery("signing-test", set_as_current=False)
    app.conf.update(broker_url="memory://", task_routes={"conductor.*": {"queue": "conductor"}})
    app.configure_signing(identity=lambda: node, ca=lambda: ca.cert)
    sent = []

    def capture(producer, name, message, **options):
        sent.append((message.headers["id"], options["headers"]))

    app.amqp.send_task_message = capture
    app.send_task("conductor.node_report", kwargs=KWARGS)
    task_id, headers = sent[-1]
    signer = Verifier(ca.cert).verify("conductor.node_report", task_id, headers, (), KWARGS)
    assert signer.target == "conductor"
    # A retry is sent with the headers it arrived with: the original signer's signature stays.
    app.send_task("conductor.node_report", kwargs=KWARGS, headers=dict(headers), task_id=task_id)
    assert sent[-1][1][signing.SIGNATURE] == headers[signing.SIGNATURE]
    # Beat sends through Task.apply_async, which passes task_id=None: the id signed is the one sent.
    app.send_task("conductor.reconcile", task_id=None)
    task_id, headers = sent[-1]
    assert Verifier(ca.cert).verify("conductor.reconcile", task_id, headers, (), {}).target == "conductor"
