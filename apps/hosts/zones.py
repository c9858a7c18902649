"""Availability zones: named by aggregates' ``availability_zone`` metadata; the rest are the default."""

from django.conf import settings

from apps.hosts.models import Aggregate, Service
from core.names import COMPUTE_BINARY


def zones() -> dict[str, list[str]]:
    """Every zone with its compute hosts; hosts in no zone aggregate are in the default zone."""
    by_zone: dict[str, set[str]] = {}
    zoned_hosts = set()
    for aggregate in Aggregate.objects.prefetch_related("hosts"):
        if aggregate.availability_zone:
            hosts = {h.host for h in aggregate.hosts.all()}
            by_zone.setdefault(aggregate.availability_zone, set()).update(hosts)
            zoned_hosts |= hosts
    for host in Service.objects.filter(binary=COMPUTE_BINARY).values_list("host", flat=True):
        if host not in zoned_hosts:
            by_zone.setdefault(settings.DEFAULT_AVAILABILITY_ZONE, set()).add(host)
    return {zone: sorted(hosts) for zone, hosts in sorted(by_zone.items())}


def zone_of(host: str) -> str:
    """The zone ``host`` is in: its aggregates' zone, else the default one."""
    for zone in Aggregate.objects.filter(hosts__host=host).values_list("metadata__availability_zone", flat=True):
        if zone:
            return zone
    return settings.DEFAULT_AVAILABILITY_ZONE


def zone_conflict(aggregate, host: str, zone: str | None):
    """Another aggregate of ``host`` whose zone differs from ``zone`` (a host lives in one zone), or None."""
    if not zone:
        return None
    for other in Aggregate.objects.filter(hosts__host=host).exclude(pk=aggregate.pk):
        if other.availability_zone and other.availability_zone != zone:
            return other
    return None
