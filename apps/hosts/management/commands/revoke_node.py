"""``manage.py revoke_node HOST [--serial S]``: refuse everything a host's certificates sign from now on."""

from django.core.management.base import BaseCommand, CommandError

from apps.hosts import enrollment


class Command(BaseCommand):
    help = "Revoke a compute host's certificates (or one, by serial): the conductor refuses what they sign afterwards."

    def add_arguments(self, parser):
        parser.add_argument("host")
        parser.add_argument("--serial", help="revoke only this certificate (hex, as enroll_node prints it)")

    def handle(self, *args, host, serial, **options):
        count = enrollment.revoke(host, serial)
        if not count:
            raise CommandError(f"{host} has no unrevoked certificate" + (f" with serial {serial}" if serial else ""))
        self.stdout.write(f"revoked {count} certificate(s) of {host}")
