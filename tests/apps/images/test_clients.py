"""openstacksdk and openstackclient, unmodified, against a live API: discovery through the catalog,
create with data, list with paging, show, update, download and delete."""

import json
import os
import subprocess
import sys

import pytest

from apps.images.demo import boot_sector, digests
from apps.images.models import Image

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cloud(live_server, member):
    """Credentials for ``member`` (password ``secret``) at the live server, as openstackclient reads them."""
    return {
        "OS_AUTH_URL": f"{live_server.url}/identity/v3",
        "OS_USERNAME": member.username,
        "OS_PASSWORD": "secret",
        "OS_PROJECT_NAME": member.default_project.name,
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
    }


def connect(cloud):
    import openstack

    return openstack.connect(
        auth_url=cloud["OS_AUTH_URL"],
        username=cloud["OS_USERNAME"],
        password=cloud["OS_PASSWORD"],
        project_name=cloud["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
        load_yaml_config=False,
        load_envvars=False,
    )


def test_openstacksdk_creates_uploads_lists_updates_downloads_and_deletes(cloud, member, data_dir):
    conn = connect(cloud)
    data = boot_sector()

    image = conn.image.create_image(
        name="sdk", data=data, disk_format="raw", container_format="bare", hw_disk_bus="scsi", site="lab"
    )

    fetched = conn.image.get_image(image.id)
    assert fetched.status == "active"
    assert (fetched.size, fetched.checksum) == (512, digests(data)["checksum"])
    assert fetched.hash_value == digests(data)["os_hash_value"]
    assert fetched.hw_disk_bus == "scsi" and fetched.properties["site"] == "lab"
    assert fetched.owner_id == member.default_project.id
    assert conn.image.download_image(fetched).content == data

    for index in range(4):
        conn.image.create_image(name=f"page{index}", allow_duplicates=True)
    listed = [each.name for each in conn.image.images(limit=2, sort_key="name", sort_dir="asc")]
    assert listed == ["page0", "page1", "page2", "page3", "sdk"]  # followed the next links

    conn.image.update_image(image.id, name="renamed", os_distro="debian", tags=["x"])
    updated = conn.image.get_image(image.id)
    assert (updated.name, updated.os_distro, updated.tags) == ("renamed", "debian", ["x"])
    assert conn.image.find_image("renamed").id == image.id

    conn.image.delete_image(image.id)
    assert conn.image.find_image("renamed") is None
    assert not (data_dir / "images" / image.id).exists()


def run(cloud, *argv) -> tuple[int, str]:
    """``openstack <argv>`` (a process of its own: the client keeps auth state per process)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OS_")}, **cloud}
    done = subprocess.run(
        [sys.executable, "-m", "openstackclient.shell", *argv], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


def test_openstackclient_image_commands(cloud, tmp_path, data_dir):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(boot_sector())

    code, out = run(cloud, "image", "create", "--file", str(disk), "--disk-format", "raw", "--container-format", "bare",
                    "--property", "hw_disk_bus=scsi", "--tag", "t1", "-f", "json", "cli")  # fmt: skip
    assert code == 0, out
    created = json.loads(out)
    assert created["status"] == "active" and created["size"] == 512 and created["tags"] == ["t1"]

    code, out = run(cloud, "image", "set", "--name", "cli2", "--property", "os_distro=cirros", "--min-ram", "64",
                    "--protected", "cli")  # fmt: skip
    assert code == 0, out
    code, out = run(cloud, "image", "unset", "--property", "hw_disk_bus", "cli2")
    assert code == 0, out
    image = Image.objects.get(id=created["id"])
    assert (image.name, image.min_ram, image.protected) == ("cli2", 64, True)
    assert image.properties.get("os_distro") == "cirros" and "hw_disk_bus" not in image.properties

    code, out = run(cloud, "image", "list", "-f", "json")
    assert code == 0 and [each["Name"] for each in json.loads(out)] == ["cli2"]
    code, out = run(cloud, "image", "delete", "cli2")
    assert code != 0 and "protected" in out
    code, out = run(cloud, "image", "set", "--unprotected", "cli2")
    assert code == 0, out
    code, out = run(cloud, "image", "save", "--file", str(tmp_path / "saved.raw"), "cli2")
    assert code == 0 and (tmp_path / "saved.raw").read_bytes() == boot_sector()
    code, out = run(cloud, "image", "delete", "cli2")
    assert code == 0, out
    assert Image.objects.get(id=created["id"]).status == "deleted"


def test_openstackclient_as_a_member_cannot_publicize(cloud):
    code, out = run(cloud, "image", "create", "--public", "nope")
    assert code != 0 and "publicize_image" in out
    assert not Image.objects.exists()
