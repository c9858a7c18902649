import pytest

from apps.compute.models import Instance, InstanceFault
from apps.compute.states import TaskState, VmState
from apps.hosts.models import Allocation, ComputeNode
from tests.fixtures.factories import make_instance, make_node, make_user
from workers.scheduler import manager

pytestmark = pytest.mark.django_db


def test_places_on_the_host_with_most_free_ram_and_casts_the_build(member, flavor, image, casts):
    make_node("small", memory_mb=2048)
    make_node("big", memory_mb=8192)
    instance = make_instance(member, flavor, image)

    manager.select_destinations([str(instance.uuid)], request_id="req-1")

    instance.refresh_from_db()
    assert (instance.host, instance.task_state, instance.attempts) == ("big", TaskState.SPAWNING, 1)
    assert instance.alternate_hosts == [{"host": "small", "node": "small"}]
    node = ComputeNode.objects.get(hypervisor_hostname="big")
    assert (node.vcpus_used, node.memory_mb_used, node.local_gb_used) == (1, 512, 1)
    assert Allocation.objects.get(instance=instance).node == node
    [(task, kwargs)] = casts("compute.big")
    assert task == "compute.build_and_run_instance"
    assert kwargs["attempt_id"] == str(instance.attempt_id) and kwargs["instance"]["uuid"] == str(instance.uuid)


def test_several_instances_in_one_request_spread_using_the_updated_view(member, flavor, image, casts):
    make_node("a", memory_mb=1024)
    make_node("b", memory_mb=1024)
    first, second = make_instance(member, flavor, image), make_instance(member, flavor, image)

    manager.select_destinations([str(first.uuid), str(second.uuid)])

    assert sorted(Instance.objects.values_list("host", flat=True)) == ["a", "b"]


def test_no_valid_host_says_what_each_filter_removed(member, flavor, image, casts):
    make_node("down", up=False)
    make_node("full", memory_mb=256)
    instance = make_instance(member, flavor, image)

    manager.select_destinations([str(instance.uuid)])

    instance.refresh_from_db()
    assert (instance.vm_state, instance.task_state, instance.host) == (VmState.ERROR, None, None)
    fault = InstanceFault.objects.get(instance=instance)
    assert fault.message.startswith("No valid host was found.")
    assert "ComputeFilter: 2 -> 1 (1 down)" in fault.details
    assert "RamFilter: 1 -> 0 (needs 512 MB, most free 256 MB)" in fault.details
    assert Allocation.objects.count() == 0
    assert casts("compute.full") == []


def test_disabled_hosts_get_nothing(member, flavor, image, casts):
    node = make_node("off")
    node.service.disabled = True
    node.service.save()
    instance = make_instance(member, flavor, image)

    manager.select_destinations([str(instance.uuid)])

    instance.refresh_from_db()
    assert instance.vm_state == VmState.ERROR


def test_a_deleted_or_already_placed_instance_is_left_alone(member, flavor, image, casts):
    make_node("a")
    instance = make_instance(member, flavor, image, task_state=TaskState.SPAWNING, host="x")

    manager.select_destinations([str(instance.uuid)])

    assert Allocation.objects.count() == 0 and casts("compute.a") == []


def test_allocation_ratios_count(member, flavor, image, casts):
    make_node("a", vcpus=1, cpu_allocation_ratio=2.0)
    instances = [make_instance(member, flavor, image) for _ in range(3)]

    manager.select_destinations([str(i.uuid) for i in instances])

    states = sorted(Instance.objects.values_list("vm_state", flat=True))
    assert states == [VmState.BUILDING, VmState.BUILDING, VmState.ERROR]
    assert ComputeNode.objects.get().vcpus_used == 2


def test_anti_affinity_group_of_three_on_two_hosts(member, flavor, image, casts):
    from apps.compute.models import ServerGroup

    make_node("a")
    make_node("b")
    group = ServerGroup.objects.create(name="g", project=member.default_project, user=member, policy="anti-affinity")
    instances = [make_instance(member, flavor, image) for _ in range(3)]
    group.members.add(*instances)

    manager.select_destinations([str(i.uuid) for i in instances])

    placed = sorted(Instance.objects.exclude(host=None).values_list("host", flat=True))
    assert placed == ["a", "b"]
    failed = Instance.objects.get(vm_state=VmState.ERROR)
    fault = InstanceFault.objects.get(instance=failed)
    assert "ServerGroupAntiAffinityFilter: 2 -> 0" in fault.message


def test_affinity_and_hints(member, flavor, image, casts):
    from apps.compute.models import ServerGroup

    make_node("a", memory_mb=8192)
    make_node("b", memory_mb=4096)
    group = ServerGroup.objects.create(name="g", project=member.default_project, user=member, policy="affinity")
    first = make_instance(member, flavor, image)
    group.members.add(first)
    manager.select_destinations([str(first.uuid)])
    # Push a's free RAM below b's: affinity must still choose a.
    ComputeNode.objects.filter(hypervisor_hostname="a").update(memory_mb_used=7000)
    second = make_instance(member, flavor, image)
    group.members.add(second)
    other = make_instance(
        member, flavor, image, request_spec={"scheduler_hints": {"different_host": [str(first.uuid)]}}
    )

    manager.select_destinations([str(second.uuid), str(other.uuid)])

    assert Instance.objects.get(uuid=second.uuid).host == "a"
    assert Instance.objects.get(uuid=other.uuid).host == "b"


def test_min_count_places_all_or_none(member, flavor, image, casts):
    make_node("a", vcpus=2)
    instances = [make_instance(member, flavor, image, request_spec={"min_count": 3}) for _ in range(3)]

    manager.select_destinations([str(i.uuid) for i in instances])

    assert set(Instance.objects.values_list("vm_state", flat=True)) == {VmState.ERROR}
    assert Allocation.objects.count() == 0
    assert "min_count=3" in InstanceFault.objects.first().details


def test_zones_and_forced_hosts(member, flavor, image, casts):
    from apps.hosts.models import Aggregate, AggregateHost

    make_node("a", memory_mb=8192)
    make_node("b")
    zone = Aggregate.objects.create(name="east", metadata={"availability_zone": "east"})
    AggregateHost.objects.create(aggregate=zone, host="b")
    in_east = make_instance(member, flavor, image, availability_zone="east", pinned_availability_zone="east")
    forced = make_instance(member, flavor, image, request_spec={"force_host": "b"})
    in_nova = make_instance(member, flavor, image, availability_zone="nova", pinned_availability_zone="nova")

    manager.select_destinations([str(in_east.uuid), str(forced.uuid), str(in_nova.uuid)])

    hosts = dict(Instance.objects.values_list("uuid", "host"))
    assert (hosts[in_east.uuid], hosts[forced.uuid], hosts[in_nova.uuid]) == ("b", "b", "a")
    assert Instance.objects.get(uuid=forced.uuid).alternate_hosts == []
    # The claim records the zone of the host it chose, pinned or not; the pin stays what was asked.
    forced = Instance.objects.get(uuid=forced.uuid)
    assert (forced.availability_zone, forced.pinned_availability_zone) == ("east", None)


def test_a_build_that_cannot_be_sent_keeps_its_claim_for_the_reconciler(
    member, flavor, image, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """A broker that fails mid-placement must not turn the server into ERROR: the reconciler resends."""
    from django.utils import timezone

    from core import rpc
    from workers.conductor import healing

    make_node("a")
    instance = make_instance(member, flavor, image)

    def unreachable(*_args, **_kwargs):
        raise ConnectionError("the broker went away")

    monkeypatch.setattr(rpc, "cast", unreachable)
    manager.select_destinations([str(instance.uuid)])

    instance.refresh_from_db()
    assert (instance.vm_state, instance.task_state, instance.host) == (VmState.BUILDING, TaskState.SPAWNING, "a")
    assert Allocation.objects.filter(instance=instance).count() == 1
    sent = []
    monkeypatch.setattr(rpc, "cast", lambda queue, task, **kwargs: sent.append((queue, task)))
    Instance.objects.filter(uuid=instance.uuid).update(updated_at=timezone.now() - timezone.timedelta(minutes=5))
    settings.RESEND_AFTER = 1
    with django_capture_on_commit_callbacks(execute=True):
        healing.reconcile()
    assert ("compute.a", "compute.build_and_run_instance") in sent


def test_a_resize_skips_destinations_whose_driver_cannot_migrate(member, flavor, image, casts):
    from apps.compute.audit import start_action
    from apps.compute.models import Migration
    from core import capabilities

    make_node("src")
    make_node("cannot", memory_mb=8192, capabilities={**capabilities.every(), capabilities.MIGRATION: False})
    make_node("can", memory_mb=2048, capabilities=capabilities.every())
    instance = make_instance(member, flavor, image, vm_state=VmState.ACTIVE, task_state=TaskState.RESIZE_PREP,
                             host="src", node="src")  # fmt: skip
    start_action(instance, "resize", "req-resize", member.id, member.default_project_id)

    def resize() -> Migration:
        Instance.objects.filter(uuid=instance.uuid).update(task_state=TaskState.RESIZE_PREP)
        migration = Migration.objects.create(
            instance=instance, migration_type=Migration.Type.RESIZE, source_compute="src", source_node="src",
            old_flavor=instance.flavor, new_flavor=instance.flavor,
        )  # fmt: skip
        manager.select_migration_destination(migration.id, "req-resize")
        migration.refresh_from_db()
        return migration

    # The node with the most free memory would win, but its driver cannot receive a migration.
    migration = resize()
    assert (migration.dest_compute, migration.status) == ("can", Migration.Status.MIGRATING)
    ComputeNode.objects.filter(hypervisor_hostname="can").update(capabilities={capabilities.MIGRATION: False})
    assert resize().status == Migration.Status.ERROR
    fault = InstanceFault.objects.get(instance=instance)
    assert "DriverCapabilitiesFilter: 2 -> 0 (driver lacks supports_migration)" in fault.details


def test_a_build_order_carries_its_own_instance_and_no_secret(member, flavor, image, casts, settings):
    make_node("only", memory_mb=8192)
    neighbour = make_instance(make_user(), flavor, image, name="another-tenants-server", metadata={"k": "secret-x"})
    instance = make_instance(member, flavor, image, metadata={"role": "web"})

    manager.select_destinations([str(instance.uuid)], request_id="req-1")

    [(task, kwargs)] = casts("compute.only")
    assert set(kwargs) == {"instance", "attempt_id", "request_id"}
    assert kwargs["instance"] == {**Instance.objects.get(pk=instance.pk).payload()}
    text = str(kwargs)
    secrets = [settings.SECRET_KEY, settings.DATABASES["default"].get("PASSWORD")]
    for foreign in (str(neighbour.uuid), neighbour.name, "secret-x", neighbour.project_id, *filter(None, secrets)):
        assert foreign not in text
