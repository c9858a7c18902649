"""The policy, role by role, through real requests: who may do what, and what another project looks like.

Roles imply the ones below them: reader < member < manager < admin. A refusal is a 403 with Nova's
``{"forbidden": ...}`` body (Keystone's ``{"error": ...}`` under /identity/v3) and changes nothing;
another project's server is not found (404), never forbidden, so ids do not leak.
"""

import dataclasses
import uuid

import pytest
from rest_framework.test import APIClient

from apps.compute.models import Flavor, Instance, InstanceAction, KeyPair, Migration, QuotaLimit
from apps.identity.models import Project, Role, RoleAssignment, RoleName, User
from tests.fixtures.factories import client_for, make_project, make_server, make_user

pytestmark = pytest.mark.django_db

READER, MEMBER, MANAGER, ADMIN = RoleName.READER, RoleName.MEMBER, RoleName.MANAGER, RoleName.ADMIN
ROLES = (READER, MEMBER, MANAGER, ADMIN)
RANK = {role: rank for rank, role in enumerate(ROLES)}
QUEUES = ("scheduler", "compute.nodeA", "compute.nodeB")


@dataclasses.dataclass
class World:
    """Projects A and B, each with a running server; one user of A per role."""

    a: Project
    b: Project
    users: dict[str, User]
    server_a: Instance
    server_b: Instance
    image_id: str


@pytest.fixture
def world(flavor, image):
    a, b = make_project("project-a"), make_project("project-b")
    users = {role: make_user(project=a, role=role, username=f"a-{role}") for role in ROLES}
    server_a = make_server(make_user(project=a), flavor, image, host="nodeA")
    server_b = make_server(make_user(project=b), flavor, image, host="nodeB")
    return World(a, b, users, server_a, server_b, str(image.id))


def request(client, method: str, path: str, body=None):
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


def assert_forbidden(response, identity: bool = False) -> None:
    """403 with Nova's body (or Keystone's, under /identity/v3) and a message saying why."""
    assert response.status_code == 403, response.content
    body = response.json()
    if identity:
        assert set(body) == {"error"}, body
        assert body["error"]["code"] == 403 and body["error"]["title"] == "Forbidden", body
        message = body["error"]["message"]
    else:
        assert set(body) == {"forbidden"}, body
        assert body["forbidden"]["code"] == 403, body
        message = body["forbidden"]["message"]
    assert isinstance(message, str) and message, body


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    body = response.json()
    assert set(body) == {"itemNotFound"} and body["itemNotFound"]["code"] == 404, body


def footprint(world: World) -> tuple:
    """Everything a request in the matrix could change: a refused one must leave it as it was."""
    server = Instance.objects.values("name", "vm_state", "task_state", "deleted_at").get(uuid=world.server_a.uuid)
    counts = [model.objects.count() for model in (Instance, Flavor, Project, KeyPair, QuotaLimit, Migration)]
    return server, counts, InstanceAction.objects.count()


# -- 1. each role against each API group --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str  # {server} is A's server, {project} is project A
    body: dict | None = None  # strings may use {image}
    least: str = READER  # the lowest role allowed; every role below it gets 403
    status: int = 200  # what an allowed role gets
    cast: str | None = None  # the task an allowed request sends (to the scheduler, or to A's server's host)

    @property
    def identity(self) -> bool:
        return self.path.startswith("/identity/")

    @property
    def queue(self) -> str:
        return "scheduler" if self.cast.startswith("scheduler.") else "compute.nodeA"


ACTION = "/v2.1/servers/{server}/action"
NEW_SERVER = {"server": {"name": "new", "flavorRef": "1", "imageRef": "{image}"}}
NEW_FLAVOR = {"flavor": {"name": "m1.policy", "ram": 512, "vcpus": 1, "disk": 1}}
CASES = [
    # servers: read
    Case("servers-list", "get", "/v2.1/servers"),
    Case("servers-detail", "get", "/v2.1/servers/detail"),
    Case("server-show", "get", "/v2.1/servers/{server}"),
    # servers: write
    Case("server-create", "post", "/v2.1/servers", NEW_SERVER, MEMBER, 202, "scheduler.select_destinations"),
    Case("server-rename", "put", "/v2.1/servers/{server}", {"server": {"name": "renamed"}}, MEMBER, 200),
    Case("server-delete", "delete", "/v2.1/servers/{server}", None, MEMBER, 204, "compute.terminate_instance"),
    Case("server-stop", "post", ACTION, {"os-stop": None}, MEMBER, 202, "compute.stop_instance"),
    # project-level operations: manager
    Case("server-migrate", "post", ACTION, {"migrate": None}, MANAGER, 202, "scheduler.select_migration_destination"),
    Case("migrations-list", "get", "/v2.1/os-migrations", None, MANAGER),
    # operator APIs: admin
    Case("services-list", "get", "/v2.1/os-services", None, ADMIN),
    Case("hypervisors-list", "get", "/v2.1/os-hypervisors", None, ADMIN),
    Case("aggregates-list", "get", "/v2.1/os-aggregates", None, ADMIN),
    Case("flavor-create", "post", "/v2.1/flavors", NEW_FLAVOR, ADMIN),
    Case("server-reset-state", "post", ACTION, {"os-resetState": {"state": "error"}}, ADMIN, 202),
    Case("zones-detail", "get", "/v2.1/os-availability-zone/detail", None, ADMIN),
    Case("quota-update", "put", "/v2.1/os-quota-sets/{project}", {"quota_set": {"instances": 20}}, ADMIN),
    # identity administration: admin
    Case("identity-users", "get", "/identity/v3/users", None, ADMIN),
    Case("identity-project-create", "post", "/identity/v3/projects", {"project": {"name": "p-new"}}, ADMIN, 201),
    # the caller's own project's quotas
    Case("quota-show-own", "get", "/v2.1/os-quota-sets/{project}"),
    Case("limits", "get", "/v2.1/limits"),
    # key pairs
    Case("keypair-create", "post", "/v2.1/os-keypairs", {"keypair": {"name": "mine"}}, MEMBER),
    Case("keypairs-list", "get", "/v2.1/os-keypairs"),
]


def fill(value, names: dict):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


def test_the_matrix_covers_every_group_and_the_admin_is_no_staff_user(world):
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.least for case in CASES} == set(ROLES)
    admin = world.users[ADMIN]
    assert not admin.is_staff and not admin.is_superuser  # the admin role alone makes a cloud admin


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_role_against_each_api_group(world, casts, case, role):
    names = {"server": world.server_a.uuid, "project": world.a.id, "image": world.image_id}
    before = footprint(world)

    response = request(client_for(world.users[role]), case.method, fill(case.path, names), fill(case.body, names))

    if RANK[role] < RANK[case.least]:
        assert_forbidden(response, identity=case.identity)
        message = response.json()["error" if case.identity else "forbidden"]["message"]
        assert message.startswith("Policy doesn't allow"), message
        assert footprint(world) == before, "a refused request changed something"
        assert all(casts(queue) == [] for queue in QUEUES), "a refused request sent a task"
    else:
        assert response.status_code == case.status, response.content
        if case.cast is not None:
            assert [task for task, _kwargs in casts(case.queue)] == [case.cast]


def test_a_manager_lists_only_its_projects_migrations_and_an_admin_every_projects(world):
    def migration(server):
        return Migration.objects.create(
            instance=server, migration_type="migration", source_compute=server.host, source_node=server.node,
            old_flavor=server.flavor, new_flavor=server.flavor, status="finished",
        )  # fmt: skip

    mine, theirs = migration(world.server_a), migration(world.server_b)

    def listed(role, query=""):
        response = client_for(world.users[role]).get(f"/v2.1/os-migrations{query}")
        assert response.status_code == 200, response.content
        return {m["id"] for m in response.json()["migrations"]}

    assert listed(MANAGER) == {mine.id}
    assert listed(MANAGER, "?host=nodeB") == set()
    assert listed(MANAGER, f"?instance_uuid={world.server_b.uuid}") == set()
    assert listed(ADMIN) == {mine.id, theirs.id}
    for role in (READER, MEMBER):
        assert_forbidden(client_for(world.users[role]).get("/v2.1/os-migrations"))


def test_a_manager_migrates_its_own_server_but_not_another_projects(world, casts):
    manager = client_for(world.users[MANAGER])

    def migrate(server):
        return manager.post(f"/v2.1/servers/{server.uuid}/action", {"migrate": None}, format="json")

    assert migrate(world.server_a).status_code == 202
    assert_not_found(migrate(world.server_b))
    assert [m.instance_id for m in Migration.objects.all()] == [world.server_a.uuid]
    assert len(casts("scheduler")) == 1


# -- 2. another project's server is not found, never forbidden ----------------------------------

SERVER_REQUESTS = [
    ("get", "", None),
    ("put", "", {"server": {"name": "stolen"}}),
    ("delete", "", None),
    ("post", "/action", {"os-stop": None}),
    ("get", "/os-instance-actions", None),
    ("get", "/metadata", None),
]


@pytest.mark.parametrize("role", [READER, MEMBER, MANAGER])
@pytest.mark.parametrize(("method", "suffix", "body"), SERVER_REQUESTS, ids=lambda v: v if isinstance(v, str) else None)
def test_another_projects_server_is_not_found(world, casts, role, method, suffix, body):
    client = client_for(world.users[role])
    before = footprint(world), Instance.objects.values().get(uuid=world.server_b.uuid)

    response = request(client, method, f"/v2.1/servers/{world.server_b.uuid}{suffix}", body)
    if role == READER and method != "get":
        # A reader may write nothing anywhere: the same 403 for its own server, B's, or no server at
        # all, so the answer says nothing about whether B's server exists.
        assert_forbidden(response)
        for other in (world.server_a.uuid, uuid.uuid4()):
            again = request(client, method, f"/v2.1/servers/{other}{suffix}", body)
            assert (again.status_code, again.json()) == (403, response.json())
    else:
        assert_not_found(response)
        # B's server looks exactly like one that does not exist.
        assert_not_found(request(client, method, f"/v2.1/servers/{uuid.uuid4()}{suffix}", body))
    assert (footprint(world), Instance.objects.values().get(uuid=world.server_b.uuid)) == before
    assert all(casts(queue) == [] for queue in QUEUES)


ADMIN_VIEWS = [("", "server"), ("/os-instance-actions", "instanceActions"), ("/metadata", "metadata")]


@pytest.mark.parametrize(("suffix", "key"), ADMIN_VIEWS)
def test_an_admin_sees_another_projects_server(world, suffix, key):
    response = client_for(world.users[ADMIN]).get(f"/v2.1/servers/{world.server_b.uuid}{suffix}")
    assert response.status_code == 200, response.content
    assert key in response.json()
    if key == "server":
        assert response.json()["server"]["id"] == str(world.server_b.uuid)


def servers_listed(client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {server["id"] for server in response.json()["servers"]}


def test_all_tenants_is_for_admins_and_plain_lists_stay_in_the_project(world):
    a, b = str(world.server_a.uuid), str(world.server_b.uuid)
    admin = client_for(world.users[ADMIN])
    for path in ("/v2.1/servers?all_tenants=1", "/v2.1/servers/detail?all_tenants=1"):
        assert servers_listed(admin, path) == {a, b}
        for role in (READER, MEMBER, MANAGER):
            response = client_for(world.users[role]).get(path)
            assert_forbidden(response)
            assert "os_compute_api:servers:index:get_all_tenants" in response.json()["forbidden"]["message"]
    for role in ROLES:
        client = client_for(world.users[role])
        for path in ("/v2.1/servers", "/v2.1/servers/detail", "/v2.1/servers?all_tenants=0"):
            assert servers_listed(client, path) == {a}, (role, path)


def test_the_admin_role_in_the_project_a_token_is_scoped_to_makes_a_cloud_admin(world):
    """Nova's rule: admin in any project is admin everywhere, once the request acts in that project."""
    user = make_user(project=world.a, role=MEMBER, username="two-hats")
    RoleAssignment.objects.create(user=user, project=world.b, role=Role.named(ADMIN))
    password = {"user": {"id": user.id, "password": "secret"}}
    auth = {"identity": {"methods": ["password"], "password": password}, "scope": {"project": {"id": world.b.id}}}
    issued = APIClient().post("/identity/v3/auth/tokens", {"auth": auth}, format="json")
    assert issued.status_code == 201, issued.content
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=issued["X-Subject-Token"])

    assert not user.is_staff
    assert servers_listed(client, "/v2.1/servers?all_tenants=1") == {str(world.server_a.uuid), str(world.server_b.uuid)}
    assert client.get("/v2.1/os-services").status_code == 200
    assert client.get("/identity/v3/users").status_code == 200


# -- 3. no role anywhere --------------------------------------------------------------------------


@pytest.mark.parametrize("with_default_project", [False, True])
def test_a_user_with_no_role_is_forbidden(world, with_default_project):
    project = world.a if with_default_project else None
    user = User.objects.create_user(username="nobody", password="secret", default_project=project)
    client = client_for(user)

    for path in ("/v2.1/servers", "/v2.1/servers/detail", f"/v2.1/servers/{world.server_a.uuid}", "/v2.1/limits"):
        assert_forbidden(client.get(path))
    body = {"server": {"name": "x", "flavorRef": "1", "imageRef": world.image_id}}
    assert_forbidden(client.post("/v2.1/servers", body, format="json"))
    assert_forbidden(client.get("/identity/v3/users"), identity=True)
    assert Instance.objects.count() == 2


# -- 4. another project's quotas ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v2.1/os-quota-sets/{b}", "/v2.1/os-quota-sets/{b}/detail", "/v2.1/limits?tenant_id={b}"]
)
def test_another_projects_quotas_are_for_admins(world, path):
    path = path.format(b=world.b.id)
    for role in (READER, MEMBER, MANAGER):
        response = client_for(world.users[role]).get(path)
        assert_forbidden(response)
        assert "os_compute_api:os-quota-sets:show:other_project" in response.json()["forbidden"]["message"]
    assert client_for(world.users[ADMIN]).get(path).status_code == 200


def test_an_admin_reads_and_sets_another_projects_quota(world):
    admin = client_for(world.users[ADMIN])
    url = f"/v2.1/os-quota-sets/{world.b.id}"

    assert admin.put(url, {"quota_set": {"instances": 3}}, format="json").status_code == 200
    response = admin.get(url)
    assert response.status_code == 200
    assert response.json()["quota_set"]["id"] == world.b.id
    assert response.json()["quota_set"]["instances"] == 3
    member = client_for(world.users[MEMBER])
    assert member.get(f"/v2.1/os-quota-sets/{world.a.id}").json()["quota_set"]["instances"] != 3
    assert_forbidden(member.put(url, {"quota_set": {"instances": 50}}, format="json"))
    assert QuotaLimit.objects.get(project=world.b, resource="instances").hard_limit == 3


def test_an_admin_without_a_project_cannot_create_project_resources(client):
    from apps.identity.models import User

    User.objects.create_user(username="stf", password="secret", is_staff=True)
    staff = client_for(User.objects.get(username="stf"))
    body = {"server_group": {"name": "g", "policy": "affinity"}}
    response = staff.post("/v2.1/os-server-groups", body, format="json")
    assert response.status_code == 403 and "has no project" in response.json()["forbidden"]["message"]
    assert staff.get("/v2.1/os-services").status_code == 200  # operator APIs need no project


def test_a_disabled_project_is_closed_to_basic_auth_too(member, member_client, flavor, image, casts):
    project = member.default_project
    project.enabled = False
    project.save()
    assert member_client.get("/v2.1/servers").status_code == 403
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": str(image.id), "networks": "none"}}
    assert member_client.post("/v2.1/servers", body, format="json").status_code == 403
