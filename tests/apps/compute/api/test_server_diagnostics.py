"""``GET /servers/{id}/diagnostics`` as Nova serves it: admins only, asked of the server's host
(here a fake hypervisor answering in the test process), the driver's free-form dict before 2.48
and Nova's standardised body from 2.48, a 409 for a server without a host or whose guest is not
running, a 501 for a hypervisor without diagnostics."""

import datetime

import pytest
from django.utils import timezone

from apps.compute.states import TaskState, VmState
from apps.identity.models import RoleName
from apps.network import ipam
from core import diagnostics
from core.power_state import PowerState
from drivers.base import ComputeDriver
from drivers.fake import FakeDriver
from tests.fixtures.answering_host import AnsweringHost
from tests.fixtures.factories import client_for, make_instance, make_node, make_server, make_user

pytestmark = pytest.mark.django_db

MISSING_SERVER = "00000000-0000-0000-0000-000000000000"
LAUNCHED = timezone.now() - datetime.timedelta(hours=1)


@pytest.fixture
def host(monkeypatch) -> AnsweringHost:
    from core import rpc

    answering = AnsweringHost()
    monkeypatch.setattr(rpc, "call", answering)
    return answering


@pytest.fixture
def server(member, flavor, image):
    return make_server(member, flavor, image, launched_at=LAUNCHED)


def show(user, server_id, version="2.1", query=""):
    return client_for(user, f"compute {version}").get(f"/v2.1/servers/{server_id}/diagnostics{query}")


def error(response, status: int, kind: str) -> str:
    assert response.status_code == status, response.content
    return response.json()[kind]["message"]


# -- the bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.1", "2.47"])
def test_before_2_48_the_body_is_the_drivers_free_form_dict(admin_user, server, host, version):
    response = show(admin_user, server.uuid, version)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["memory"] == 512 * 1024 and body["cpu0_time"] >= 0  # KiB, nanoseconds: libvirt's units
    assert {"vda_read_req", "vda_read", "vda_write_req", "vda_write", "vda_errors", "memory-actual"} <= set(body)
    assert "state" not in body and "memory_details" not in body
    [(queue, task, kwargs)] = host.calls
    assert (queue, task) == ("compute.node1", "compute.get_diagnostics")
    assert kwargs["instance"]["uuid"] == str(server.uuid)


@pytest.mark.parametrize("version", ["2.48", "2.101", "latest"])
def test_from_2_48_the_body_is_novas_standardised_diagnostics(admin_user, server, host, version):
    ipam.ensure_default_network()
    port = ipam.allocate_port(instance_uuid=str(server.uuid), project=server.project)

    response = show(admin_user, server.uuid, version)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {*diagnostics.PRIMITIVE_FIELDS, *diagnostics.LIST_FIELDS, *diagnostics.OBJECT_FIELDS}
    assert (body["state"], body["driver"], body["hypervisor"], body["config_drive"]) == ("running", "libvirt", "fake",
                                                                                         False)  # fmt: skip
    assert (body["num_cpus"], body["num_disks"], body["num_nics"]) == (1, 1, 1)
    assert body["memory_details"] == {"maximum": 512, "used": 512}  # MiB
    assert 3600 <= body["uptime"] < 3700  # counted from launched_at
    [nic] = body["nic_details"]
    assert nic["mac_address"] == port.mac_address and nic["rx_rate"] is None
    assert set(body["cpu_details"][0]) == {"id", "time", "utilisation"}
    [(_queue, task, kwargs)] = host.calls
    assert task == "compute.get_instance_diagnostics"
    assert kwargs["instance"]["launched_at"] == LAUNCHED.isoformat()


def test_a_server_never_launched_has_no_uptime(admin_user, member, flavor, image, host):
    server = make_server(member, flavor, image)
    assert show(admin_user, server.uuid, "2.48").json()["uptime"] is None


# -- who may ask, and about what -------------------------------------------------------------


@pytest.mark.parametrize("role", [RoleName.READER, RoleName.MEMBER, RoleName.MANAGER])
def test_only_admins_may_ask(member, server, host, role):
    user = make_user(project=member.default_project, role=role)
    message = error(show(user, server.uuid), 403, "forbidden")
    assert message == "Policy doesn't allow os_compute_api:os-server-diagnostics to be performed."
    assert host.calls == []


def test_an_unknown_server_is_404_before_the_policy(admin_user, member, host):
    message = error(show(admin_user, MISSING_SERVER), 404, "itemNotFound")
    assert message == f"Instance {MISSING_SERVER} could not be found."
    assert error(show(member, MISSING_SERVER), 404, "itemNotFound")  # not a 403: ids do not leak


def test_a_query_parameter_is_ignored_until_2_102(admin_user, server, host):
    assert show(admin_user, server.uuid, "2.101", "?verbose=1").status_code == 200
    message = error(show(admin_user, server.uuid, "2.102", "?verbose=1"), 400, "badRequest")
    assert message == "Additional properties are not allowed ('verbose' was unexpected)"


# -- states Nova refuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vm_state", "task_state"),
    [(VmState.BUILDING, TaskState.SCHEDULING), (VmState.SHELVED_OFFLOADED, None), (VmState.ERROR, None)],
)
def test_a_server_without_a_host_is_not_ready(admin_user, member, flavor, image, host, vm_state, task_state):
    server = make_instance(member, flavor, image, vm_state=vm_state, task_state=task_state)

    for version in ("2.1", "2.48"):
        assert error(show(admin_user, server.uuid, version), 409, "conflictingRequest") == (
            f"Instance {server.uuid} is not ready"
        )
    assert host.calls == []


@pytest.mark.parametrize(
    ("power_state", "name"),
    [(PowerState.SHUTDOWN, "shutdown"), (PowerState.PAUSED, "paused"), (PowerState.SUSPENDED, "suspended"),
     (None, "pending")],
)  # fmt: skip
def test_a_guest_that_is_not_running_is_409_naming_its_power_state(admin_user, server, host, power_state, name):
    host.power_states[str(server.uuid)] = power_state  # None: still being built, not on the hypervisor yet

    for version in ("2.1", "2.48"):
        message = error(show(admin_user, server.uuid, version), 409, "conflictingRequest")
        assert message == f"Cannot 'get_diagnostics' instance {server.uuid} while it is in power state {name}"


def test_a_host_whose_service_is_down_is_409_and_not_asked(admin_user, member, flavor, image, host):
    make_node("gone", up=False)
    server = make_server(member, flavor, image, host="gone")

    assert error(show(admin_user, server.uuid, "2.48"), 409, "conflictingRequest") == (
        "Service is unavailable at this time."
    )
    assert host.calls == []


def test_a_host_that_does_not_answer_is_504(admin_user, server, settings):
    settings.CONSOLE_OUTPUT_TIMEOUT = 0.5  # node1 heartbeats in the database, but no worker consumes its queue

    message = error(show(admin_user, server.uuid, "2.48"), 504, "gatewayTimeout")
    assert message == "Compute host node1 did not answer within 0.5 s"


def test_a_broker_that_cannot_be_reached_is_503(admin_user, server, monkeypatch):
    from core import rpc

    def unreachable(*args, **kwargs):
        raise ConnectionError("Connection refused")

    monkeypatch.setattr(rpc, "call", unreachable)

    message = error(show(admin_user, server.uuid, "2.48"), 503, "serviceUnavailable")
    assert message == "Could not ask compute host node1: Connection refused"


class WithoutDiagnostics(FakeDriver):
    get_instance_diagnostics = ComputeDriver.get_instance_diagnostics
    get_diagnostics = ComputeDriver.get_diagnostics


def test_a_hypervisor_without_diagnostics_is_501(admin_user, server, monkeypatch):
    from core import rpc

    monkeypatch.setattr(rpc, "call", AnsweringHost(WithoutDiagnostics("node1", {})))

    for version in ("2.1", "2.48"):
        response = show(admin_user, server.uuid, version)
        assert response.status_code == 501, response.content
        assert response.json() == {
            "notImplemented": {"code": 501, "message": "The requested functionality is not supported."}
        }


def test_a_driver_failure_is_409_with_its_message(admin_user, server, host):
    def broken(instance):
        raise RuntimeError("the hypervisor lost its counters")

    host.driver.get_instance_diagnostics = broken

    message = error(show(admin_user, server.uuid, "2.48"), 409, "conflictingRequest")
    assert message == f"Diagnostics of instance {server.uuid} are not available: the hypervisor lost its counters"
