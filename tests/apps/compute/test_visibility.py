"""Who sees which instances and server groups: ``visible_to`` on their querysets."""

import pytest
from django.utils import timezone

from apps.compute.models import Instance, ServerGroup
from apps.identity.auth import context_for
from tests.fixtures.factories import make_instance, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(member, admin_user, flavor):
    """The member's instance and deleted instance, another project's instance, a group in each project."""
    other = make_user()
    make_instance(member, flavor, name="mine")
    make_instance(member, flavor, name="gone", deleted_at=timezone.now())
    make_instance(other, flavor, name="theirs")
    for user in (member, other, admin_user):
        ServerGroup.objects.create(name=user.username, project=user.default_project, user=user, policy="affinity")
    return {"member": context_for(member, member.default_project),
            "admin": context_for(admin_user, admin_user.default_project)}  # fmt: skip


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_a_member_sees_its_projects_instances_and_deleted_ones_only_when_asked(scene):
    ctx = scene["member"]
    assert names(Instance.objects.visible_to(ctx)) == {"mine"}
    assert names(Instance.objects.visible_to(ctx, with_deleted=True)) == {"mine", "gone"}
    assert names(Instance.objects.visible_to(ctx, all_projects=True)) == {"mine"}  # not an admin's to ask


def test_an_admin_sees_every_projects_instances_when_it_asks(scene):
    ctx = scene["admin"]
    assert names(Instance.objects.visible_to(ctx)) == set()  # its own project has none
    assert names(Instance.objects.visible_to(ctx, all_projects=True)) == {"mine", "theirs"}
    assert names(Instance.objects.visible_to(ctx, all_projects=True, with_deleted=True)) == {"mine", "gone", "theirs"}


def test_server_groups_are_seen_by_their_project_and_by_an_admin_who_asks(scene, member, admin_user):
    assert names(ServerGroup.objects.visible_to(scene["member"], all_projects=True)) == {member.username}
    assert names(ServerGroup.objects.visible_to(scene["admin"])) == {admin_user.username}
    assert len(ServerGroup.objects.visible_to(scene["admin"], all_projects=True)) == 3
