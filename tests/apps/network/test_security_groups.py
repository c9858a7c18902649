"""Security groups as the compute side uses them (``apps.network.security_groups``): the default group, created
once however many callers race, resolving names, the groups of an instance's ports, and the Django admin. The
Networking API's ``/security-groups`` and ``/security-group-rules`` are in ``test_security_group_api.py``."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.identity.models import Project
from apps.network import ipam, security_groups
from apps.network.models import Port, SecurityGroup, SecurityGroupRule
from apps.network.security_groups import (
    NoPortsForDevice,
    SecurityGroupInUse,
    SecurityGroupNotFound,
    SecurityGroupNotOnDevice,
    SecurityGroupNotUnique,
    StatefulnessConflict,
)
from tests.apps.network.factories import device_with_ports, make_network
from tests.fixtures.factories import make_project

pytestmark = pytest.mark.django_db

needs_real_locks = pytest.mark.skipif(connection.vendor == "sqlite", reason="in-memory SQLite cannot wait on a lock")


def rule_shapes(group) -> set[tuple]:
    return {(r.direction, r.ethertype, r.protocol, r.remote_group_id, r.remote_ip_prefix) for r in group.rules.all()}


def default_shapes(group) -> set[tuple]:
    return {
        ("egress", "IPv4", None, None, None),
        ("egress", "IPv6", None, None, None),
        ("ingress", "IPv4", None, group.id, None),
        ("ingress", "IPv6", None, group.id, None),
    }


@pytest.fixture
def project(member):
    return member.default_project


@pytest.fixture
def network(project):
    return make_network(name="mine", project=project, cidr="10.1.0.0/24")


# -- the module ------------------------------------------------------------------------------------


def test_the_default_group_is_created_once_with_neutrons_four_rules(project):
    group = security_groups.default_group(project)
    assert (group.name, group.description, group.is_default, group.stateful) == (
        "default",
        "Default security group",
        True,
        True,
    )
    assert rule_shapes(group) == default_shapes(group)
    assert set(group.rules.values_list("project_id", flat=True)) == {project.id}
    assert security_groups.default_group(project.id) == group
    assert SecurityGroup.objects.count() == 1 and SecurityGroupRule.objects.count() == 4


def test_the_default_group_of_an_unknown_project():
    with pytest.raises(Project.DoesNotExist):
        security_groups.default_group("nope")
    assert not SecurityGroup.objects.exists()


@needs_real_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_calls_make_exactly_one_default_group(member):
    project = member.default_project
    count = 12
    barrier = threading.Barrier(count)
    results, errors = [], []

    def first_call():
        try:
            barrier.wait()
            results.append(security_groups.default_group(project.id).id)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    (group,) = SecurityGroup.objects.filter(project=project)
    assert results == [group.id] * count
    assert rule_shapes(group) == default_shapes(group) and group.rules.count() == 4


def test_a_new_group_has_neutrons_two_egress_rules(project):
    group = security_groups.create_group(project, name="web", description="d")
    assert rule_shapes(group) == {("egress", "IPv4", None, None, None), ("egress", "IPv6", None, None, None)}
    assert SecurityGroup.objects.filter(project=project, is_default=True).count() == 1  # created first


def test_resolve_by_name_and_id(project):
    web = security_groups.create_group(project, name="web")
    db = security_groups.create_group(project, name="db")
    found = security_groups.resolve(project.id, ["web", str(db.id), "default", "web"])
    default = SecurityGroup.objects.get(project=project, is_default=True)
    assert found == [web, db, default]
    assert security_groups.resolve(project, [str(web.id).upper()]) == [web]


def test_resolve_creates_the_default_group_on_demand(project):
    (group,) = security_groups.resolve(project.id, ["default"])
    assert group.is_default and group.rules.count() == 4


def test_resolve_refuses_unknown_and_ambiguous_names(project):
    security_groups.create_group(project, name="twin")
    security_groups.create_group(project, name="twin")
    theirs = security_groups.create_group(make_project(), name="theirs")
    with pytest.raises(SecurityGroupNotFound) as unknown:
        security_groups.resolve(project.id, ["nope"])
    assert (unknown.value.name, unknown.value.message, unknown.value.code) == (
        "nope",
        "Security group nope not found.",
        404,
    )
    with pytest.raises(SecurityGroupNotFound):
        security_groups.resolve(project.id, [str(theirs.id)])
    with pytest.raises(SecurityGroupNotFound):
        security_groups.resolve(project.id, ["theirs"])
    with pytest.raises(SecurityGroupNotUnique) as twins:
        security_groups.resolve(project.id, ["twin"])
    assert twins.value.message == (
        "Multiple security_group matches found for name 'twin', use an ID to be more specific."
    )
    assert twins.value.code == 409


def test_attach_add_and_remove_on_an_instances_ports(project, network):
    other = make_network(name="other", project=project, cidr="10.2.0.0/24")
    device = device_with_ports(project, network, other)
    ports = list(Port.objects.filter(device_id=device))
    for port in ports:
        security_groups.attach_on_create(port)
    default = security_groups.default_group(project)
    assert security_groups.for_ports(device) == [default]

    web = security_groups.create_group(project, name="web")
    assert security_groups.add_to_device(device, web) == 2
    assert security_groups.add_to_device(device, web) == 0  # already there
    assert security_groups.for_ports(device) == [default, web]
    assert all(set(p.security_groups.all()) == {default, web} for p in ports)

    assert security_groups.remove_from_device(device, default) == 2
    assert security_groups.for_ports(device) == [web]
    with pytest.raises(SecurityGroupNotOnDevice) as absent:
        security_groups.remove_from_device(device, default)
    assert absent.value.message == f"Security group default not associated with the instance {device}"


def test_an_instance_without_ports(project):
    group = security_groups.default_group(project)
    device = str(uuid.uuid4())
    assert security_groups.for_ports(device) == []
    for change in (security_groups.add_to_device, security_groups.remove_from_device):
        with pytest.raises(NoPortsForDevice) as missing:
            change(device, group)
        assert missing.value.message == f"instance_id {device} could not be found as device id on any ports"


def test_attach_on_create_binds_what_it_is_given(project, network):
    device = device_with_ports(project, network)
    port = Port.objects.get(device_id=device)
    assert security_groups.attach_on_create(port, []) == []
    assert list(port.security_groups.all()) == []
    web = security_groups.create_group(project, name="web")
    security_groups.attach_on_create(port, [web])
    assert list(port.security_groups.all()) == [web]
    assert not SecurityGroup.objects.filter(is_default=True, ports=port).exists()


def test_a_port_never_mixes_stateful_and_stateless_groups(project, network):
    device = device_with_ports(project, network)
    port = Port.objects.get(device_id=device)
    stateless = security_groups.create_group(project, name="fast", stateful=False)
    with pytest.raises(StatefulnessConflict):
        security_groups.attach_on_create(port, [security_groups.default_group(project), stateless])
    security_groups.attach_on_create(port)
    with pytest.raises(StatefulnessConflict):
        security_groups.add_to_device(device, stateless)
    assert list(port.security_groups.all()) == [security_groups.default_group(project)]


def test_a_group_in_use_is_not_deleted(project, network):
    device = device_with_ports(project, network)
    web = security_groups.create_group(project, name="web")
    security_groups.attach_on_create(Port.objects.get(device_id=device), [web])
    with pytest.raises(SecurityGroupInUse):
        security_groups.delete_group(web)
    ipam.release_ports(device)
    security_groups.delete_group(web)
    assert not SecurityGroup.objects.filter(pk=web.pk).exists()
    assert not SecurityGroupRule.objects.filter(security_group_id=web.pk).exists()


def test_deleting_a_group_deletes_the_rules_naming_it_as_remote(project):
    web, db = (security_groups.create_group(project, name=n) for n in ("web", "db"))
    SecurityGroupRule.objects.create(security_group=db, project=project, direction="ingress", remote_group=web)
    security_groups.delete_group(web)
    assert db.rules.count() == 2


# -- the Django admin ------------------------------------------------------------------------------


def test_the_admin_shows_groups_and_deletes_only_unused_ones(admin_user, project, network):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    web = Client()
    web.force_login(admin_user)
    default = security_groups.default_group(project)
    spare = security_groups.create_group(project, name="spare")
    device = device_with_ports(project, network)
    security_groups.attach_on_create(Port.objects.get(device_id=device))

    changelist = web.get(reverse("admin:network_securitygroup_changelist"))
    assert changelist.status_code == 200 and "spare" in changelist.content.decode()
    assert web.get(reverse("admin:network_securitygroup_add")).status_code == 403
    page = web.get(reverse("admin:network_securitygroup_change", args=[default.pk])).content.decode()
    assert "ingress" in page and "egress" in page
    assert web.get(reverse("admin:network_port_changelist")).status_code == 200
    assert web.get(reverse("admin:network_securitygroup_delete", args=[default.pk])).status_code == 403  # in use
    assert web.post(reverse("admin:network_securitygroup_delete", args=[spare.pk]), {"post": "yes"}).status_code == 302
    assert not SecurityGroup.objects.filter(pk=spare.pk).exists()
