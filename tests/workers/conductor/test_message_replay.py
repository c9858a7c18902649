"""Property: conductor messages delivered twice, late and out of order end where in-order delivery ends.

A random plan of server actions runs twice on fresh nodes. The first run delivers each compute
report once, in order. The second also redelivers random earlier reports after every delivery
and replays all of them, shuffled, at the end. The instance, its allocations, its faults and its
action events must come out the same.
"""

import contextlib
import itertools
import random

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.common.exceptions import CloudError
from apps.compute.models import Instance, InstanceActionEvent, InstanceFault, Migration, QuotaLimit
from apps.compute.servers import move
from apps.compute.servers.delete import delete_server
from apps.compute.servers.power import power_action, reboot
from apps.compute.states import TaskState, VmState
from apps.hosts.models import Allocation, ComputeNode, Service
from apps.identity.auth import RequestContext
from core.power_state import PowerState
from tests.fixtures.factories import make_flavor, make_instance, make_node
from workers.conductor import instances, resize
from workers.scheduler import manager as scheduler

pytestmark = pytest.mark.django_db

STEPS = ["stop", "start", "reboot", "pause", "unpause", "resize-confirm", "resize-revert", "delete"]
_runs = itertools.count()


def done(task_state, vm_state, power):
    return {"vm_state": vm_state, "task_state": None, "power_state": power}, task_state


POWER = {
    "stop": ("stop", *done(TaskState.POWERING_OFF, VmState.STOPPED, PowerState.SHUTDOWN)),
    "start": ("start", *done(TaskState.POWERING_ON, VmState.ACTIVE, PowerState.RUNNING)),
    "pause": ("pause", *done(TaskState.PAUSING, VmState.PAUSED, PowerState.PAUSED)),
    "unpause": ("unpause", *done(TaskState.UNPAUSING, VmState.ACTIVE, PowerState.RUNNING)),
}


class Run:
    def __init__(self, user, flavor, chaos: random.Random | None):
        self.chaos = chaos
        self.ctx = RequestContext(user=user, project=user.default_project, roles=frozenset({"admin"}), is_admin=True)
        self.prefix = f"r{next(_runs)}-"
        make_node(self.prefix + "a", vcpus=8, memory_mb=8192)
        make_node(self.prefix + "b", vcpus=8, memory_mb=4096)
        self.flavor = flavor
        self.delivered: list[tuple] = []

    def deliver(self, func, **kwargs):
        func(**kwargs)
        self.delivered.append((func, kwargs))
        if self.chaos:
            for _ in range(self.chaos.randint(0, 3)):
                old_func, old_kwargs = self.chaos.choice(self.delivered)
                old_func(**old_kwargs)

    def instance(self) -> Instance:
        return Instance.objects.get(uuid=self.uuid)

    def task_id(self) -> str:
        """The operation id the API gave the step just started (compute reports carry it back)."""
        return str(self.instance().task_id)

    def run(self, plan: list[str]) -> dict:
        instance = make_instance(self.ctx.user, self.flavor, name="replay")
        self.uuid = str(instance.uuid)
        scheduler.select_destinations([self.uuid])
        built = self.instance()
        self.deliver(
            instances.instance_update, host=built.host, instance_uuid=self.uuid, attempt_id=str(built.attempt_id),
            expected_task_state=TaskState.SPAWNING,
            updates={"vm_state": VmState.ACTIVE, "task_state": None, "power_state": PowerState.RUNNING},
        )  # fmt: skip
        for step in plan:
            # A step not allowed from the current state is refused the same way in both runs.
            with contextlib.suppress(CloudError):
                self.step(step)
        if self.chaos:
            for func, kwargs in self.chaos.sample(self.delivered, len(self.delivered)):
                func(**kwargs)
        result = self.snapshot()
        # Later runs must not place anything on this run's nodes.
        Service.objects.filter(host__startswith=self.prefix).update(disabled=True)
        return result

    def step(self, step: str) -> None:
        host = self.instance().host
        if step in POWER:
            rule, updates, expected = POWER[step]
            power_action(self.ctx, self.uuid, rule, "req")
            self.deliver(instances.instance_update, host=host, instance_uuid=self.uuid, updates=updates,
                         expected_task_state=expected, task_id=self.task_id())  # fmt: skip
        elif step == "reboot":
            reboot(self.ctx, self.uuid, "HARD", "req")
            updates, expected = done(TaskState.REBOOTING_HARD, VmState.ACTIVE, PowerState.RUNNING)
            self.deliver(instances.instance_update, host=host, instance_uuid=self.uuid, updates=updates,
                         expected_task_state=expected, task_id=self.task_id())  # fmt: skip
        elif step == "delete":
            delete_server(self.ctx, self.uuid, "req")
            self.deliver(instances.instance_deleted, host=host, instance_uuid=self.uuid)
        else:
            self.resize(confirm=step == "resize-confirm")

    def resize(self, confirm: bool) -> None:
        migration = move.resize(self.ctx, self.uuid, "2", "req")
        scheduler.select_migration_destination(migration.id)
        migration.refresh_from_db()
        if migration.status != Migration.Status.MIGRATING:
            return
        source, dest = migration.source_compute, migration.dest_compute
        step = {"instance_uuid": self.uuid, "migration_id": migration.id}
        self.deliver(resize.resize_migrated, host=source, power_state=PowerState.SHUTDOWN, **step)
        self.deliver(resize.resize_finished, host=dest, power_state=PowerState.RUNNING, **step)
        if confirm:
            move.confirm_resize(self.ctx, self.uuid, "req")
            self.deliver(resize.resize_confirmed, host=source, **step)
        else:
            move.revert_resize(self.ctx, self.uuid, "req")
            self.deliver(resize.resize_reverted_dest, host=dest, **step)
            self.deliver(resize.resize_reverted, host=source, power_state=PowerState.RUNNING, **step)

    def snapshot(self) -> dict:
        instance = self.instance()

        def local(name):
            return name.removeprefix(self.prefix) if name else name

        return {
            "state": (instance.vm_state, instance.task_state, instance.power_state, instance.deleted),
            "where": (local(instance.host), local(instance.node), instance.flavor["flavorid"]),
            "allocations": sorted(
                (local(a.node.hypervisor_hostname), a.vcpus, a.memory_mb)
                for a in Allocation.objects.filter(instance=instance)
            ),
            "usage": sorted(
                (local(n.hypervisor_hostname), n.vcpus_used, n.memory_mb_used)
                for n in ComputeNode.objects.filter(hypervisor_hostname__startswith=self.prefix)
            ),
            "faults": InstanceFault.objects.filter(instance=instance).count(),
            "events": InstanceActionEvent.objects.filter(action__instance=instance).count(),
            "migrations": sorted(Migration.objects.filter(instance=instance).values_list("status", flat=True)),
        }


@pytest.fixture
def world(member, casts):
    # Hypothesis reuses one database for every example: quotas would run out long before the plans do.
    for resource in ("instances", "cores", "ram"):
        QuotaLimit.objects.create(project=member.default_project, resource=resource, hard_limit=-1)
    flavor = make_flavor("1", "m1.tiny", 1, 512, 1)
    make_flavor("2", "m1.small", 2, 2048, 1)
    return member, flavor


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.sampled_from(STEPS), max_size=6), seed=st.integers(0, 2**32))
def test_duplicates_and_reordering_change_nothing(world, plan, seed):
    user, flavor = world
    in_order = Run(user, flavor, chaos=None).run(plan)
    chaotic = Run(user, flavor, chaos=random.Random(seed)).run(plan)
    assert chaotic == in_order


def test_the_replay_harness_sees_differences(world):
    """The control: a message applied that should have been refused would show up."""
    user, flavor = world
    run = Run(user, flavor, chaos=None)
    before = run.run(["stop"])
    Instance.objects.filter(uuid=run.uuid).update(vm_state=VmState.ACTIVE, updated_at=timezone.now())
    assert run.snapshot() != before
