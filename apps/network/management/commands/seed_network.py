"""Create the shared default network and its subnet (idempotent)."""

from django.core.management.base import BaseCommand

from apps.network.ipam import ensure_default_network


class Command(BaseCommand):
    help = (
        "Create the shared default network (settings.DEFAULT_NETWORK_NAME, 'public') with its subnet on "
        "settings.DEFAULT_NETWORK_CIDR (10.0.0.0/24); does nothing if it exists."
    )

    def handle(self, *args, **options):
        network = ensure_default_network()
        for subnet in network.subnets.all():
            self.stdout.write(
                f"network {network.name} ({network.id}) subnet {subnet.name} {subnet.cidr} "
                f"gateway {subnet.gateway_ip} pool {subnet.pool_start}-{subnet.pool_end}"
            )
