"""Key pair logic with Nova's rules: generate, validate, fingerprint and name checks. No HTTP here.

Error messages never quote key material: a submitted key may be a private key pasted by mistake.
"""

import base64
import binascii
import hashlib
import string

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core import pki

SSH = "ssh"
X509 = "x509"
KEY_TYPES = (SSH, X509)
SSH_ALGORITHMS = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
MAX_NAME_LENGTH = 255
MAX_KEY_LENGTH = 65535
GENERATED_COMMENT = "Generated-by-Nova"
_NAME_CHARS = frozenset("_- " + string.digits + string.ascii_letters)
_UPN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")  # Microsoft's User Principal Name, as Nova's WinRM cert


class InvalidKey(ValueError):
    """A public key or certificate that cannot be used; the message says why."""


class InvalidName(ValueError):
    """A key pair name outside Nova's rules."""


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def _check_type(key_type: str) -> None:
    if key_type not in KEY_TYPES:
        raise InvalidKey(f"key type must be one of {', '.join(KEY_TYPES)}")


def validate_name(name) -> str:
    """Return ``name`` if it is 1 to 255 ASCII letters, digits, spaces, '-' or '_', not space-padded."""
    if not isinstance(name, str):
        raise InvalidName("Keypair name must be string and between 1 and 255 characters long")
    if not set(name) <= _NAME_CHARS:
        raise InvalidName("Keypair name contains unsafe characters")
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidName("Keypair name must be string and between 1 and 255 characters long")
    if name != name.strip(" "):
        raise InvalidName("Keypair name must not start or end with spaces")
    return name


def _ssh_parts(text: str) -> tuple[str, bytes, str]:
    """Split an OpenSSH public key line into (algorithm, decoded blob, comment)."""
    if "\n" in text or "\r" in text:
        raise InvalidKey("the public key must be a single line")
    parts = text.split(None, 2)
    if len(parts) < 2:
        raise InvalidKey("the public key is not in OpenSSH format ('<algorithm> <base64 key> [comment]')")
    algorithm, body = parts[0], parts[1]
    comment = parts[2] if len(parts) == 3 else ""
    if algorithm not in SSH_ALGORITHMS:
        raise InvalidKey(f"unsupported public key algorithm; use one of {', '.join(SSH_ALGORITHMS)}")
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKey("the public key's base64 data is invalid or truncated") from None
    if any(not ch.isprintable() for ch in comment):
        raise InvalidKey("the public key's comment contains control characters")
    return algorithm, blob, comment


def _validate_ssh(text: str) -> str:
    algorithm, blob, comment = _ssh_parts(text)
    encoded = base64.b64encode(blob).decode("ascii")
    try:
        serialization.load_ssh_public_key(f"{algorithm} {encoded}".encode("ascii"))
    except (ValueError, TypeError, IndexError):
        # Truncated or corrupt blob, trailing data, or a body of another algorithm than announced.
        raise InvalidKey("the public key data is corrupt or does not match its algorithm") from None
    except Exception:  # cryptography's UnsupportedAlgorithm and anything else it raises on odd input
        raise InvalidKey("the public key could not be loaded") from None
    return f"{algorithm} {encoded} {comment}" if comment else f"{algorithm} {encoded}"


def _load_certificate(text: str) -> x509.Certificate:
    if text.count("-----BEGIN CERTIFICATE-----") != 1:
        raise InvalidKey("expected exactly one PEM certificate ('-----BEGIN CERTIFICATE-----')")
    try:
        return x509.load_pem_x509_certificate(text.encode("ascii"))
    except (ValueError, TypeError):
        raise InvalidKey("the certificate is not a valid PEM X.509 certificate") from None


def validate_public_key(text, key_type: str = SSH) -> str:
    """The normalised public key (OpenSSH line, or PEM certificate for x509); raises ``InvalidKey``."""
    _check_type(key_type)
    if not isinstance(text, str):
        raise InvalidKey("the public key must be a string")
    text = text.strip()
    if not text:
        raise InvalidKey("the public key is empty")
    if len(text) > MAX_KEY_LENGTH:
        raise InvalidKey(f"the public key is longer than {MAX_KEY_LENGTH} characters")
    if not text.isascii():
        raise InvalidKey("the public key contains non-ASCII characters")
    if key_type == X509:
        cert = _load_certificate(text)
        return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    if "PRIVATE KEY" in text:
        raise InvalidKey("this is a private key; submit the public key only")
    return _validate_ssh(text)


def fingerprint(public_key: str, key_type: str = SSH) -> str:
    """Nova's fingerprint: MD5 of the SSH key blob, or SHA-1 of the DER certificate, as 'aa:bb:...'."""
    _check_type(key_type)
    if key_type == X509:
        return _colon_hex(_load_certificate(public_key.strip()).fingerprint(hashes.SHA1()))
    _, blob, _ = _ssh_parts(public_key.strip())
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def _der_utf8(value: str) -> bytes:
    """A DER UTF8String, the value of the certificate's UPN otherName."""
    data = value.encode("utf-8")
    if len(data) < 0x80:
        return bytes([0x0C, len(data)]) + data
    size = len(data).to_bytes((len(data).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + data


def _self_signed(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    return (
        pki.certificate_builder(subject, subject, key.public_key(), days=3650)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.OtherName(_UPN_OID, _der_utf8(f"{common_name[:64]}@localhost"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )


def generate(key_type: str = SSH, common_name: str = "cloudcore") -> tuple[str, str]:
    """A new RSA-2048 pair: (public key, private key PEM). The public key is an OpenSSH line for
    ``ssh`` and a self-signed PEM certificate (subject CN ``common_name``) for ``x509``."""
    _check_type(key_type)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode("ascii")
    if key_type == X509:
        public = _self_signed(key, common_name).public_bytes(serialization.Encoding.PEM).decode("ascii")
    else:
        openssh = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        public = f"{openssh.decode('ascii')} {GENERATED_COMMENT}"
    return public, private_pem
