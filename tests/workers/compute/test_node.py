"""The compute worker's shape: nothing runs on import, its configuration is read once, and it
reports what its driver can do."""

import os
import subprocess
import sys

import pytest

from cloudcore.launcher import BASE_DIR
from core import capabilities
from workers.compute import heartbeat
from workers.compute.config import ConfigError, NodeConfig

MODULES = ["app", "build", "config", "heartbeat", "isolation", "node", "outcome", "power", "queries", "resize",
           "snapshot"]  # fmt: skip


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CLOUDCORE_HOST", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    return {**env, **extra}


def test_every_module_imports_without_a_host_and_without_django():
    imports = "; ".join(f"import workers.compute.{m}" for m in MODULES)
    check = (
        f"{imports}; import sys; assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)"
    )
    script = f"from workers.compute.isolation import forbid_imports; forbid_imports(); {check}"
    result = subprocess.run(
        [sys.executable, "-c", script], env=clean_env(), cwd=BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_worker_refuses_to_start_without_a_host_or_with_database_credentials():
    for env, named in (
        (clean_env(), "CLOUDCORE_HOST"),
        (clean_env(CLOUDCORE_HOST="n", DATABASE_URL="x"), "DATABASE_URL"),
    ):
        result = subprocess.run([sys.executable, "-m", "workers.compute", "worker"], env=env, cwd=BASE_DIR,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert result.returncode == 2 and named in result.stderr, result.stderr


def test_configuration_is_read_once_from_the_environment(tmp_path):
    config = NodeConfig.from_env({"CLOUDCORE_HOST": "kvm7", "COMPUTE_DRIVER": "libvirt.LibvirtDriver",
                                  "CLOUDCORE_DATA_DIR": str(tmp_path), "LIBVIRT_URI": "test:///default",
                                  "REPORT_INTERVAL": "2", "CPU_ALLOCATION_RATIO": "4", "PATH": "/bin"})  # fmt: skip
    assert (config.host, config.driver, config.report_interval, config.cpu_allocation_ratio) == (
        "kvm7", "libvirt.LibvirtDriver", 2.0, 4.0)  # fmt: skip
    assert config.images_path == tmp_path / "images"
    assert dict(config.driver_options) == {"CLOUDCORE_DATA_DIR": str(tmp_path), "LIBVIRT_URI": "test:///default"}
    with pytest.raises(ConfigError, match="REPORT_INTERVAL|not a number"):
        NodeConfig.from_env({"CLOUDCORE_HOST": "kvm7", "REPORT_INTERVAL": "often"})


def test_a_node_reports_what_its_driver_can_do(compute_node):
    compute_node.driver.capabilities = {**capabilities.every(), capabilities.SUSPEND: False}

    heartbeat.report_once(compute_node)

    (beat, _), (task, fields) = compute_node.take()
    assert (beat, task) == ("conductor.service_heartbeat", "conductor.node_report")
    assert fields["resources"]["capabilities"][capabilities.SUSPEND] is False
    assert fields["resources"]["capabilities"][capabilities.PAUSE] is True
    assert fields["resources"]["cpu_allocation_ratio"] == compute_node.config.cpu_allocation_ratio


def test_an_inventory_lists_each_guest_with_its_power_state(compute_node):
    from tests.fixtures.compute import instance_payload
    from workers.compute import build

    build.build_and_run_instance(instance_payload(), attempt_id="a")
    compute_node.take()

    heartbeat.sync_once(compute_node, startup=True)

    [(task, fields)] = compute_node.take()
    assert task == "conductor.sync_instances" and fields["startup"] is True
    assert fields["instances"] == {instance_payload()["uuid"]: 1}
