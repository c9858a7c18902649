"""The extra specs table (``apps.compute.extra_specs``): Nova 2.86's rules, keys and wording."""

import pytest

from apps.compute import extra_specs
from apps.compute.extra_specs import InvalidExtraSpec, validate


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hw:cpu_policy", "mixed"),
        ("hw:cpu_realtime_mask", "^0-1"),
        ("hw:cpu_dedicated_mask", "2-3,^3"),
        ("hw:mem_page_size", "2MiB"),
        ("hw:mem_page_size", "large"),
        ("hw:numa_nodes", "2"),
        ("hw:numa_mem.1", "1024"),
        ("hw:cpu_realtime", "YES"),
        ("hw:redirected_usb_ports", "15"),
        ("hw:tpm_version", "2.0"),
        ("hw:pmem", "small,medium"),
        ("hw_video:ram_max_mb", "64"),
        ("quota:cpu_quota", "-1"),
        ("quota:vif_inbound_burst", "0"),
        ("quota:disk_total_iops_sec", "100"),
        ("quota:memory_shares_level", "custom"),
        ("os:secure_boot", "required"),
        ("resources:PCPU", "4"),
        ("resources42:NET_PACKET_RATE_KILOPACKET_PER_SEC", "10"),
        ("resources_x:CUSTOM_BAREMETAL", "1"),
        ("trait:COMPUTE_STATUS_DISABLED", "forbidden"),
        ("trait1:CUSTOM_FAST", "required"),
        ("capabilities:hypervisor_type", "s== QEMU"),
        ("capabilities:stats:num_instances", "<= 3"),
        ("aggregate_instance_extra_specs:pool", "<in> gold"),
        ("accel:device_profile", "gpu"),
        ("vmware:hw_version", "vmx-13"),
        ("hide_hypervisor_id", "no"),
        ("group_policy", "isolate"),
        ("pci_passthrough:alias", "nic:1,gpu:2"),
        ("custom:whatever", "anything"),  # a namespace Nova does not know
        ("no_namespace", "anything"),
        ("hwx:typo", "anything"),  # not hw:, so not Nova's
    ],
)
def test_what_nova_accepts(name, value):
    validate(name, value)


@pytest.mark.parametrize(
    ("name", "value", "wording"),
    [
        ("hw:cpu_thread_policy", "always", "Validation failed; 'always' is not one of: prefer, isolate, require."),
        ("hw:numa_nodes", "zero", "Validation failed; 'zero' is not a valid integer value."),
        ("hw:cpu_sockets", "0", "Validation failed; '0' is less than the min value of '1'."),
        ("hw:redirected_usb_ports", "99", "Validation failed; '99' is greater than the max value of '15'."),
        ("hw:boot_menu", "sure", "Validation failed; 'sure' is not a valid boolean-like value."),
        ("hw:cpu_realtime_mask", "a-b", r"Validation failed; 'a-b' is not of the format '(\^)?\d+"),
        ("hw:numa_cpus.x", "0", "Validation failed; extra spec 'hw:numa_cpus.x' does not appear to be a valid extra"),
        ("hw:no_such_spec", "1", "Validation failed; extra spec 'hw:no_such_spec' does not appear to be a valid"),
        ("quota:cpu_limit", "-1", "Validation failed; '-1' is less than the min value of '0'."),
        ("resources:VCPUS", "1", "extra spec 'resources:VCPUS' does not appear to be a valid extra spec."),
        ("resources:VCPU", "one", "Validation failed; 'one' is not a valid integer value."),
        ("trait:lower_case", "required", "extra spec 'trait:lower_case' does not appear to be a valid extra spec."),
        ("trait:HW_CPU_X86_AVX", "yes", "Validation failed; 'yes' is not one of: required, forbidden."),
        ("capabilities:unknown", "x", "extra spec 'capabilities:unknown' does not appear to be a valid extra spec."),
        ("pci_passthrough:alias", "nic", "Validation failed; 'nic' is not of the format "),
        ("os:secure_boot", "optional", "Validation failed; 'optional' is not one of: disabled, required."),
        ("vmware:unknown", "x", "extra spec 'vmware:unknown' does not appear to be a valid extra spec."),
    ],
)
def test_what_nova_refuses_and_how_it_says_so(name, value, wording):
    with pytest.raises(InvalidExtraSpec) as refused:
        validate(name, value)
    assert wording in str(refused.value)


def test_the_namespaces_are_novas():
    plain = {ns for ns in extra_specs.NAMESPACES if ns.isidentifier()}
    assert plain == {"hw", "hw_rng", "hw_video", "quota", "os", "accel", "aggregate_instance_extra_specs",
                     "capabilities", "pci_passthrough", "vmware"}  # fmt: skip
    assert any(ns.startswith("resources(") for ns in extra_specs.NAMESPACES)
    assert any(ns.startswith("trait(") for ns in extra_specs.NAMESPACES)
