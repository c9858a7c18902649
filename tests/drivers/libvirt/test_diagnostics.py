"""The libvirt driver's diagnostics: Nova's mapping of a domain's counters, checked on a domain
whose counters are known, then read from libvirt's test hypervisor."""

import jsonschema
import libvirt
import pytest
from tempest.lib.api_schema.response.compute.v2_48 import servers as tempest_v2_48

from core import diagnostics
from drivers.base import InstanceNotFound
from drivers.libvirt import diagnostics as guest_diagnostics
from drivers.libvirt.guest import Guest
from tests.drivers.libvirt.conftest import Drivers

DOMAIN_XML = """<domain type='kvm'><devices>
  <disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>
  <disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>
  <interface type='bridge'><mac address='fa:16:3e:00:00:01'/><target dev='vnet0'/></interface>
  <interface type='user'><mac address='fa:16:3e:00:00:02'/></interface>
  <interface type='bridge'><mac address='fa:16:3e:00:00:03'/><target dev='vnet9'/></interface>
</devices></domain>"""


def failure(message: str) -> libvirt.libvirtError:
    return libvirt.libvirtError(message)


class KnownDomain:
    """A running domain with fixed counters; vdb and vnet9 have none (the hypervisor refuses)."""

    def state(self):
        return libvirt.VIR_DOMAIN_RUNNING, 1

    def hasManagedSaveImage(self, _flags):
        return 0

    def info(self):
        return [libvirt.VIR_DOMAIN_RUNNING, 2097152, 1048576, 2, 5000]

    def XMLDesc(self, _flags):
        return DOMAIN_XML

    def vcpus(self):
        return [(0, 1, 1700, 3), (1, 1, 2300, 5)], [(True,), (True,)]

    def blockStats(self, dev):
        if dev != "vda":
            raise failure(f"no stats for {dev}")
        return (112, 262144, 488, 5778432, -1)  # rd_req, rd_bytes, wr_req, wr_bytes, errs

    def interfaceStats(self, dev):
        if dev != "vnet0":
            raise failure(f"no stats for {dev}")
        return (2070139, 26701, 1, 2, 140208, 662, 3, 4)  # rx bytes, packets, errs, drop; tx the same

    def memoryStats(self):
        return {"actual": 1048576, "unused": 524288}


@pytest.fixture
def known():
    return guest_diagnostics.sample(Guest(KnownDomain()))


def test_the_standardised_body_maps_the_counters_as_nova_does(known):
    body = diagnostics.standardised(known, driver="libvirt", hypervisor="kvm", hypervisor_os="linux", uptime=60,
                                    config_drive=False)  # fmt: skip

    jsonschema.validate(diagnostics.view(body), tempest_v2_48.show_server_diagnostics["response_body"])
    assert body["memory_details"] == {"maximum": 2048, "used": 1024}  # MiB, from info()'s KiB
    assert body["cpu_details"] == [{"id": 0, "time": 1700, "utilisation": None}, {"id": 1, "time": 2300,
                                                                                  "utilisation": None}]  # fmt: skip
    assert body["disk_details"] == [
        {"read_bytes": 262144, "read_requests": 112, "write_bytes": 5778432, "write_requests": 488, "errors_count": -1}
    ]  # vdb has no stats: left out, as Nova leaves it out
    assert body["nic_details"] == [
        {"mac_address": "fa:16:3e:00:00:01", "rx_octets": 2070139, "rx_errors": 1, "rx_drop": 2, "rx_packets": 26701,
         "rx_rate": None, "tx_octets": 140208, "tx_errors": 3, "tx_drop": 4, "tx_packets": 662, "tx_rate": None},
        {"mac_address": "fa:16:3e:00:00:02", **dict.fromkeys(diagnostics.LIST_FIELDS["nic_details"][1:])},
    ]  # the user-mode NIC has no device, so its MAC alone; vnet9's stats fail, so it is left out  # fmt: skip
    assert (body["num_cpus"], body["num_disks"], body["num_nics"], body["state"]) == (2, 1, 2, "running")


def test_the_free_form_body_uses_novas_libvirt_keys(known):
    assert diagnostics.free_form(known) == {
        "cpu0_time": 1700, "cpu1_time": 2300,
        "vda_read_req": 112, "vda_read": 262144, "vda_write_req": 488, "vda_write": 5778432, "vda_errors": -1,
        "vnet0_rx": 2070139, "vnet0_rx_packets": 26701, "vnet0_rx_errors": 1, "vnet0_rx_drop": 2,
        "vnet0_tx": 140208, "vnet0_tx_packets": 662, "vnet0_tx_errors": 3, "vnet0_tx_drop": 4,
        "memory": 2097152, "memory-actual": 1048576, "memory-unused": 524288,
    }  # fmt: skip


def test_a_hypervisor_without_vcpu_or_memory_stats_gives_what_it_has():
    class Sparse(KnownDomain):
        def vcpus(self):
            raise failure("vcpus: not supported")

        def memoryStats(self):
            raise failure("memoryStats: not supported")

    sample = guest_diagnostics.sample(Guest(Sparse()))
    assert sample.cpus == () and sample.memory_stats == {}
    assert set(diagnostics.free_form(sample)) >= {"memory", "vda_read"}


def test_the_test_hypervisor_answers_for_a_guest_and_its_ports(tmp_path):
    drivers = Drivers("test:///default", tmp_path, LIBVIRT_NETWORK="network:default")
    try:
        driver = drivers.driver("node1")
        instance = {**drivers.instance(), "launched_at": "2024-01-01T00:00:00Z",
                    "network_info": [{"mac": "fa:16:3e:12:34:56", "ip": "10.0.0.5", "network": "public"}]}  # fmt: skip
        driver.spawn(instance)

        body = driver.get_instance_diagnostics(instance)

        jsonschema.validate(diagnostics.view(body), tempest_v2_48.show_server_diagnostics["response_body"])
        assert (body["driver"], body["hypervisor"], body["hypervisor_os"]) == ("libvirt", driver.virt_type, "linux")
        assert [nic["mac_address"] for nic in body["nic_details"]] == ["fa:16:3e:12:34:56"]
        assert body["nic_details"][0]["rx_octets"] is not None and body["num_disks"] == 1
        free_form = driver.get_diagnostics(instance)
        assert any(key.endswith("_rx_packets") for key in free_form) and "vda_write_req" in free_form

        with pytest.raises(InstanceNotFound):  # another host's driver does not see this guest
            drivers.driver("node2").get_instance_diagnostics(instance)
    finally:
        drivers.clean()
