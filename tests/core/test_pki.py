"""The host CA: what it issues, what it vouches for, and what it refuses to."""

import datetime
import os
import stat

import pytest

from core import pki


@pytest.fixture
def authority(tmp_path):
    return pki.load_authority(tmp_path)


def test_the_ca_is_created_once_with_a_private_key(tmp_path, authority):
    assert stat.S_IMODE(os.stat(tmp_path / "ca.key").st_mode) == 0o600
    again = pki.load_authority(tmp_path)
    assert again.cert == authority.cert


def test_a_node_certificate_names_its_host_role_and_address(tmp_path, authority):
    identity = authority.issue(pki.COMPUTE, "node7", "10.0.0.7", days=30)
    identity.save(tmp_path / "node7")
    loaded = pki.load_identity(tmp_path / "node7")
    assert (loaded.role, loaded.name, pki.address_of(loaded.cert)) == (pki.COMPUTE, "node7", "10.0.0.7")
    vouched = pki.vouch(authority.cert, loaded.cert_der)
    assert (vouched.role, vouched.name, vouched.serial) == (pki.COMPUTE, "node7", pki.serial_of(loaded.cert))
    left = vouched.not_after - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(days=29) < left <= datetime.timedelta(days=30)


def test_a_certificate_from_another_ca_is_not_vouched_for(tmp_path, authority):
    stranger = pki.load_authority(tmp_path / "elsewhere")
    forged = stranger.issue(pki.CONTROL_PLANE, pki.CONTROL_PLANE)
    with pytest.raises(pki.CertificateError, match="CA"):
        pki.vouch(authority.cert, forged.cert_der)
    with pytest.raises(pki.CertificateError):
        pki.vouch(authority.cert, b"not a certificate")


def test_the_control_plane_identity_is_kept_and_renewed_before_it_expires(tmp_path, monkeypatch):
    first = pki.control_plane_identity(tmp_path)
    assert pki.control_plane_identity(tmp_path).cert == first.cert
    assert (first.role, first.name) == (pki.CONTROL_PLANE, pki.CONTROL_PLANE)
    monkeypatch.setattr(pki, "RENEW_BEFORE", datetime.timedelta(days=pki.CONTROL_PLANE_DAYS + 1))
    assert pki.control_plane_identity(tmp_path).cert != first.cert


def test_a_ca_given_by_path_is_used_and_never_replaced(tmp_path, monkeypatch):
    own = pki.load_authority(tmp_path / "own")
    monkeypatch.setenv("CLOUDCORE_CA_CERT", str(tmp_path / "own" / "ca.crt"))
    monkeypatch.setenv("CLOUDCORE_CA_KEY", str(tmp_path / "own" / "ca.key"))
    assert pki.load_authority(tmp_path / "data").cert == own.cert
    assert not (tmp_path / "data" / "ca.crt").exists()
    monkeypatch.setenv("CLOUDCORE_CA_CERT", str(tmp_path / "missing.crt"))
    with pytest.raises(pki.CertificateError, match="no CA certificate"):
        pki.load_authority(tmp_path / "data")


def test_identity_files_are_read_again_when_the_certificate_changes(tmp_path, authority):
    authority.issue(pki.COMPUTE, "node1").save(tmp_path)
    files = pki.IdentityFiles(tmp_path)
    first = files()
    assert files() is first
    renewed = authority.issue(pki.COMPUTE, "node1")
    renewed.save(tmp_path)
    assert files().cert == renewed.cert


def test_a_missing_identity_says_which_file(tmp_path):
    with pytest.raises(pki.CertificateError, match="host.key"):
        pki.load_identity(tmp_path)
