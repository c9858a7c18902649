"""Addresses for instances: lowest free first, released for reuse, exhaustion, visibility, concurrency."""

import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from apps.common.exceptions import BadRequest, Conflict
from apps.network import ipam
from apps.network.models import Network, Port, Subnet
from tests.apps.network.factories import make_network
from tests.fixtures.factories import make_project

pytestmark = pytest.mark.django_db

# pytest-django's SQLite test database is in memory with a shared cache, whose table locks fail at
# once instead of waiting: the threaded tests need PostgreSQL (or a file database, as deployed).
needs_real_locks = pytest.mark.skipif(connection.vendor == "sqlite", reason="in-memory SQLite cannot wait on a lock")


def _uuid() -> str:
    return str(uuid.uuid4())


def test_allocations_take_distinct_lowest_free_addresses(member):
    network = make_network(shared=True)
    ports = [ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project) for _ in range(3)]

    assert [p.fixed_ip for p in ports] == ["192.168.0.2", "192.168.0.3", "192.168.0.4"]
    assert {p.network_id for p in ports} == {network.id}
    for port in ports:
        assert port.mac_address.startswith("fa:16:3e:") and len(port.mac_address) == 17
        assert port.device_owner == "compute:nova" and port.status == "ACTIVE"
        assert port.project_id == member.default_project_id
    assert len({p.mac_address for p in ports}) == 3


def test_release_frees_addresses_for_reuse(member):
    make_network(shared=True)
    project = member.default_project
    first, second, third = (_uuid() for _ in range(3))
    for instance in (first, second, third):
        ipam.allocate_port(instance_uuid=instance, project=project)

    assert ipam.release_ports(second) == 1
    assert ipam.release_ports(second) == 0  # idempotent
    assert ipam.allocate_port(instance_uuid=_uuid(), project=project).fixed_ip == "192.168.0.3"
    assert ipam.allocate_port(instance_uuid=_uuid(), project=project).fixed_ip == "192.168.0.5"


def test_the_gateway_is_never_handed_out(member):
    network = make_network(shared=True, pool=("192.168.0.1", "192.168.0.3"))
    ports = [ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project) for _ in range(2)]
    assert [p.fixed_ip for p in ports] == ["192.168.0.2", "192.168.0.3"]
    with pytest.raises(Conflict, match=f"No more IP addresses available on network {network.id}."):
        ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project)


def test_exhausted_pool_is_a_conflict(member):
    network = make_network(shared=True, pool=("192.168.0.10", "192.168.0.11"))
    project = member.default_project
    ipam.allocate_port(instance_uuid=_uuid(), project=project)
    ipam.allocate_port(instance_uuid=_uuid(), project=project)

    with pytest.raises(Conflict) as caught:
        ipam.allocate_port(instance_uuid=_uuid(), project=project)
    assert caught.value.message == f"No more IP addresses available on network {network.id}."
    assert Port.objects.count() == 2


def test_a_second_subnet_is_used_when_the_first_is_full(member):
    network = make_network(shared=True, pool=("192.168.0.10", "192.168.0.10"))
    Subnet.objects.create(
        network=network,
        cidr="192.168.1.0/24",
        gateway_ip="192.168.1.1",
        pool_start="192.168.1.2",
        pool_end="192.168.1.9",
    )
    ips = [ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project).fixed_ip for _ in range(2)]
    assert ips == ["192.168.0.10", "192.168.1.2"]


def test_a_retried_allocation_returns_the_same_port(member):
    make_network(shared=True)
    instance = _uuid()
    first = ipam.allocate_port(instance_uuid=instance, project=member.default_project)
    again = ipam.allocate_port(instance_uuid=instance, project=member.default_project)
    assert again.pk == first.pk
    assert Port.objects.count() == 1


def test_a_named_network_owned_by_the_project(member):
    make_network(shared=True)
    own = make_network(name="own", project=member.default_project, cidr="172.16.0.0/28")
    port = ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project, network_id=str(own.id))
    assert (port.network_id, port.fixed_ip) == (own.id, "172.16.0.2")


def test_the_project_may_be_given_by_id(member):
    make_network(shared=True)
    port = ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project_id)
    assert port.project_id == member.default_project_id


@pytest.mark.parametrize("which", ["unknown", "malformed", "foreign"])
def test_unknown_or_foreign_network_is_a_bad_request(member, which):
    make_network(shared=True)
    foreign = make_network(name="theirs", project=make_project(), cidr="172.16.0.0/24")
    network_id = {"unknown": str(uuid.uuid4()), "malformed": "not-a-uuid", "foreign": str(foreign.id)}[which]

    with pytest.raises(BadRequest) as caught:
        ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project, network_id=network_id)
    assert caught.value.message == f"Network {network_id} could not be found."
    assert not Port.objects.exists()


def test_a_network_without_subnets_is_a_bad_request(member):
    bare = Network.objects.create(name="bare", project=member.default_project)
    with pytest.raises(BadRequest, match="requires a subnet"):
        ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project, network_id=str(bare.id))


def test_the_default_network_is_the_first_shared_one(member):
    first = make_network(name="first", shared=True)
    make_network(name="second", shared=True, cidr="172.16.0.0/24")
    make_network(name="own", project=member.default_project, cidr="172.17.0.0/24")
    assert ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project).network_id == first.id


def test_without_any_shared_network_the_default_one_is_created(member, settings):
    settings.DEFAULT_NETWORK_CIDR = "10.9.0.0/24"
    port = ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project)
    assert (port.network.name, port.network.shared, port.fixed_ip) == ("public", True, "10.9.0.2")


def test_the_database_refuses_a_duplicate_address(member):
    network = make_network(shared=True)
    port = ipam.allocate_port(instance_uuid=_uuid(), project=member.default_project)
    with pytest.raises(IntegrityError), transaction.atomic():
        Port.objects.create(
            network=network, subnet=port.subnet, fixed_ip=port.fixed_ip, mac_address="fa:16:3e:00:00:01"
        )


def test_addresses_for_in_one_query(member, django_assert_num_queries):
    make_network(name="public", shared=True)
    own = make_network(name="private", project=member.default_project, cidr="172.16.0.0/24")
    project = member.default_project
    one, two, bare = _uuid(), _uuid(), _uuid()
    a = ipam.allocate_port(instance_uuid=one, project=project)
    b = ipam.allocate_port(instance_uuid=one, project=project, network_id=str(own.id))
    c = ipam.allocate_port(instance_uuid=two, project=project)

    with django_assert_num_queries(1):
        addresses = ipam.addresses_for([one, uuid.UUID(two), bare])

    def entry(port):
        return {
            "version": 4,
            "addr": port.fixed_ip,
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": port.mac_address,
        }

    assert addresses == {
        one: {"public": [entry(a)], "private": [entry(b)]},
        two: {"public": [entry(c)]},
        bare: {},
    }
    assert entry(a)["addr"] == "192.168.0.2" and entry(c)["addr"] == "192.168.0.3"


def test_addresses_for_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert ipam.addresses_for([]) == {}


def test_ensure_default_network_is_idempotent(settings):
    settings.DEFAULT_NETWORK_NAME = "ext"
    settings.DEFAULT_NETWORK_CIDR = "10.1.2.0/24"
    first = ipam.ensure_default_network()
    second = ipam.ensure_default_network()
    assert first.pk == second.pk
    assert (first.name, first.shared) == ("ext", True)
    subnet = Subnet.objects.get()
    assert (subnet.name, subnet.cidr, subnet.gateway_ip) == ("ext-subnet", "10.1.2.0/24", "10.1.2.1")
    assert (subnet.pool_start, subnet.pool_end) == ("10.1.2.2", "10.1.2.254")


def test_seed_network_command_is_idempotent(capsys):
    call_command("seed_network")
    call_command("seed_network")
    network = Network.objects.get()
    assert (network.name, network.shared, network.project_id) == ("public", True, None)
    subnet = network.subnets.get()
    assert (subnet.name, subnet.cidr, subnet.gateway_ip, subnet.pool_start, subnet.pool_end) == (
        "public-subnet",
        "10.0.0.0/24",
        "10.0.0.1",
        "10.0.0.2",
        "10.0.0.254",
    )
    assert "public-subnet 10.0.0.0/24" in capsys.readouterr().out


def test_seed_network_keeps_an_existing_public_network():
    existing = make_network(name="public", shared=True, cidr="10.5.0.0/24")
    call_command("seed_network")
    assert list(Network.objects.all()) == [existing]
    assert Subnet.objects.get().cidr == "10.5.0.0/24"


@needs_real_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_share_an_address(member):
    network = make_network(shared=True, cidr="10.20.0.0/24")
    project = member.default_project
    count = 20
    barrier = threading.Barrier(count)
    ports, errors = [], []

    def allocate():
        try:
            barrier.wait()
            ports.append(ipam.allocate_port(instance_uuid=_uuid(), project=project, network_id=str(network.id)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    addresses = sorted(Port.objects.values_list("fixed_ip", flat=True), key=lambda ip: int(ip.split(".")[-1]))
    assert len(addresses) == len(set(addresses)) == count == len(ports)
    assert addresses == [f"10.20.0.{n}" for n in range(2, 2 + count)]


@needs_real_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_stop_at_exhaustion(member):
    network = make_network(shared=True, cidr="10.21.0.0/24", pool=("10.21.0.2", "10.21.0.9"))
    project = member.default_project
    barrier = threading.Barrier(12)
    results = []

    def allocate():
        try:
            barrier.wait()
            results.append(ipam.allocate_port(instance_uuid=_uuid(), project=project, network_id=str(network.id)))
        except Conflict as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(isinstance(r, Port) for r in results) == 8
    assert sum(isinstance(r, Conflict) for r in results) == 4
    assert Port.objects.values("fixed_ip").distinct().count() == 8
