"""The cloud's certificate authority and the identities it issues (plain Python, no Django).

Every process that sends or obeys a task has an identity: an Ed25519 key and a certificate the
cloud's CA signed. The subject says who holds it: ``OU=compute, CN=<host>`` for a compute node
(its address goes in the subject alternative name), ``OU=control-plane, CN=control-plane`` for
the one identity the API, scheduler, conductor and beat share. ``core.signing`` signs and checks
messages with them; ``cryptography`` does all the crypto.

Files (``pki_dir()`` is ``CLOUDCORE_PKI_DIR``, else ``<CLOUDCORE_DATA_DIR>/pki``):

- ``ca.key``, ``ca.crt``: the CA, created on first use (``CLOUDCORE_CA_KEY`` and
  ``CLOUDCORE_CA_CERT`` name an existing one instead);
- ``control-plane.key``, ``control-plane.crt``: the control plane's identity, created on first
  use and renewed when it has less than ``RENEW_BEFORE`` left;
- ``hosts/<host>/{host.key,host.crt,ca.crt}``: what ``manage.py enroll_node`` issues a node.
"""

import contextlib
import dataclasses
import datetime
import fcntl
import ipaddress
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

COMPUTE = "compute"
CONTROL_PLANE = "control-plane"
ROLES = (COMPUTE, CONTROL_PLANE)

CA_DAYS = 3650
CONTROL_PLANE_DAYS = 825
NODE_DAYS = int(os.environ.get("HOST_CERT_DAYS") or 365)
RENEW_BEFORE = datetime.timedelta(days=30)


class CertificateError(Exception):
    """A certificate this cloud's CA did not issue, or one that is not (or no longer) valid."""


def pki_dir(env=None) -> Path:
    """``CLOUDCORE_PKI_DIR``, else ``<CLOUDCORE_DATA_DIR>/pki`` (of ``env``, the process's by default)."""
    env = os.environ if env is None else env
    explicit = env.get("CLOUDCORE_PKI_DIR")
    if explicit:
        return Path(explicit)
    return Path(env.get("CLOUDCORE_DATA_DIR") or Path(__file__).resolve().parent.parent / "var") / "pki"


def host_cert_dir(host: str, base: Path | None = None) -> Path:
    """Where ``enroll_node`` puts a node's files by default, and where the node looks for them."""
    return (base or pki_dir()) / "hosts" / host


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write(path: Path, data: bytes, private: bool) -> None:
    """Write atomically (a reader sees the old file or the new one), keys readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _key_pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@contextlib.contextmanager
def _locked(directory: Path):
    """One process at a time creates files in ``directory`` (several start at once)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def certificate_builder(subject: x509.Name, issuer: x509.Name, public_key, days: int) -> x509.CertificateBuilder:
    """A certificate for ``public_key`` valid from five minutes ago (clocks drift) for ``days``,
    with a random serial: what every certificate cloudcore makes starts from."""
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
    )


@dataclasses.dataclass(frozen=True)
class Authority:
    key: ed25519.Ed25519PrivateKey | None
    cert: x509.Certificate

    def issue(self, role: str, name: str, address: str | None = None, days: int = NODE_DAYS) -> "Identity":
        """A new key and a certificate for ``name`` in ``role``, valid for ``days``."""
        if self.key is None:
            raise CertificateError("this process holds the CA certificate only; it cannot issue")
        if role not in ROLES:
            raise ValueError(f"no such role: {role}")
        key = ed25519.Ed25519PrivateKey.generate()
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                             x509.NameAttribute(NameOID.COMMON_NAME, name)])  # fmt: skip
        builder = certificate_builder(subject, self.cert.subject, key.public_key(), days).add_extension(
            x509.BasicConstraints(ca=False, path_length=None), critical=True
        )
        if address:
            builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(address)]), critical=False)
        return Identity(key, builder.sign(self.key, None), self.cert)


def _general_name(address: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(address))
    except ValueError:
        return x509.DNSName(address)


def _new_ca() -> Authority:
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "cloudcore"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "cloudcore host CA")])  # fmt: skip
    cert = (
        certificate_builder(name, name, key.public_key(), CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, None)
    )
    return Authority(key, cert)


def load_authority(directory: Path | None = None) -> Authority:
    """The CA: from ``CLOUDCORE_CA_CERT``/``CLOUDCORE_CA_KEY`` when set, else from ``directory``
    (created there on first use)."""
    directory = directory or pki_dir()
    cert_path = Path(os.environ.get("CLOUDCORE_CA_CERT") or directory / "ca.crt")
    key_path = Path(os.environ.get("CLOUDCORE_CA_KEY") or directory / "ca.key")
    if not cert_path.exists() and not os.environ.get("CLOUDCORE_CA_CERT"):
        with _locked(directory):
            if not cert_path.exists():
                authority = _new_ca()
                _write(key_path, _key_pem(authority.key), private=True)
                _write(cert_path, _cert_pem(authority.cert), private=False)
    if not cert_path.exists():
        raise CertificateError(f"no CA certificate at {cert_path}")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = None
    if key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    return Authority(key, cert)


@dataclasses.dataclass(frozen=True)
class Identity:
    """A key, its certificate and the CA certificate that vouches for both ends."""

    key: ed25519.Ed25519PrivateKey
    cert: x509.Certificate
    ca: x509.Certificate

    @property
    def name(self) -> str:
        return subject_value(self.cert, NameOID.COMMON_NAME)

    @property
    def role(self) -> str:
        return subject_value(self.cert, NameOID.ORGANIZATIONAL_UNIT_NAME)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def save(self, directory: Path, key_name: str = "host") -> None:
        """Write ``<key_name>.key``, ``<key_name>.crt`` and ``ca.crt`` into ``directory``, the
        certificate last: a node that reloads when the certificate changes finds its new key."""
        _write(directory / "ca.crt", _cert_pem(self.ca), private=False)
        _write(directory / f"{key_name}.key", _key_pem(self.key), private=True)
        _write(directory / f"{key_name}.crt", _cert_pem(self.cert), private=False)


def subject_value(cert: x509.Certificate, oid) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def load_identity(directory: Path, key_name: str = "host") -> Identity:
    """The identity saved in ``directory`` (``Identity.save``)."""
    try:
        key = serialization.load_pem_private_key((directory / f"{key_name}.key").read_bytes(), None)
        cert = x509.load_pem_x509_certificate((directory / f"{key_name}.crt").read_bytes())
        ca = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
    except FileNotFoundError as exc:
        raise CertificateError(f"missing {exc.filename}") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise CertificateError(f"{directory / key_name}.key is not an Ed25519 key")
    return Identity(key, cert, ca)


def _lasting_control_plane(directory: Path) -> Identity | None:
    """The control plane's saved identity if it has more than ``RENEW_BEFORE`` left."""
    with contextlib.suppress(CertificateError):
        identity = load_identity(directory, CONTROL_PLANE)
        if identity.cert.not_valid_after_utc - _now() > RENEW_BEFORE:
            return identity
    return None


def control_plane_identity(directory: Path | None = None) -> Identity:
    """The control plane's identity, issued by the CA on first use and renewed before it expires."""
    directory = directory or pki_dir()
    if (identity := _lasting_control_plane(directory)) is not None:
        return identity
    authority = load_authority(directory)
    with _locked(directory):
        if (identity := _lasting_control_plane(directory)) is not None:  # another process renewed it
            return identity
        identity = authority.issue(CONTROL_PLANE, CONTROL_PLANE, days=CONTROL_PLANE_DAYS)
        identity.save(directory, CONTROL_PLANE)
        return identity


@dataclasses.dataclass(frozen=True)
class Vouched:
    """What a certificate the CA signed says of its holder."""

    role: str
    name: str
    serial: str
    not_after: datetime.datetime
    public_key: ed25519.Ed25519PublicKey


def vouch(ca: x509.Certificate, der: bytes) -> Vouched:
    """Check that ``der`` is a certificate ``ca`` signed and say whom it names; ``CertificateError``
    otherwise. (Validity in time is checked per message: ``Vouched.not_after``.)"""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise CertificateError("not a certificate") from None
    if cert.issuer != ca.subject:
        raise CertificateError("not issued by this cloud's CA")
    try:
        ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes)
    except InvalidSignature:
        raise CertificateError("not signed by this cloud's CA") from None
    key = cert.public_key()
    role = subject_value(cert, NameOID.ORGANIZATIONAL_UNIT_NAME)
    if not isinstance(key, ed25519.Ed25519PublicKey) or role not in ROLES:
        raise CertificateError("not a cloudcore identity")
    if cert.not_valid_before_utc > _now() + datetime.timedelta(minutes=5):
        raise CertificateError("not valid yet")
    return Vouched(role, subject_value(cert, NameOID.COMMON_NAME), serial_of(cert), cert.not_valid_after_utc, key)


def serial_of(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def address_of(cert: x509.Certificate) -> str:
    with contextlib.suppress(x509.ExtensionNotFound):
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for name in names:
            return str(name.value)
    return ""


class IdentityFiles:
    """An identity read from ``directory`` and read again whenever its certificate file changes,
    so a renewed certificate is used without a restart."""

    def __init__(self, directory: Path, key_name: str = "host"):
        self.directory, self.key_name = Path(directory), key_name
        self._stamp = None
        self._identity: Identity | None = None

    def __call__(self) -> Identity:
        try:
            stat = (self.directory / f"{self.key_name}.crt").stat()
            stamp = (stat.st_mtime_ns, stat.st_ino, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if self._identity is None or stamp != self._stamp:
            self._identity = load_identity(self.directory, self.key_name)
            self._stamp = stamp
        return self._identity
