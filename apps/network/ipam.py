"""Addresses for instances: what the compute side calls, with no HTTP in between.

- ``allocate_port(instance_uuid=..., project=..., network_id=None)`` gives an instance a port with
  the lowest free address of the network's pool;
- ``release_ports(instance_uuid)`` gives its addresses back;
- ``addresses_for([instance_uuid, ...])`` answers Nova's ``addresses`` for many instances in one query;
- ``ensure_default_network()`` creates the shared default network if it is missing.

Concurrent allocations cannot hand out one address twice: each locks its network's subnet rows
(``SELECT ... FOR UPDATE``) before reading which addresses are taken, and the unique constraint on
(subnet, fixed_ip) backs that up. SQLite has no row locks, but its transactions are serialized
(cloudcore opens them IMMEDIATE), which gives the same guarantee.
"""

import ipaddress
import secrets
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.common.exceptions import BadRequest, Conflict
from apps.network.models import Network, Port, Subnet

# The default network's id is fixed, so two processes creating it at once cannot make two.
DEFAULT_NETWORK_ID = uuid.uuid5(uuid.NAMESPACE_URL, "cloudcore:network:default")
MAC_PREFIX = "fa:16:3e"
_ATTEMPTS = 8


def _pk(value) -> str | None:
    """A project (or its id, or None) as its id."""
    return getattr(value, "pk", value)


def parse_uuid(value) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (so a bad id is simply not found)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def default_network() -> Network | None:
    """The network an instance gets when none is asked for: the oldest shared one."""
    return Network.objects.filter(shared=True).order_by("created_at", "id").first()


def random_mac() -> str:
    return f"{MAC_PREFIX}:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))


def default_pool(network: ipaddress.IPv4Network | ipaddress.IPv6Network, gateway) -> tuple[str, str]:
    """Every host address of ``network``, less the gateway when it sits at either end."""
    first, last = int(network.network_address) + 1, int(network.broadcast_address)
    if network.version == 4:
        last -= 1
    if network.prefixlen >= network.max_prefixlen - 1:  # /31 and /32: every address is a host
        first, last = int(network.network_address), int(network.broadcast_address)
    if gateway is not None:
        gateway = int(ipaddress.ip_address(gateway))
        if gateway == first:
            first += 1
        elif gateway == last:
            last -= 1
    if first > last:
        raise BadRequest(f"Invalid input for operation: subnet {network} has no address left for ports.")
    return _from_int(first, network.version), _from_int(last, network.version)


def _from_int(value: int, version: int) -> str:
    return str(ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value))


def _address(value) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(value).split("/")[0])


def _lowest_free(subnet: Subnet) -> str | None:
    """The lowest address of the subnet's pool that no port holds and that is not the gateway."""
    start, end = int(_address(subnet.pool_start)), int(_address(subnet.pool_end))
    taken = {int(_address(ip)) for ip in Port.objects.filter(subnet=subnet).values_list("fixed_ip", flat=True)}
    if subnet.gateway_ip:
        taken.add(int(_address(subnet.gateway_ip)))
    candidate = start
    for used in sorted(ip for ip in taken if start <= ip <= end):
        if used > candidate:
            break
        candidate = used + 1
    if candidate > end:
        return None
    return _from_int(candidate, subnet.ip_version)


def _pick_network(project_id, network_id) -> Network:
    if network_id is None:
        return default_network() or ensure_default_network()
    network = None
    parsed = parse_uuid(network_id)
    if parsed is not None:
        network = Network.objects.visible_to(_pk(project_id)).filter(pk=parsed).first()
    if network is None:
        raise BadRequest(f"Network {network_id} could not be found.")
    return network


def allocate_port(*, instance_uuid: str, project, network_id: str | None = None) -> Port:
    """A port for ``instance_uuid`` on ``network_id`` (or the default network) with the lowest free
    address, owned by ``project`` (a Project or its id).

    The network must be shared or ``project``'s own, else BadRequest ("Network <id> could not be
    found."); a network without subnets is a BadRequest too. When no subnet has a free address,
    Conflict ("No more IP addresses available on network <id>."). If the instance already has a
    port on that network, that port is returned (a retried build does not take a second address).
    When no shared network exists at all, the default one is created first (``ensure_default_network``).
    Safe to call inside an outer transaction: the subnet locks are then held until it commits.
    """
    project_id = _pk(project)
    device_id = str(instance_uuid)
    network = _pick_network(project_id, network_id)
    with transaction.atomic():
        subnets = list(Subnet.objects.select_for_update().filter(network=network).order_by("created_at", "id"))
        if not subnets:
            raise BadRequest(f"Network {network.id} requires a subnet in order to boot instances on.")
        existing = Port.objects.filter(network=network, device_id=device_id).first()
        if existing is not None:
            return existing
        for _ in range(_ATTEMPTS):
            for subnet in subnets:
                address = _lowest_free(subnet)
                if address is not None:
                    break
            else:
                raise Conflict(f"No more IP addresses available on network {network.id}.")
            try:
                with transaction.atomic():  # a savepoint: a MAC collision is retried, not fatal
                    return Port.objects.create(
                        network=network,
                        subnet=subnet,
                        fixed_ip=address,
                        mac_address=random_mac(),
                        device_id=device_id,
                        device_owner="compute:nova",
                        project_id=project_id,
                        status=Port.Status.ACTIVE,
                    )
            except IntegrityError:
                continue
        raise Conflict(f"Could not allocate an address on network {network.id}; try again.")


def release_ports(instance_uuid: str) -> int:
    """Delete every port of the instance; the number deleted (0 the second time)."""
    _, deleted = Port.objects.filter(device_id=str(instance_uuid)).delete()
    return deleted.get(Port._meta.label, 0)


def addresses_for(instance_uuids: Iterable) -> dict[str, dict]:
    """Nova's ``addresses`` of each instance (every one asked for, ``{}`` when it has no port), in one
    query: ``{"<uuid>": {"<network name>": [{"version", "addr", "OS-EXT-IPS:type", "OS-EXT-IPS-MAC:mac_addr"}]}}``.
    """
    uuids = [str(u) for u in instance_uuids]
    result: dict[str, dict] = {u: {} for u in uuids}
    if not uuids:
        return result
    rows = (
        Port.objects.filter(device_id__in=uuids)
        .order_by("created_at", "id")
        .values_list("device_id", "network__name", "network_id", "fixed_ip", "mac_address")
    )
    for device_id, network_name, network_id, fixed_ip, mac in rows:
        address = _address(fixed_ip)
        result[device_id].setdefault(network_name or str(network_id), []).append(
            {
                "version": address.version,
                "addr": str(address),
                "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": mac,
            }
        )
    return result


def ensure_default_network() -> Network:
    """The shared default network with its subnet, created if missing (idempotent, safe concurrently).

    Named ``settings.DEFAULT_NETWORK_NAME`` ("public"), with subnet "public-subnet" on
    ``settings.DEFAULT_NETWORK_CIDR`` ("10.0.0.0/24"): gateway at the first address, the rest the pool.
    """
    name = getattr(settings, "DEFAULT_NETWORK_NAME", "public")
    cidr = ipaddress.ip_network(getattr(settings, "DEFAULT_NETWORK_CIDR", "10.0.0.0/24"), strict=False)
    with transaction.atomic():
        network = Network.objects.filter(shared=True, name=name).order_by("created_at", "id").first()
        if network is None:
            network, _ = Network.objects.get_or_create(pk=DEFAULT_NETWORK_ID, defaults={"name": name, "shared": True})
        # The network's row lock makes "no subnet yet, so add one" safe against a concurrent call.
        network = Network.objects.select_for_update().get(pk=network.pk)
        if not network.subnets.exists():
            gateway = str(next(iter(cidr.hosts()), cidr.network_address))
            start, end = default_pool(cidr, gateway)
            Subnet.objects.create(
                network=network,
                name=f"{name}-subnet",
                cidr=str(cidr),
                ip_version=cidr.version,
                gateway_ip=gateway,
                pool_start=start,
                pool_end=end,
            )
    return network
