"""The diagnostics tasks on the fake driver, with the conductor recorded: a running guest's counters
in both of Nova's shapes, the power state of one that is not running, and nothing reported."""

import time

import jsonschema
import pytest
from tempest.lib.api_schema.response.compute.v2_48 import servers as tempest_v2_48

from core import diagnostics
from core.power_state import PowerState
from drivers.base import ComputeDriver
from drivers.fake import FakeDriver
from tests.fixtures.compute import instance_payload
from workers.compute import build, power, queries

MACS = ["fa:16:3e:00:00:01", "fa:16:3e:00:00:02"]
PORTS = [{"mac": mac, "ip": f"10.0.0.{i + 2}", "network": "public"} for i, mac in enumerate(MACS)]


def spawned(node, **extra) -> dict:
    instance = instance_payload(network_info=PORTS, launched_at="2024-01-01T00:00:00+00:00", **extra)
    build.build_and_run_instance(instance, attempt_id="a-1")
    node.take()
    return instance


def test_a_running_guest_answers_novas_standardised_diagnostics(compute_node):
    instance = spawned(compute_node, flavor={"vcpus": 2, "memory_mb": 1024, "root_gb": 1, "flavorid": "2"})

    reply = queries.get_instance_diagnostics(instance)

    body = reply["diagnostics"]
    jsonschema.validate(diagnostics.view(body), tempest_v2_48.show_server_diagnostics["response_body"])
    assert (body["state"], body["driver"], body["hypervisor"], body["hypervisor_os"]) == ("running", "libvirt", "fake",
                                                                                          "linux")  # fmt: skip
    assert (body["num_cpus"], body["num_disks"], body["num_nics"]) == (2, 1, 2)
    assert [cpu["id"] for cpu in body["cpu_details"]] == [0, 1]
    assert [nic["mac_address"] for nic in body["nic_details"]] == MACS  # one NIC per port
    assert body["memory_details"] == {"maximum": 1024, "used": 1024}
    assert body["uptime"] > 0 and body["config_drive"] is False
    assert compute_node.take() == []  # a query reports nothing to the conductor


def test_the_free_form_diagnostics_use_libvirts_keys_for_the_same_guest(compute_node):
    instance = spawned(compute_node)

    body = queries.get_diagnostics(instance)["diagnostics"]

    assert body["memory"] == 512 * 1024
    assert {"cpu0_time", "vda_read_req", "vda_read", "vda_write_req", "vda_write", "vda_errors"} <= set(body)
    assert {"vnet0_rx", "vnet0_tx_packets", "vnet1_rx_drop", "memory-actual", "memory-unused"} <= set(body)
    assert body["memory-unused"] < body["memory-actual"]


def test_the_counters_grow_while_the_guest_runs_and_start_again_when_it_reboots(compute_node):
    instance = spawned(compute_node)
    first = queries.get_instance_diagnostics(instance)["diagnostics"]
    time.sleep(0.6)
    later = queries.get_instance_diagnostics(instance)["diagnostics"]

    assert later["cpu_details"][0]["time"] > first["cpu_details"][0]["time"]
    assert later["disk_details"][0]["read_requests"] > first["disk_details"][0]["read_requests"]
    assert later["nic_details"][0]["rx_packets"] > first["nic_details"][0]["rx_packets"]

    power.reboot_instance(instance, "HARD")
    rebooted = queries.get_instance_diagnostics(instance)["diagnostics"]
    assert rebooted["cpu_details"][0]["time"] < later["cpu_details"][0]["time"]


@pytest.mark.parametrize(
    ("operation", "state"),
    [(power.stop_instance, PowerState.SHUTDOWN), (power.pause_instance, PowerState.PAUSED),
     (power.suspend_instance, PowerState.SUSPENDED)],
)  # fmt: skip
def test_a_guest_that_is_not_running_is_not_asked(compute_node, operation, state):
    instance = spawned(compute_node)
    operation(instance)
    compute_node.take()

    for task in (queries.get_instance_diagnostics, queries.get_diagnostics):
        assert task(instance) == {"error": "power_state", "power_state": state}


def test_a_guest_the_hypervisor_does_not_hold_is_pending(compute_node):
    assert queries.get_instance_diagnostics(instance_payload()) == {
        "error": "power_state", "power_state": PowerState.NOSTATE
    }  # fmt: skip


class WithoutDiagnostics(FakeDriver):
    get_instance_diagnostics = ComputeDriver.get_instance_diagnostics
    get_diagnostics = ComputeDriver.get_diagnostics


def test_a_driver_without_diagnostics_says_so():
    driver = WithoutDiagnostics("node1", {})
    instance = instance_payload()
    driver.spawn(instance)

    for standardised in (True, False):
        assert queries.diagnostics_reply(driver, instance, standardised) == {"error": "not_supported"}


def test_a_failing_driver_answers_its_message():
    driver = FakeDriver("node1", {})
    instance = instance_payload()
    driver.spawn(instance)

    def broken(_instance):
        raise RuntimeError("no counters")

    driver.get_instance_diagnostics = broken

    assert queries.diagnostics_reply(driver, instance, True) == {"error": "failed", "message": "no counters"}
