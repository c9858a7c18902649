"""``manage.py enroll_node HOST... --address ADDR``: issue compute hosts their key and certificate."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.hosts import enrollment
from core import pki


class Command(BaseCommand):
    help = (
        "Issue each compute HOST a key and a certificate from the cloud's CA and record it. The files "
        "(host.key, host.crt, ca.crt) go to OUT_DIR/<host>; copy them to the node's HOST_CERT_DIR. "
        "Running it again renews: the old certificate stays valid until it expires or is revoked."
    )

    def add_arguments(self, parser):
        parser.add_argument("hosts", nargs="+", metavar="HOST")
        parser.add_argument("--address", default="", help="the node's address, written into its certificate")
        parser.add_argument("--out-dir", type=Path, help=f"where to write <host>/ (default {pki.pki_dir()}/hosts)")
        parser.add_argument("--days", type=int, default=pki.NODE_DAYS, help="validity in days")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="keep files that hold a recorded, unrevoked certificate (30+ days left)",
        )

    def handle(self, *args, hosts, address, out_dir, days, reuse, **options):
        for host in hosts:
            directory = (out_dir / host) if out_dir else pki.host_cert_dir(host)
            try:
                identity, kept = enrollment.enroll(host, address, directory, days=days, reuse=reuse)
            except (enrollment.EnrollmentError, pki.CertificateError) as exc:
                raise CommandError(str(exc)) from None
            verb = "kept" if kept else "enrolled"
            self.stdout.write(f"{verb} {host}: certificate {pki.serial_of(identity.cert)} valid until "
                              f"{identity.cert.not_valid_after_utc:%Y-%m-%d} in {directory}")  # fmt: skip
