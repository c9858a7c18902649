"""What the conductor does with a host's heartbeats and node reports."""

import logging
import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.hosts.models import ComputeNode, Service
from core import capabilities as caps
from core import names
from core.names import COMPUTE_BINARY
from workers.conductor import trust
from workers.conductor.trust import Reason, Refused

LOG = logging.getLogger(__name__)


@trust.host_report("service_heartbeat")
def service_heartbeat(host: str, binary: str = COMPUTE_BINARY) -> Service:
    """Record that the compute service on ``host`` is alive; its first heartbeat registers it.

    - ``host``: the host the message's signature proves sent it (``trust.HostReportTask``: an
      enrolled, unrevoked certificate); it names the only service the heartbeat touches, the
      compute service of that host, which it registers if there is none.
    - ``binary``: ignored: a host speaks only for its compute service.
    """
    now = timezone.now()
    # updated_at is left alone: it marks changes an operator made (schedulers watch it), not liveness.
    updated = Service.objects.filter(host=host, binary=COMPUTE_BINARY).update(
        last_seen_up=now, report_count=F("report_count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                Service.objects.create(
                    host=host, binary=COMPUTE_BINARY, topic=names.compute_queue(host), last_seen_up=now, report_count=1
                )
                LOG.info("registered service %s on %s", COMPUTE_BINARY, host)
        except IntegrityError:
            pass
    return Service.objects.get(host=host, binary=COMPUTE_BINARY)


# What a node may report of itself, and the bounds of each number (anything outside refuses the report).
NODE_COUNTS = {"vcpus": 1 << 20, "memory_mb": (1 << 31) - 1, "local_gb": (1 << 31) - 1, "running_vms": 1 << 20,
               "hypervisor_version": (1 << 63) - 1}  # fmt: skip
NODE_RATIOS = ("cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio")
MAX_ALLOCATION_RATIO = 1000.0
NODE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$")


def _node_fields(resources) -> dict:
    if not isinstance(resources, dict):
        raise Refused(Reason.BAD_FIELD, "resources is not an object")
    fields = {}
    for name, bound in NODE_COUNTS.items():
        value = resources.get(name, 0)
        if type(value) is not int or not 0 <= value <= bound:
            raise Refused(Reason.BAD_FIELD, f"{name} is not a whole number from 0 to {bound}")
        fields[name] = value
    for name in NODE_RATIOS:
        if name in resources:
            value = resources[name]
            if type(value) not in (int, float) or not 0 < value <= MAX_ALLOCATION_RATIO:
                raise Refused(Reason.BAD_FIELD, f"{name} is not a number above 0 and at most {MAX_ALLOCATION_RATIO}")
            fields[name] = float(value)
    reported = resources.get("capabilities", {})
    if not isinstance(reported, dict) or any(type(v) is not bool for v in reported.values()):
        raise Refused(Reason.BAD_FIELD, "capabilities is not an object of true and false")
    fields["capabilities"] = {name: reported.get(name, False) for name in caps.ALL}
    fields["hypervisor_type"] = trust.text(resources.get("hypervisor_type"), 32)
    fields["cpu_arch"] = trust.text(resources.get("cpu_arch"), 32)
    return fields


@trust.host_report("node_report")
def node_report(host: str, resources: dict) -> None:
    """Update the host's node from its hypervisor's figures.

    ``host``: the host the message's signature proves sent it (``trust.HostReportTask``); only the
    node that host owns can change (below), and its compute service is registered if it has none
    (as ``service_heartbeat``).

    ``resources``: ``vcpus``, ``memory_mb``, ``local_gb``, ``running_vms``, ``hypervisor_version``
    must be whole numbers within ``NODE_COUNTS``, the allocation ratios numbers in (0, 1000];
    ``hypervisor_type`` and ``cpu_arch`` are bounded text; ``capabilities`` must map names to
    true or false, and only the names of ``core.capabilities`` are kept (a missing one is false);
    ``hypervisor_hostname`` must name the host's own node, or a new one while the host has none
    (one node per host); anything else in it is ignored. Never ``*_used``: claims own those.
    """
    fields = _node_fields(resources)
    node_name = resources.get("hypervisor_hostname") or host
    if not isinstance(node_name, str) or not NODE_NAME.match(node_name):
        raise Refused(Reason.BAD_FIELD, "hypervisor_hostname is not a node name")
    owner = ComputeNode.objects.filter(hypervisor_hostname=node_name).values_list("host", flat=True).first()
    if owner is not None and owner != host:
        raise Refused(Reason.WRONG_HOST, f"node {node_name} belongs to {owner}")
    if owner is None and ComputeNode.objects.filter(host=host).exists():
        raise Refused(Reason.WRONG_HOST, f"{host} already has a node; it may not add {node_name}")
    service = Service.objects.filter(host=host, binary=COMPUTE_BINARY).first() or service_heartbeat(host)
    fields.update(service=service, host=host)
    current = ComputeNode.objects.filter(hypervisor_hostname=node_name).values(*fields.keys() - {"service"}).first()
    if current is not None and all(current[k] == v for k, v in fields.items() if k != "service"):
        return  # nothing changed: leave updated_at alone, so schedulers have nothing to re-read
    try:
        with transaction.atomic():
            ComputeNode.objects.update_or_create(hypervisor_hostname=node_name, defaults=fields)
    except IntegrityError:
        ComputeNode.objects.filter(hypervisor_hostname=node_name).update(**fields, updated_at=timezone.now())
