"""``/servers/{id}/os-volume_attachments`` and ``/servers/{id}/topology`` answer as Nova does on a
cloud with no block storage and no NUMA-pinned guests: an empty list, Nova's 404s for a volume that
is not attached or does not exist, Nova's body checks per microversion first, its policies, and no
NUMA cells from 2.78."""

import pytest
from django.utils import timezone

from apps.compute.states import TaskState, VmState
from apps.identity.models import RoleName
from apps.identity.policy import ADMIN, MEMBER, READER, RULES
from tests.fixtures.factories import client_for, make_server, make_user

pytestmark = pytest.mark.django_db

VOLUME = "a26887c6-c47b-4654-abb5-dfadf7d3f803"
OTHER_VOLUME = "0b4b2b8e-5b1e-4a55-a8d4-3c3b2b0f3e11"
MISSING_SERVER = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def server(member, flavor, image):
    return make_server(member, flavor, image, launched_at=timezone.now())


def call(user, method, path, version="2.1", body=None):
    client = client_for(user, f"compute {version}")
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format="json")


def attachments(server_id) -> str:
    return f"/v2.1/servers/{server_id}/os-volume_attachments"


def attachment(server_id, volume_id=VOLUME) -> str:
    return f"{attachments(server_id)}/{volume_id}"


def error(response, status: int, kind: str) -> str:
    assert response.status_code == status, response.content
    return response.json()[kind]["message"]


def attach(user, server, version="2.1", **fields):
    return call(user, "post", attachments(server.uuid), version, {"volumeAttachment": {"volumeId": VOLUME, **fields}})


def update(user, server, version="2.1", volume_id=VOLUME, **fields):
    body = {"volumeAttachment": {"volumeId": volume_id, **fields}}
    return call(user, "put", attachment(server.uuid), version, body)


# -- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.1", "2.70", "2.79", "2.89", "latest"])
def test_the_list_is_empty_at_every_microversion(member, server, version):
    response = call(member, "get", attachments(server.uuid), version)

    assert response.status_code == 200, response.content
    assert response.json() == {"volumeAttachments": []}


def test_the_list_takes_limit_and_offset_and_refuses_other_parameters_from_2_75(member, server):
    assert call(member, "get", f"{attachments(server.uuid)}?limit=1&offset=2", "latest").status_code == 200
    assert call(member, "get", f"{attachments(server.uuid)}?limit=1&limit=2", "latest").status_code == 200
    assert call(member, "get", f"{attachments(server.uuid)}?sort=x", "2.74").json() == {"volumeAttachments": []}

    message = error(call(member, "get", f"{attachments(server.uuid)}?sort=x", "2.75"), 400, "badRequest")
    assert message == "Additional properties are not allowed ('sort' was unexpected)"
    message = error(call(member, "get", f"{attachments(server.uuid)}?limit=-1", "2.1"), 400, "badRequest")
    assert message.startswith("Invalid input for query parameters limit.")
    assert "offset" in error(call(member, "get", f"{attachments(server.uuid)}?offset=x", "2.1"), 400, "badRequest")


# -- show, update, detach: nothing is attached ------------------------------------------------


@pytest.mark.parametrize("version", ["2.1", "2.89", "latest"])
def test_show_is_novas_not_attached_404(member, server, version):
    message = error(call(member, "get", attachment(server.uuid), version), 404, "itemNotFound")

    assert message == f"Instance {server.uuid} is not attached to volume {VOLUME}"


def test_show_ignores_query_parameters_at_every_microversion_as_nova(member, server):
    """Nova's controller names only its lax show schema (its 2.102 one is never applied)."""
    response = call(member, "get", f"{attachment(server.uuid)}?foo=bar", "latest")

    assert error(response, 404, "itemNotFound") == f"Instance {server.uuid} is not attached to volume {VOLUME}"


def test_detach_is_novas_volume_not_found(member, server):
    message = error(call(member, "delete", attachment(server.uuid)), 404, "itemNotFound")

    assert message == f"Volume {VOLUME} could not be found."


def test_detach_from_a_shelved_server_is_409_before_2_20(member, flavor, image):
    shelved = make_server(member, flavor, image, vm_state=VmState.SHELVED_OFFLOADED, launched_at=timezone.now())

    message = error(call(member, "delete", attachment(shelved.uuid), "2.19"), 409, "conflictingRequest")
    assert message == f"Cannot 'detach_volume' instance {shelved.uuid} while it is in vm_state shelved_offloaded"
    message = error(call(member, "delete", attachment(shelved.uuid), "2.20"), 404, "itemNotFound")
    assert message == f"Volume {VOLUME} could not be found."


def test_a_swap_before_2_85_is_for_admins_and_finds_no_old_volume(member, admin_user, server):
    message = error(update(member, server, "2.84"), 403, "forbidden")
    assert message == "Policy doesn't allow os_compute_api:os-volumes-attachments:swap to be performed."

    message = error(update(admin_user, server, "2.84", volume_id=OTHER_VOLUME), 404, "itemNotFound")
    assert message == f"Volume {VOLUME} could not be found."


def test_an_update_from_2_85_is_a_members_and_finds_no_attachment(member, admin_user, server):
    message = error(update(member, server, "2.85", delete_on_termination=True), 404, "itemNotFound")
    assert message == f"No volume Block Device Mapping with id {VOLUME}."
    # A new volumeId is a swap: the swap policy's, then the attachment is looked up all the same.
    message = error(update(member, server, "2.85", volume_id=OTHER_VOLUME), 403, "forbidden")
    assert message == "Policy doesn't allow os_compute_api:os-volumes-attachments:swap to be performed."
    message = error(update(admin_user, server, "latest", volume_id=OTHER_VOLUME), 404, "itemNotFound")
    assert message == f"No volume Block Device Mapping with id {VOLUME}."


@pytest.mark.parametrize(
    ("version", "fields", "found"),
    [
        ("2.84", {"delete_on_termination": True}, "'delete_on_termination' was unexpected"),
        ("2.84", {"device": "/dev/vdb"}, "'device' was unexpected"),
        ("2.85", {"device": "vdb"}, "Invalid input for field/attribute device."),
        ("2.85", {"serverId": "nope"}, "'nope' is not a 'uuid'"),
        ("2.85", {"delete_on_termination": "maybe"}, "Invalid input for field/attribute delete_on_termination."),
        ("2.85", {"bogus": 1}, "'bogus' was unexpected"),
    ],
)
def test_update_bodies_are_checked_per_microversion_before_anything_else(admin_user, version, fields, found):
    body = {"volumeAttachment": {"volumeId": VOLUME, **fields}}
    response = call(admin_user, "put", attachment(MISSING_SERVER), version, body)

    assert found in error(response, 400, "badRequest")


def test_update_needs_a_volume_id(admin_user, server):
    response = call(admin_user, "put", attachment(server.uuid), "2.85", {"volumeAttachment": {}})

    assert "'volumeId' is a required property" in error(response, 400, "badRequest")


# -- attach -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "fields"),
    [
        ("2.1", {}),
        ("2.1", {"device": "/dev/vdb"}),
        ("2.1", {"device": None}),
        ("2.49", {"tag": "data"}),
        ("2.79", {"tag": "data", "delete_on_termination": "yes"}),
        ("latest", {"delete_on_termination": False}),
    ],
)
def test_a_valid_attach_is_novas_volume_not_found(member, server, version, fields):
    message = error(attach(member, server, version, **fields), 404, "itemNotFound")

    assert message == f"Volume {VOLUME} could not be found."


@pytest.mark.parametrize(
    ("version", "body", "found"),
    [
        ("2.1", {}, "'volumeAttachment' is a required property"),
        ("2.1", {"volumeAttachment": {}}, "'volumeId' is a required property"),
        ("2.1", {"volumeAttachment": {"volumeId": "vol-1"}}, "'vol-1' is not a 'uuid'"),
        ("2.1", {"volumeAttachment": {"volumeId": VOLUME, "device": "sdb"}}, "field/attribute device"),
        ("2.48", {"volumeAttachment": {"volumeId": VOLUME, "tag": "data"}}, "'tag' was unexpected"),
        ("2.49", {"volumeAttachment": {"volumeId": VOLUME, "tag": "a/b"}}, "Invalid input for field/attribute tag"),
        ("2.49", {"volumeAttachment": {"volumeId": VOLUME, "tag": "x" * 61}}, "Invalid input for field/attribute tag"),
        ("2.78", {"volumeAttachment": {"volumeId": VOLUME, "delete_on_termination": True}},
         "'delete_on_termination' was unexpected"),
        ("2.79", {"volumeAttachment": {"volumeId": VOLUME, "delete_on_termination": "maybe"}},
         "Invalid input for field/attribute delete_on_termination"),
        ("latest", {"volumeAttachment": {"volumeId": VOLUME, "serverId": VOLUME}}, "'serverId' was unexpected"),
    ],
)  # fmt: skip
def test_attach_bodies_are_checked_per_microversion_before_the_server_is_looked_up(member, version, body, found):
    response = call(member, "post", attachments(MISSING_SERVER), version, body)

    assert found in error(response, 400, "badRequest")


def test_attach_to_a_shelved_server_is_409_before_2_20(member, flavor, image):
    shelved = make_server(member, flavor, image, vm_state=VmState.SHELVED, launched_at=timezone.now())

    message = error(attach(member, shelved, "2.19"), 409, "conflictingRequest")
    assert message == f"Cannot 'attach_volume' instance {shelved.uuid} while it is in vm_state shelved"
    assert error(attach(member, shelved, "2.20"), 404, "itemNotFound") == f"Volume {VOLUME} could not be found."


def test_attach_to_a_locked_server_is_409_except_for_admins(member, admin_user, flavor, image):
    locked = make_server(member, flavor, image, locked=True, locked_by="owner", launched_at=timezone.now())

    assert error(attach(member, locked), 409, "conflictingRequest") == f"Instance {locked.uuid} is locked"
    assert error(attach(admin_user, locked), 404, "itemNotFound") == f"Volume {VOLUME} could not be found."


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vm_state": VmState.ERROR}, "Cannot 'attach_volume' instance {id} while it is in vm_state error"),
        ({"vm_state": VmState.SUSPENDED}, "Cannot 'attach_volume' instance {id} while it is in vm_state suspended"),
        ({"task_state": TaskState.REBOOTING},
         "Cannot 'attach_volume' instance {id} while it is in task_state rebooting"),
        ({"launched_at": None}, "Instance {id} is in an invalid state for 'attach_volume'"),
    ],
)  # fmt: skip
def test_attach_in_a_state_nova_refuses_is_409_before_the_volume_is_looked_up(member, flavor, image, fields, message):
    instance = make_server(member, flavor, image, **{"launched_at": timezone.now(), **fields})

    assert error(attach(member, instance), 409, "conflictingRequest") == message.format(id=instance.uuid)


# -- the topology -----------------------------------------------------------------------------


def topology(server_id) -> str:
    return f"/v2.1/servers/{server_id}/topology"


def test_the_topology_is_a_404_before_2_78(member, server):
    assert error(call(member, "get", topology(server.uuid), "2.77"), 404, "itemNotFound")


@pytest.mark.parametrize("version", ["2.78", "2.101", "latest"])
def test_the_topology_has_no_numa_cells_and_no_page_size(member, server, version):
    response = call(member, "get", topology(server.uuid), version)

    assert response.status_code == 200, response.content
    assert response.json() == {"nodes": [], "pagesize_kb": None}


def test_the_topology_refuses_query_parameters_from_2_102(member, server):
    assert call(member, "get", f"{topology(server.uuid)}?foo=1", "2.101").status_code == 200

    message = error(call(member, "get", f"{topology(server.uuid)}?foo=1", "2.102"), 400, "badRequest")
    assert message == "Additional properties are not allowed ('foo' was unexpected)"


# -- who may ----------------------------------------------------------------------------------


def test_the_policies_are_novas_defaults():
    rules = {f"os_compute_api:os-volumes-attachments:{name}": RULES[f"os_compute_api:os-volumes-attachments:{name}"]
             for name in ("index", "show", "create", "update", "swap", "delete")}  # fmt: skip
    assert rules == {
        "os_compute_api:os-volumes-attachments:index": READER,
        "os_compute_api:os-volumes-attachments:show": READER,
        "os_compute_api:os-volumes-attachments:create": MEMBER,
        "os_compute_api:os-volumes-attachments:update": MEMBER,
        "os_compute_api:os-volumes-attachments:swap": ADMIN,
        "os_compute_api:os-volumes-attachments:delete": MEMBER,
    }
    assert RULES["compute:server:topology:index"] == READER


@pytest.mark.parametrize(
    ("method", "path", "version", "body"),
    [
        ("get", attachments, "2.1", None),
        ("post", attachments, "2.1", {"volumeAttachment": {"volumeId": VOLUME}}),
        ("get", attachment, "2.1", None),
        ("put", attachment, "2.85", {"volumeAttachment": {"volumeId": VOLUME}}),
        ("delete", attachment, "2.1", None),
        ("get", topology, "2.78", None),
    ],
)
def test_another_projects_server_is_not_found(server, method, path, version, body):
    stranger = make_user()

    response = call(stranger, method, path(server.uuid), version, body)

    assert error(response, 404, "itemNotFound") == f"Instance {server.uuid} could not be found."


def test_a_reader_sees_the_empty_list_and_topology_but_may_not_attach_update_or_detach(member, server):
    reader = make_user(project=member.default_project, role=RoleName.READER)

    assert call(reader, "get", attachments(server.uuid)).json() == {"volumeAttachments": []}
    assert call(reader, "get", topology(server.uuid), "2.78").json() == {"nodes": [], "pagesize_kb": None}
    assert call(reader, "get", attachment(server.uuid)).status_code == 404  # not attached, not forbidden
    assert attach(reader, server).status_code == 403
    assert update(reader, server, "2.85").status_code == 403
    assert call(reader, "delete", attachment(server.uuid)).status_code == 403


def test_an_admin_reaches_any_projects_server(admin_user, server):
    assert call(admin_user, "get", attachments(server.uuid)).json() == {"volumeAttachments": []}
    assert error(attach(admin_user, server), 404, "itemNotFound") == f"Volume {VOLUME} could not be found."
    assert error(call(admin_user, "delete", attachment(server.uuid)), 404, "itemNotFound") == (
        f"Volume {VOLUME} could not be found."
    )
