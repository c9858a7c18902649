"""Enrolling and revoking compute hosts: the CA issues a host its key and certificate and the
database records the certificate, so the conductor can refuse it once it is revoked."""

import hashlib
import re
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from apps.hosts.models import HostCertificate
from core import names, pki

HOST_NAME = re.compile(names.HOST_NAME_PATTERN)


class EnrollmentError(Exception):
    pass


def _reusable(authority: pki.Authority, host: str, directory: Path) -> pki.Identity | None:
    try:
        identity = pki.load_identity(directory)
        vouched = pki.vouch(authority.cert, identity.cert_der)
    except pki.CertificateError:
        return None
    if vouched.role != pki.COMPUTE or vouched.name != host or vouched.not_after - timezone.now() < pki.RENEW_BEFORE:
        return None
    recorded = HostCertificate.objects.filter(serial=vouched.serial, host=host, revoked_at__isnull=True).exists()
    return identity if recorded else None


def enroll(host: str, address: str = "", directory: Path | None = None, days: int = pki.NODE_DAYS,
           reuse: bool = False) -> tuple[pki.Identity, bool]:  # fmt: skip
    """Issue ``host`` a key and certificate, record it and write the node's files into ``directory``
    (default ``<pki>/hosts/<host>``); with ``reuse``, keep the files there if they still hold a
    recorded, unrevoked certificate with time left. Returns the identity and whether it was kept.

    Enrolling a host again (renewal) adds a certificate; the old one stays valid until it expires
    or is revoked (``revoke``), so a node can switch to the new files without downtime."""
    if not HOST_NAME.match(host or ""):
        raise EnrollmentError(f"{host!r} is not a host name (letters, digits, '.', '_', '-'; up to 255)")
    if days < 1:
        raise EnrollmentError("a certificate must be valid for at least one day")
    directory = Path(directory) if directory else pki.host_cert_dir(host)
    authority = pki.load_authority()
    if reuse and (kept := _reusable(authority, host, directory)) is not None:
        return kept, True
    identity = authority.issue(pki.COMPUTE, host, address or None, days=days)
    with transaction.atomic():
        HostCertificate.objects.create(
            serial=pki.serial_of(identity.cert), host=host, address=address or "",
            fingerprint=hashlib.sha256(identity.cert_der).hexdigest(),
            not_before=identity.cert.not_valid_before_utc, not_after=identity.cert.not_valid_after_utc,
        )  # fmt: skip
        identity.save(directory)
    return identity, False


def revoke(host: str, serial: str | None = None) -> int:
    """Revoke ``host``'s certificates (only ``serial`` when given); how many were revoked."""
    certificates = HostCertificate.objects.filter(host=host, revoked_at__isnull=True)
    if serial:
        certificates = certificates.filter(serial=serial.lower().removeprefix("0x"))
    return certificates.update(revoked_at=timezone.now())
