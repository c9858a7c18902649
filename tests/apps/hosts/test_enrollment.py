"""Enrolling, renewing and revoking compute hosts (``manage.py enroll_node`` / ``revoke_node``)."""

import pytest
from django.core.management import CommandError, call_command

from apps.hosts import enrollment
from apps.hosts.models import HostCertificate
from core import pki

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pki_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOUDCORE_PKI_DIR", str(tmp_path))
    return tmp_path


def test_enrolling_writes_the_node_files_and_records_the_certificate(pki_dir, capsys):
    call_command("enroll_node", "node1", "node2", "--address", "192.0.2.10")
    for host in ("node1", "node2"):
        identity = pki.load_identity(pki_dir / "hosts" / host)
        assert (identity.role, identity.name, pki.address_of(identity.cert)) == (pki.COMPUTE, host, "192.0.2.10")
        record = HostCertificate.objects.get(host=host)
        assert record.serial == pki.serial_of(identity.cert) and record.revoked_at is None
        assert identity.ca == pki.load_authority(pki_dir).cert
    assert capsys.readouterr().out.count("enrolled ") == 2


def test_reuse_keeps_valid_files_and_renewal_adds_a_certificate(pki_dir):
    first, kept = enrollment.enroll("node1")
    assert not kept
    again, kept = enrollment.enroll("node1", reuse=True)
    assert kept and again.cert == first.cert
    renewed, kept = enrollment.enroll("node1")
    assert not kept and renewed.cert != first.cert
    assert HostCertificate.objects.filter(host="node1", revoked_at__isnull=True).count() == 2


def test_revoking_one_serial_or_every_certificate_of_a_host(pki_dir):
    first, _ = enrollment.enroll("node1")
    enrollment.enroll("node1")
    call_command("revoke_node", "node1", "--serial", pki.serial_of(first.cert))
    assert HostCertificate.objects.get(serial=pki.serial_of(first.cert)).revoked_at is not None
    call_command("revoke_node", "node1")
    assert not HostCertificate.objects.filter(host="node1", revoked_at__isnull=True).exists()
    # Revoked files are not reused: enrolling again issues a new certificate.
    _, kept = enrollment.enroll("node1", reuse=True)
    assert not kept
    with pytest.raises(CommandError, match="no unrevoked certificate"):
        call_command("revoke_node", "ghost")


@pytest.mark.parametrize("host", ["", "../etc", "node 1", "-x", "a" * 256])
def test_a_host_name_that_could_not_be_a_queue_or_a_path_is_refused(host):
    with pytest.raises(enrollment.EnrollmentError, match="not a host name"):
        enrollment.enroll(host)
    assert not HostCertificate.objects.exists()
