"""Claims: what fits is taken atomically, what does not fits nowhere, and a release is safe twice."""

import threading

import pytest
from django.db import connection, transaction

from apps.compute.models import Instance, ServerGroup
from apps.compute.states import TaskState
from apps.hosts import claims
from apps.hosts.claims import ClaimFailed, ResourceRequest
from apps.hosts.models import Allocation, ComputeNode
from tests.fixtures.factories import make_instance, make_node

pytestmark = pytest.mark.django_db


def claim(instance, node: ComputeNode, flavor, **options) -> str:
    destination = claims.Destination(node.id, node.host, node.hypervisor_hostname)
    with transaction.atomic():
        return claims.claim_build(
            str(instance.uuid),
            destination=destination,
            need=ResourceRequest.from_flavor(flavor.snapshot()),
            expected_task_state=TaskState.SCHEDULING,
            expected_attempt_id=None,
            alternates=[],
            **options,
        )


@pytest.mark.django_db(transaction=True)
def test_racing_claims_never_overcommit(member, flavor, image):
    """Many threads with the same stale view claim one node; the database lets only what fits in."""
    node = make_node("only", vcpus=3)
    instances = [make_instance(member, flavor, image) for _ in range(12)]
    barrier = threading.Barrier(len(instances))
    won = []

    def race(instance):
        barrier.wait()
        try:
            won.append(claim(instance, node, flavor))
        except ClaimFailed:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 3
    node.refresh_from_db()
    assert node.vcpus_used == 3 == Allocation.objects.count()
    assert Instance.objects.filter(host="only").count() == 3


def test_a_failed_claim_rolls_back_what_the_caller_wrote_with_it(member, flavor, image):
    node = make_node("full", vcpus=0)
    instance = make_instance(member, flavor, image)

    with pytest.raises(ClaimFailed), transaction.atomic():
        Instance.objects.filter(uuid=instance.uuid).update(name="renamed")  # the caller's own write
        claim(instance, node, flavor)

    instance.refresh_from_db()
    assert (instance.name, instance.task_state, instance.host) == (instance.name, TaskState.SCHEDULING, None)
    assert instance.name != "renamed" and not Allocation.objects.exists()


def test_two_schedulers_cannot_both_break_anti_affinity(member, flavor, image):
    node = make_node("solo", vcpus=8)
    group = ServerGroup.objects.create(name="g", project=member.default_project, user=member, policy="anti-affinity")
    first, second = make_instance(member, flavor, image), make_instance(member, flavor, image)
    group.members.add(first, second)

    assert claim(first, node, flavor)
    with pytest.raises(ClaimFailed):
        claim(second, node, flavor)  # both decided before either claimed: the view showed no members
    assert claim(make_instance(member, flavor, image), node, flavor, check_group=False)


def test_release_is_safe_twice(member, flavor, image):
    node = make_node("a")
    instance = make_instance(member, flavor, image)
    claim(instance, node, flavor)

    assert claims.release(str(instance.uuid)) == 1
    assert claims.release(str(instance.uuid)) == 0
    node.refresh_from_db()
    assert (node.vcpus_used, node.memory_mb_used, node.local_gb_used) == (0, 0, 0)
