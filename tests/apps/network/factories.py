"""Networks for the network tests: ``make_network(...)`` builds one with a subnet, ``device_with_ports(...)``
an instance's ports."""

import ipaddress
import uuid

from apps.network import ipam
from apps.network.models import Network, Subnet


def make_network(
    name: str = "net",
    project=None,
    shared: bool = False,
    cidr: str = "192.168.0.0/24",
    pool: tuple[str, str] | None = None,
) -> Network:
    """A network with one subnet: gateway at the first address, the pool the rest unless given."""
    network = Network.objects.create(name=name, project=project, shared=shared)
    net = ipaddress.ip_network(cidr)
    hosts = list(net.hosts())
    start, end = pool or (str(hosts[1]), str(hosts[-1]))
    Subnet.objects.create(
        network=network,
        name=f"{name}-subnet",
        cidr=cidr,
        gateway_ip=str(hosts[0]),
        pool_start=start,
        pool_end=end,
    )
    return network


def device_with_ports(project, *networks) -> str:
    """A new instance id with one port on each network (as the compute side allocates them)."""
    device = str(uuid.uuid4())
    for network in networks:
        ipam.allocate_port(instance_uuid=device, project=project, network_id=str(network.id))
    return device
