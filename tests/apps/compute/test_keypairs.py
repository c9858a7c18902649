"""Key pair logic: generation, validation, Nova's fingerprints and name rules (no database)."""

import base64
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from apps.compute import keypairs
from apps.compute.keypairs import InvalidKey, InvalidName

RSA_1024 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQChwsmpdYqctknd6qNoztKQ3odOjo7jzLA0FEyXvguJUFaD/NmnOOH8YPEGkGGJP+AmvEROuM"
    "UVe7t1VOcDxOJ5OOcgd1xvkiO7DlUQMG0CH6KZVRsqTwXIunWQvmKnkk/cZ1GT2L2767GLMBOagg1Vfcm5MxHX+89mOeTxJQ/EKQ== test"
)
RSA_1024_MD5 = "cf:35:30:23:a5:fe:7d:8f:9e:91:a9:e8:70:a7:1a:4b"  # `ssh-keygen -l -E md5` of RSA_1024
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA51IPWDMC0kewZChl9RsxBZCoG231u5QGBh5fDn8xfU"
ECDSA = {
    "nistp256": "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMS51QiZRM/6VvbW4SLtUkon/xC"
    "XD34/ZT+SPz0F5gSoUmGdAk9T4chaiZwLj8bulDNVYNnpwCNOtmAEFOdpXrs=",
    "nistp384": "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBDjhGE17lqUfiuYbO9SJVEduL8H"
    "NJa8mPPQyaEsn2WhhFRmvALUPiQOHfxA9vwUuB64P7a7OoKDg5smmLv87djrvQ010DH8wzhA79jGB0Y7FjlDKD+DFicKI93+68bZC7Q==",
    "nistp521": "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACvxQQ3dLg0eiti5JeR40EkXOJ"
    "UCCfWmHbs0tBt2dwpR2n0nIZm+x3YyC3X/LYNuY486F8kKxbfn2y4a8WEpX3gfgDq6p2NmtMQsCOfP5woUEPEp9T81/l3s11WG1xTDyTN+ZKB"
    "eMHqq1J/AScrhoyKnGkH0Zzkerr/6PidVr0M2s/PLA==",
}


def md5_colons(openssh: str) -> str:
    digest = hashlib.md5(base64.b64decode(openssh.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def test_generated_ssh_pair_round_trips():
    public, private = keypairs.generate()

    assert public.startswith("ssh-rsa AAAA") and private.startswith("-----BEGIN RSA PRIVATE KEY-----")
    key = serialization.load_pem_private_key(private.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    derived = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert public.split()[:2] == derived.decode().split()
    assert keypairs.validate_public_key(public) == public
    assert keypairs.fingerprint(public) == md5_colons(public)
    assert keypairs.generate()[0] != public


def test_generated_x509_pair_round_trips():
    cert_pem, private = keypairs.generate("x509", common_name="user-1")

    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    key = serialization.load_pem_private_key(private.encode(), password=None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert cert.subject.rfc4514_string() == "CN=user-1"
    assert keypairs.validate_public_key(cert_pem, "x509") == cert_pem
    der = base64.b64decode("".join(line for line in cert_pem.splitlines() if not line.startswith("-----")))
    expected = hashlib.sha1(der).hexdigest()
    assert keypairs.fingerprint(cert_pem, "x509") == ":".join(expected[i : i + 2] for i in range(0, 40, 2))


def test_fingerprint_of_a_known_key_matches_ssh_keygen():
    assert md5_colons(RSA_1024) == RSA_1024_MD5
    assert keypairs.fingerprint(RSA_1024) == RSA_1024_MD5
    assert keypairs.fingerprint(ED25519) == md5_colons(ED25519)


@pytest.mark.parametrize("key", [RSA_1024, ED25519, *ECDSA.values()])
def test_supported_algorithms_are_accepted(key):
    assert keypairs.validate_public_key(f"  {key}\n", "ssh") == key


def test_whitespace_is_normalised_and_the_comment_kept():
    algorithm, body, comment = RSA_1024.split()
    assert keypairs.validate_public_key(f"{algorithm}\t{body}  {comment}") == RSA_1024
    assert keypairs.validate_public_key(f"{algorithm} {body} a b") == f"{algorithm} {body} a b"


def _body(key: str) -> str:
    return key.split()[1]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "ssh-rsa",
        "ssh-rsa not*base64!",
        f"ssh-rsa {_body(RSA_1024)[:-10]}",  # truncated base64
        f"ssh-rsa {_body(RSA_1024)[:100]}",  # valid base64, truncated blob
        f"ssh-rsa {base64.b64encode(base64.b64decode(_body(RSA_1024)) + b'extra').decode()}",  # trailing data
        f"ssh-ed25519 {_body(RSA_1024)}",  # header and body disagree
        f"ssh-dss {_body(RSA_1024)}",
        f"ssh-rsa-cert-v01@openssh.com {_body(RSA_1024)}",
        f"{RSA_1024}\n{ED25519}",
        f"{RSA_1024[:-20]}é",  # non-ASCII
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        None,
        42,
    ],
)
def test_bad_ssh_keys_are_rejected_without_echoing_them(text):
    with pytest.raises(InvalidKey) as raised:
        keypairs.validate_public_key(text, "ssh")
    if isinstance(text, str) and len(text) > 10:
        assert text.strip()[8:40] not in str(raised.value)


def test_type_mismatches_and_bad_certificates_are_rejected():
    cert_pem, private = keypairs.generate("x509")
    with pytest.raises(InvalidKey):
        keypairs.validate_public_key(RSA_1024, "x509")
    with pytest.raises(InvalidKey):
        keypairs.validate_public_key(cert_pem, "ssh")
    with pytest.raises(InvalidKey):
        keypairs.validate_public_key(cert_pem.replace("A", "B", 5), "x509")
    with pytest.raises(InvalidKey):
        keypairs.validate_public_key(cert_pem + cert_pem, "x509")
    with pytest.raises(InvalidKey):
        keypairs.validate_public_key(private, "x509")
    with pytest.raises(InvalidKey):
        keypairs.validate_public_key(RSA_1024, "pgp")
    with pytest.raises(InvalidKey):
        keypairs.generate("pgp")


@pytest.mark.parametrize("name", ["a", "my key", "key_1-2", "A" * 255, "0"])
def test_valid_names(name):
    assert keypairs.validate_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "between 1 and 255"),
        ("A" * 256, "between 1 and 255"),
        (None, "must be string"),
        (7, "must be string"),
        ("a.b", "unsafe characters"),
        ("a@b", "unsafe characters"),
        ("key/1", "unsafe characters"),
        ("clé", "unsafe characters"),
        ("tab\there", "unsafe characters"),
        (" lead", "start or end with spaces"),
        ("trail ", "start or end with spaces"),
        ("   ", "start or end with spaces"),
    ],
)
def test_invalid_names(name, message):
    with pytest.raises(InvalidName, match=message):
        keypairs.validate_name(name)
    assert issubclass(InvalidName, ValueError) and issubclass(InvalidKey, ValueError)
