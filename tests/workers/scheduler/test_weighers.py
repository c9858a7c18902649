"""One test per weigher, and the shared normalisation."""

from collections import Counter

import pytest

from tests.workers.scheduler.test_filters import host, spec
from workers.scheduler.pipeline import decide
from workers.scheduler.weighers import WEIGHERS

_settings = []


@pytest.fixture(autouse=True)
def _no_filters(settings):
    """Weigh every host given; the weighers under test are set per call (and restored after)."""
    settings.SCHEDULER_ENABLED_FILTERS = []
    _settings[:] = [settings]
    yield
    _settings.clear()


def weigh_hosts(hosts, weighers, request, limit=None):
    _settings[0].SCHEDULER_WEIGHERS = [type(w).__name__ for w in weighers]
    ranked = decide(hosts, request).ranked
    return ranked[:limit] if limit else ranked


def best(name, hosts, request=None, multiplier=None, settings=None):
    if multiplier is not None:
        setattr(settings, WEIGHERS[name].multiplier_setting, multiplier)
    return [h.host for h in weigh_hosts(hosts, [WEIGHERS[name]()], request or spec())]


def test_ram_weigher_spreads_and_a_negative_multiplier_stacks(settings):
    hosts = [host("small", memory_mb=1024), host("big", memory_mb=8192)]
    assert best("RAMWeigher", hosts) == ["big", "small"]
    assert best("RAMWeigher", hosts, multiplier=-1.0, settings=settings) == ["small", "big"]


def test_cpu_and_disk_weighers():
    assert best("CPUWeigher", [host("a", vcpus=2), host("b", vcpus=8)]) == ["b", "a"]
    assert best("DiskWeigher", [host("a", local_gb=500), host("b", local_gb=50)]) == ["a", "b"]


def test_io_ops_weigher_prefers_quiet_hosts():
    assert best("IoOpsWeigher", [host("busy", io_ops=5), host("quiet", io_ops=0)]) == ["quiet", "busy"]


def test_build_failure_weigher_sinks_failing_hosts():
    hosts = [host("flaky", failed_builds=3, memory_mb=99999), host("fine")]
    weighers = [WEIGHERS["RAMWeigher"](), WEIGHERS["BuildFailureWeigher"]()]
    assert [h.host for h in weigh_hosts(hosts, weighers, spec())] == ["fine", "flaky"]


def test_soft_affinity_and_anti_affinity():
    hosts = [host("a"), host("b")]
    with_members = Counter({"b": 2})
    affinity = spec(group_uuid="g", group_policy="soft-affinity", group_hosts=with_members)
    anti = spec(group_uuid="g", group_policy="soft-anti-affinity", group_hosts=with_members)
    assert best("ServerGroupSoftAffinityWeigher", hosts, affinity) == ["b", "a"]
    assert best("ServerGroupSoftAntiAffinityWeigher", hosts, anti) == ["a", "b"]
    assert not WEIGHERS["ServerGroupSoftAffinityWeigher"]().relevant(anti)


def test_normalisation_lets_each_weigher_count_equally(settings):
    # a: far more RAM; b: slightly more CPU. Normalised, RAM and CPU each add at most 1.
    hosts = [host("a", memory_mb=100000, vcpus=4), host("b", memory_mb=4096, vcpus=5)]
    weighers = [WEIGHERS["RAMWeigher"](), WEIGHERS["CPUWeigher"]()]
    settings.CPU_WEIGHT_MULTIPLIER = 2.0
    assert [h.host for h in weigh_hosts(hosts, weighers, spec())] == ["b", "a"]


def test_limit_keeps_the_best_and_ties_go_to_the_first_name():
    hosts = [host(f"h{i}") for i in range(5)]
    assert [h.host for h in weigh_hosts(hosts, [WEIGHERS["RAMWeigher"]()], spec(), limit=2)] == ["h0", "h1"]
