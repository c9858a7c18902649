"""What one instance asks of placement, resolved once per decision."""

import dataclasses
import time
from collections import Counter

from apps.compute.models import Instance, ServerGroup
from apps.hosts.claims import ResourceRequest


@dataclasses.dataclass
class RequestSpec:
    instance_uuid: str
    need: ResourceRequest
    extra_specs: dict = dataclasses.field(default_factory=dict)
    image_properties: dict = dataclasses.field(default_factory=dict)
    availability_zone: str | None = None
    force_host: str | None = None
    force_node: str | None = None
    group_uuid: str | None = None
    group_policy: str | None = None
    max_server_per_host: int | None = None
    group_hosts: Counter = dataclasses.field(default_factory=Counter)  # group members per host
    same_hosts: set[str] | None = None  # hint same_host: the hosts of those instances
    different_hosts: set[str] | None = None  # hint different_host
    ignore_hosts: frozenset[str] = frozenset()  # never these (the source of a migration)
    capabilities: frozenset[str] = frozenset()  # what the destination's driver must do (core.capabilities)
    now: float = dataclasses.field(default_factory=time.time)

    def placed(self, host: str) -> None:
        """An instance of this request went to ``host``: the next one's group view includes it."""
        if self.group_uuid:
            self.group_hosts[host] += 1


def _hosts_of(uuids) -> set[str]:
    if isinstance(uuids, str):
        uuids = [uuids]
    return set(
        Instance.objects.filter(uuid__in=list(uuids), deleted_at__isnull=True, host__isnull=False).values_list(
            "host", flat=True
        )
    )


def build(instance: Instance, flavor: dict | None = None, group_cache: dict | None = None) -> RequestSpec:
    """The spec for ``instance`` (with ``flavor`` for a resize); ``group_cache`` is shared by one request."""
    stored = instance.request_spec or {}
    flavor = flavor or instance.flavor
    hints = stored.get("scheduler_hints", {})
    spec = RequestSpec(
        instance_uuid=str(instance.uuid),
        need=ResourceRequest.from_flavor(flavor),
        extra_specs=dict(flavor.get("extra_specs") or {}),
        image_properties=dict(instance.image.properties) if instance.image_id else {},
        availability_zone=instance.pinned_availability_zone or None,  # the zone asked for, not where it is
        force_host=stored.get("force_host"),
        force_node=stored.get("force_node"),
    )
    if hints.get("same_host"):
        spec.same_hosts = _hosts_of(hints["same_host"])
    if hints.get("different_host"):
        spec.different_hosts = _hosts_of(hints["different_host"])
    groups = list(instance.server_groups.all())  # prefetched by the caller for a whole request
    group = groups[0] if groups else None
    if group is not None:
        spec.group_uuid = str(group.uuid)
        spec.group_policy = group.policy
        spec.max_server_per_host = group.rules.get("max_server_per_host")
        if group_cache is not None and spec.group_uuid in group_cache:
            spec.group_hosts = group_cache[spec.group_uuid]
        else:
            hosts = (
                ServerGroup.members.through.objects.filter(servergroup_id=group.uuid)
                .exclude(instance_id=instance.uuid)
                .filter(instance__deleted_at__isnull=True, instance__host__isnull=False)
                .values_list("instance__host", flat=True)
            )
            spec.group_hosts = Counter(hosts)
            if group_cache is not None:
                group_cache[spec.group_uuid] = spec.group_hosts
    return spec
