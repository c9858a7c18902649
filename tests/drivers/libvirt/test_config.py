"""Domain XML: what a guest is made of, checked by parsing what the builder writes."""

import xml.etree.ElementTree as ET

from drivers.libvirt import config


def guest_config(**overrides) -> config.GuestConfig:
    fields = {
        "uuid": "6a3f0c7e-2d1b-4c39-9a8e-0d2f4b5c6e7f", "name": "web <1> & co", "host": "node1",
        "virt_type": "kvm", "arch": "x86_64", "memory_mb": 512, "vcpus": 2, "flavor_name": "m1.tiny",
        "image_id": "img-1", "console_log": "/srv/i/console.log",
        "disks": (config.Disk("/srv/i/disk", "qcow2", "root"), config.Disk("/srv/i/disk.eph0", "qcow2", "ephemeral")),
    }  # fmt: skip
    fields.update(overrides)
    return config.GuestConfig(**fields)


def parse(cfg) -> ET.Element:
    return ET.fromstring(config.domain_xml(cfg))


def test_identity_size_and_metadata():
    domain = parse(guest_config())
    assert domain.get("type") == "kvm"
    assert domain.findtext("name") == "instance-6a3f0c7e-2d1b-4c39-9a8e-0d2f4b5c6e7f"
    assert domain.findtext("uuid") == "6a3f0c7e-2d1b-4c39-9a8e-0d2f4b5c6e7f"
    assert domain.findtext("title") == "web <1> & co"
    assert (domain.findtext("memory"), domain.find("memory").get("unit")) == ("524288", "KiB")
    assert domain.findtext("vcpu") == "2"
    owner = domain.find(f"metadata/{{{config.NAMESPACE}}}instance")
    assert owner.findtext(f"{{{config.NAMESPACE}}}host") == "node1"
    assert config.owner_host(ET.tostring(owner, encoding="unicode")) == "node1"


def test_disks_boot_from_the_root_and_follow_the_bus():
    disks = parse(guest_config()).findall("devices/disk")
    assert [d.find("target").get("dev") for d in disks] == ["vda", "vdb"]
    assert disks[0].find("boot").get("order") == "1" and disks[1].find("boot") is None
    assert disks[0].find("driver").attrib == {"name": "qemu", "type": "qcow2", "cache": "none"}
    ide = parse(guest_config(disk_bus="ide")).findall("devices/disk")
    assert [d.find("target").get("dev") for d in ide] == ["hda", "hdb"]
    unknown = parse(guest_config(disk_bus="floppy")).find("devices/disk/target")
    assert unknown.get("bus") == "virtio"


def test_serial_console_is_logged_and_there_are_no_graphics():
    devices = parse(guest_config()).find("devices")
    serial = devices.find("serial")
    assert serial.find("log").attrib == {"file": "/srv/i/console.log", "append": "on"}
    assert devices.find("console/target").get("type") == "serial"
    assert devices.find("graphics") is None


def test_networks():
    user = parse(guest_config()).find("devices/interface")
    assert user.get("type") == "user"
    assert user.find("mac").get("address").startswith("fa:16:3e:")
    assert user.find("mac").get("address") == config.mac_address("6a3f0c7e-2d1b-4c39-9a8e-0d2f4b5c6e7f")
    assert parse(guest_config(network="none")).find("devices/interface") is None
    bridged = parse(guest_config(network="bridge:br0")).find("devices/interface")
    assert (bridged.get("type"), bridged.find("source").get("bridge")) == ("bridge", "br0")
    net = parse(guest_config(network="network:provider")).find("devices/interface/source")
    assert net.get("network") == "provider"
    ports = parse(guest_config(macs=("fa:16:3e:00:00:01", "fa:16:3e:00:00:02"))).findall("devices/interface/mac")
    assert [m.get("address") for m in ports] == ["fa:16:3e:00:00:01", "fa:16:3e:00:00:02"]


def test_cpu_modes():
    assert parse(guest_config()).find("cpu") is None
    assert parse(guest_config(cpu_mode="host-model")).find("cpu").get("mode") == "host-model"
    assert parse(guest_config(cpu_mode="host-passthrough", virt_type="qemu")).find("cpu") is None
    custom = parse(guest_config(cpu_mode="custom:Nehalem")).find("cpu")
    assert (custom.get("mode"), custom.findtext("model")) == ("custom", "Nehalem")
