"""Who sees which subnets, ports, security groups and rules: ``visible_to`` on their querysets."""

import pytest

from apps.network import security_groups
from apps.network.models import Network, Port, SecurityGroup, SecurityGroupRule, Subnet
from tests.apps.network.factories import make_network
from tests.fixtures.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    """Two projects, each with a private network, a port and its default security group; one shared network."""
    mine, theirs = make_project("mine"), make_project("theirs")
    make_network("shared", shared=True, cidr="10.0.0.0/24")
    for index, project in enumerate((mine, theirs), start=1):
        network = make_network(project.name, project=project, cidr=f"10.{index}.0.0/24")
        subnet = network.subnets.get()
        Port.objects.create(name=project.name, network=network, subnet=subnet, mac_address=f"fa:16:3e:00:00:0{index}",
                            fixed_ip=f"10.{index}.0.5", project=project)  # fmt: skip
        security_groups.default_group(project.id)
    return mine, theirs


def subnet_networks(queryset) -> set[str]:
    return set(queryset.values_list("network__name", flat=True))


def test_subnets_follow_the_networks_a_project_may_see(projects):
    mine, _ = projects
    assert set(Network.objects.visible_to(mine.id).values_list("name", flat=True)) == {"shared", "mine"}
    assert subnet_networks(Subnet.objects.visible_to(mine.id)) == {"shared", "mine"}
    assert subnet_networks(Subnet.objects.visible_to(None)) == {"shared"}
    assert subnet_networks(Subnet.objects.visible_to(mine.id, is_admin=True)) == {"shared", "mine", "theirs"}


def test_ports_and_groups_are_their_projects_own(projects):
    mine, _ = projects
    for model in (Port, SecurityGroup):
        assert set(model.objects.visible_to(mine.id).values_list("project__name", flat=True)) == {"mine"}
        assert not model.objects.visible_to(None).exists()
        assert model.objects.visible_to(None, is_admin=True).count() == 2


def test_rules_are_seen_through_their_group_or_their_owner(projects):
    mine, theirs = projects
    their_group = SecurityGroup.objects.get(project=theirs)
    # A rule a project owns in another project's group (as an admin may create): both projects see it.
    crossed = SecurityGroupRule.objects.create(security_group=their_group, project=mine, direction="ingress")
    visible = SecurityGroupRule.objects.visible_to(mine.id)
    assert crossed in visible
    assert set(visible.exclude(pk=crossed.pk).values_list("security_group__project", flat=True)) == {mine.id}
    assert crossed in SecurityGroupRule.objects.visible_to(theirs.id)
    assert not SecurityGroupRule.objects.visible_to(None).exists()
    assert SecurityGroupRule.objects.visible_to(None, is_admin=True).count() == SecurityGroupRule.objects.count()
