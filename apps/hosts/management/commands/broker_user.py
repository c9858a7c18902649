"""``manage.py broker_user HOST[=PASSWORD]...``: each compute node's own RabbitMQ user."""

import secrets
import shlex
import subprocess

from django.core.management.base import BaseCommand, CommandError

from apps.hosts import broker, enrollment


class Command(BaseCommand):
    help = (
        "Create or reset each compute HOST's RabbitMQ user with the permissions a node needs and nothing more "
        "(rabbitmqctl must reach the broker), or with --script print the rabbitmqctl calls as a shell script. "
        "A host without =PASSWORD gets a new random one; the passwords go in the nodes' BROKER_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("hosts", nargs="+", metavar="HOST[=PASSWORD]")
        parser.add_argument("--vhost", default="/")
        parser.add_argument(
            "--ctl", default="rabbitmqctl", help="the rabbitmqctl command, e.g. 'rabbitmqctl -n rabbit@mq'"
        )
        parser.add_argument("--script", action="store_true", help="print a shell script instead of running it")

    def handle(self, *args, hosts, vhost, ctl, script, **options):
        users = {}
        for item in hosts:
            host, _, password = item.partition("=")
            if not enrollment.HOST_NAME.match(host):
                raise CommandError(f"{host!r} is not a host name")
            users[host] = password or secrets.token_urlsafe(24)
        ctl_argv = tuple(shlex.split(ctl))
        if script:
            self.stdout.write(broker.script(users, vhost, ctl_argv), ending="")
            return
        for host, password in users.items():
            try:
                broker.create_node_user(host, password, vhost, ctl_argv)
            except (OSError, subprocess.CalledProcessError) as exc:
                raise CommandError(f"rabbitmqctl failed: {getattr(exc, 'stderr', '') or exc}") from None
            self.stdout.write(f"{host} password {password}")
