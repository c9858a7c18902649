"""The Networking API's security groups (``/v2.0/security-groups``, ``/v2.0/security-group-rules``) and the
groups of ports: Neutron's bodies, errors, tenancy and quotas. Every response is also checked against the
published contract (``tests/contract/schemas_network.py``) by the response oracle."""

import uuid

import pytest

from apps.identity.models import RoleName
from apps.network import security_groups
from apps.network.api import quotas
from apps.network.models import Port, SecurityGroup, SecurityGroupRule
from tests.apps.network.factories import device_with_ports, make_network
from tests.fixtures.factories import client_for, make_project, make_user

pytestmark = pytest.mark.django_db

API = "/network/v2.0"


def error(response) -> tuple[int, str, str]:
    body = response.json()["NeutronError"]
    assert body["detail"] == ""
    return response.status_code, body["type"], body["message"]


@pytest.fixture
def project(member):
    return member.default_project


@pytest.fixture
def network(project):
    return make_network(name="mine", project=project, cidr="10.1.0.0/24")


# -- the API: groups -------------------------------------------------------------------------------


def test_listing_creates_the_default_group_once(member_client, project):
    first = member_client.get(f"{API}/security-groups")
    assert first.status_code == 200
    (group,) = first.json()["security_groups"]
    assert (group["name"], group["description"], group["stateful"], group["shared"]) == (
        "default",
        "Default security group",
        True,
        False,
    )
    assert group["project_id"] == group["tenant_id"] == project.id
    assert group["tags"] == [] and group["revision_number"] == 1 and group["created_at"].endswith("Z")
    rules = group["security_group_rules"]
    assert len(rules) == 4 and all(r["belongs_to_default_sg"] and r["security_group_id"] == group["id"] for r in rules)
    ingress = [r for r in rules if r["direction"] == "ingress"]
    assert {r["ethertype"] for r in ingress} == {"IPv4", "IPv6"}
    assert all(r["remote_group_id"] == group["id"] and r["remote_ip_prefix"] is None for r in ingress)
    assert member_client.get(f"{API}/security-groups").json()["security_groups"] == [group]
    assert SecurityGroup.objects.count() == 1


def test_listing_rules_also_creates_the_default_group(member_client):
    rules = member_client.get(f"{API}/security-group-rules").json()["security_group_rules"]
    assert len(rules) == 4 and SecurityGroup.objects.get().is_default


def test_create_show_update_and_delete_a_group(member_client, project):
    spec = {"security_group": {"name": "web", "description": "security group for webservers"}}
    response = member_client.post(f"{API}/security-groups", spec, format="json")
    assert response.status_code == 201, response.content
    group = response.json()["security_group"]
    assert (group["name"], group["description"], group["project_id"]) == (
        "web",
        spec["security_group"]["description"],
        project.id,
    )
    rules = group["security_group_rules"]
    assert sorted((r["direction"], r["ethertype"]) for r in rules) == [("egress", "IPv4"), ("egress", "IPv6")]
    assert not any(r["belongs_to_default_sg"] for r in rules)
    assert SecurityGroup.objects.filter(is_default=True, project=project).exists()  # created first, as Neutron does

    path = f"{API}/security-groups/{group['id']}"
    assert member_client.get(path).json()["security_group"] == group
    update = {"security_group": {"name": "www", "description": None, "stateful": False}}
    updated = member_client.put(path, update, format="json").json()["security_group"]
    assert (updated["name"], updated["description"], updated["stateful"], updated["revision_number"]) == (
        "www",
        "",
        False,
        2,
    )
    assert member_client.delete(path).status_code == 204
    assert error(member_client.get(path)) == (
        404,
        "SecurityGroupNotFound",
        f"Security group {group['id']} does not exist",
    )
    assert not SecurityGroupRule.objects.filter(security_group_id=group["id"]).exists()


@pytest.mark.parametrize("name", ["default", "DeFault"])
def test_no_other_group_may_be_named_default(member_client, name):
    response = member_client.post(f"{API}/security-groups", {"security_group": {"name": name}}, format="json")
    assert error(response) == (409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
    web = member_client.post(f"{API}/security-groups", {"security_group": {"name": "web"}}, format="json").json()
    rename = {"security_group": {"name": name}}
    response = member_client.put(f"{API}/security-groups/{web['security_group']['id']}", rename, format="json")
    assert error(response)[:2] == (409, "SecurityGroupDefaultAlreadyExists")


def test_the_default_group_keeps_its_name_and_only_an_admin_deletes_it(member_client, admin_client, project):
    default = security_groups.default_group(project)
    path = f"{API}/security-groups/{default.id}"
    response = member_client.put(path, {"security_group": {"name": "renamed"}}, format="json")
    assert error(response) == (409, "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")
    described = member_client.put(path, {"security_group": {"description": "mine"}}, format="json")
    assert described.json()["security_group"]["description"] == "mine"
    assert error(member_client.delete(path)) == (
        409,
        "SecurityGroupCannotRemoveDefault",
        "Insufficient rights for removing default security group.",
    )
    assert admin_client.delete(path).status_code == 204
    assert not SecurityGroup.objects.filter(pk=default.pk).exists()
    (again,) = member_client.get(f"{API}/security-groups").json()["security_groups"]
    assert again["name"] == "default" and again["id"] != str(default.id)


def test_a_group_in_use_is_409(member_client, project, network):
    device = device_with_ports(project, network)
    web = security_groups.create_group(project, name="web")
    security_groups.attach_on_create(Port.objects.get(device_id=device), [web])
    path = f"{API}/security-groups/{web.id}"
    assert error(member_client.delete(path)) == (409, "SecurityGroupInUse", f"Security Group {web.id} in use.")
    response = member_client.put(path, {"security_group": {"stateful": False}}, format="json")
    assert error(response)[:2] == (409, "SecurityGroupInUse")
    assert member_client.put(path, {"security_group": {"stateful": True}}, format="json").status_code == 200
    assert SecurityGroup.objects.filter(pk=web.pk).exists()


def test_another_project_neither_sees_nor_changes_a_group(member_client, admin_client, project):
    outsider = client_for(make_user())
    web = security_groups.create_group(project, name="web")
    path = f"{API}/security-groups/{web.id}"
    names = [g["name"] for g in outsider.get(f"{API}/security-groups").json()["security_groups"]]
    assert names == ["default"]  # its own
    assert error(outsider.get(path))[:2] == (404, "SecurityGroupNotFound")
    assert error(outsider.put(path, {"security_group": {"name": "x"}}, format="json"))[:2] == (
        404,
        "SecurityGroupNotFound",
    )
    assert error(outsider.delete(path))[:2] == (404, "SecurityGroupNotFound")
    rule = {"security_group_rule": {"security_group_id": str(web.id), "direction": "ingress"}}
    assert error(outsider.post(f"{API}/security-group-rules", rule, format="json"))[:2] == (
        404,
        "SecurityGroupNotFound",
    )
    their_rule = web.rules.first()
    assert error(outsider.get(f"{API}/security-group-rules/{their_rule.id}")) == (
        404,
        "SecurityGroupRuleNotFound",
        f"Security group rule {their_rule.id} does not exist",
    )
    assert error(outsider.delete(f"{API}/security-group-rules/{their_rule.id}"))[0] == 404
    assert len(outsider.get(f"{API}/security-group-rules").json()["security_group_rules"]) == 4  # its default's
    assert web.rules.count() == 2
    every = {g["name"] for g in admin_client.get(f"{API}/security-groups").json()["security_groups"]}
    assert {"web", "default"} <= every
    assert admin_client.delete(path).status_code == 204


def test_an_admin_listing_a_project_creates_its_default_group(admin_client):
    other = make_project()
    groups = admin_client.get(f"{API}/security-groups?project_id={other.id}").json()["security_groups"]
    assert [(g["name"], g["project_id"]) for g in groups] == [("default", other.id)]
    assert admin_client.get(f"{API}/security-groups?project_id=nope").json()["security_groups"] == []


def test_a_member_listing_another_project_creates_nothing(member_client):
    other = make_project()
    assert member_client.get(f"{API}/security-groups?tenant_id={other.id}").json()["security_groups"] == []
    assert not SecurityGroup.objects.filter(project=other).exists()


def test_an_admin_creates_a_group_for_a_project(admin_client):
    other = make_project()
    spec = {"security_group": {"name": "ops", "project_id": other.id}}
    group = admin_client.post(f"{API}/security-groups", spec, format="json").json()["security_group"]
    assert group["project_id"] == other.id
    assert {r["project_id"] for r in group["security_group_rules"]} == {other.id}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("name=web", ["web"]),
        ("name=web&name=default", ["default", "web"]),
        ("stateful=false", ["fast"]),
        ("shared=true", []),
        ("shared=false", ["default", "web", "fast"]),
        ("description=nope", []),
        ("id=not-a-uuid", []),
    ],
)
def test_group_filters(member_client, project, query, names):
    security_groups.create_group(project, name="web")
    security_groups.create_group(project, name="fast", stateful=False)
    response = member_client.get(f"{API}/security-groups?{query}")
    assert response.status_code == 200
    assert [g["name"] for g in response.json()["security_groups"]] == names


def test_group_filters_by_id_project_and_fields(member_client, project):
    web = security_groups.create_group(project, name="web")
    found = member_client.get(f"{API}/security-groups?id={web.id}").json()["security_groups"]
    assert [g["id"] for g in found] == [str(web.id)]
    for key in ("project_id", "tenant_id"):
        assert len(member_client.get(f"{API}/security-groups?{key}={project.id}").json()["security_groups"]) == 2
    trimmed = member_client.get(f"{API}/security-groups?fields=id&fields=name").json()["security_groups"]
    assert all(set(g) == {"id", "name"} for g in trimmed)
    shown = member_client.get(f"{API}/security-groups/{web.id}?fields=name").json()["security_group"]
    assert shown == {"name": "web"}
    assert error(member_client.get(f"{API}/security-groups?shared=perhaps"))[:2] == (400, "InvalidInput")


def test_a_reader_lists_but_does_not_create():
    reader = client_for(make_user(role=RoleName.READER))
    assert reader.get(f"{API}/security-groups").status_code == 200
    response = reader.post(f"{API}/security-groups", {"security_group": {"name": "x"}}, format="json")
    assert error(response)[:2] == (403, "PolicyNotAuthorized")


# -- the API: rules --------------------------------------------------------------------------------


@pytest.fixture
def web(project):
    return security_groups.create_group(project, name="web")


def post_rule(client, group, **spec):
    body = {"security_group_rule": {"security_group_id": str(group.id), "direction": "ingress", **spec}}
    return client.post(f"{API}/security-group-rules", body, format="json")


def test_create_show_and_delete_a_rule(member_client, project, web):
    response = post_rule(member_client, web, protocol="TCP", port_range_min="80", port_range_max=80,
                         remote_ip_prefix="192.168.1.10", description="http")  # fmt: skip
    assert response.status_code == 201, response.content
    rule = response.json()["security_group_rule"]
    expected = {"security_group_id": str(web.id), "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
                "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "192.168.1.10/32",
                "remote_group_id": None, "remote_address_group_id": None, "description": "http",
                "project_id": project.id, "tenant_id": project.id, "belongs_to_default_sg": False}  # fmt: skip
    assert {key: rule[key] for key in expected} == expected
    path = f"{API}/security-group-rules/{rule['id']}"
    assert member_client.get(path).json()["security_group_rule"] == rule
    group = member_client.get(f"{API}/security-groups/{web.id}").json()["security_group"]
    assert rule in group["security_group_rules"] and group["revision_number"] == 2
    assert member_client.delete(path).status_code == 204
    assert error(member_client.get(path))[:2] == (404, "SecurityGroupRuleNotFound")
    assert SecurityGroup.objects.get(pk=web.pk).revision_number == 3


def test_rules_with_a_remote_group_and_icmp(member_client, project, web):
    default = security_groups.default_group(project)
    rule = post_rule(member_client, web, remote_group_id=str(default.id), protocol="icmp", port_range_min=8)
    assert rule.status_code == 201, rule.content
    body = rule.json()["security_group_rule"]
    assert (body["remote_group_id"], body["protocol"], body["port_range_min"], body["port_range_max"]) == (
        str(default.id),
        "icmp",
        8,
        None,
    )
    legacy = post_rule(member_client, web, ethertype="ipv6", protocol="icmpv6").json()["security_group_rule"]
    assert (legacy["ethertype"], legacy["protocol"]) == ("IPv6", "ipv6-icmp")
    whole = post_rule(member_client, web, protocol="udp", port_range_min=1, port_range_max=65535)
    assert (
        whole.json()["security_group_rule"]["port_range_min"],
        whole.json()["security_group_rule"]["port_range_max"],
    ) == (None, None)
    anything = post_rule(member_client, web, protocol="any").json()["security_group_rule"]
    assert anything["protocol"] is None


def test_a_duplicate_rule_is_409(member_client, web):
    first = post_rule(member_client, web, protocol="tcp", port_range_min=22, port_range_max=22)
    rule_id = first.json()["security_group_rule"]["id"]
    for same in ({"protocol": "tcp"}, {"protocol": "6"}, {"protocol": 6, "remote_ip_prefix": "0.0.0.0/0"}):
        response = post_rule(member_client, web, port_range_min=22, port_range_max=22, **same)
        assert error(response) == (
            409,
            "SecurityGroupRuleExists",
            f"Security group rule already exists. Rule id is {rule_id}.",
        )
    egress = web.rules.get(ethertype="IPv4", direction="egress")
    response = member_client.post(f"{API}/security-group-rules", {"security_group_rule": {
        "security_group_id": str(web.id), "direction": "egress"}}, format="json")  # fmt: skip
    assert error(response)[2] == f"Security group rule already exists. Rule id is {egress.id}."
    assert web.rules.count() == 3


@pytest.mark.parametrize(
    ("spec", "kind", "message"),
    [
        ({"protocol": "bogus"}, "SecurityGroupRuleInvalidProtocol",
         "Security group rule protocol bogus not supported."),
        ({"protocol": 256}, "SecurityGroupRuleInvalidProtocol", "Security group rule protocol 256 not supported."),
        ({"ethertype": "IPv5"}, "SecurityGroupRuleInvalidEtherType",
         "Security group rule for ethertype 'IPv5' not supported. Allowed values are ['IPv4', 'IPv6']."),
        ({"ethertype": None}, "SecurityGroupRuleInvalidEtherType", "Security group rule for ethertype 'None'"),
        ({"protocol": "tcp", "port_range_min": 70000}, "SecurityGroupInvalidPortValue", "Invalid value for port 70000"),
        ({"protocol": "tcp", "port_range_min": "eighty"}, "SecurityGroupInvalidPortValue",
         "Invalid value for port eighty"),
        ({"port_range_min": 22, "port_range_max": 22}, "SecurityGroupProtocolRequiredWithPorts",
         "Must also specify protocol if port range is given."),
        ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 22}, "SecurityGroupInvalidPortValue",
         "Invalid value for port 0"),
        ({"protocol": "tcp", "port_range_min": 90, "port_range_max": 80}, "SecurityGroupInvalidPortRange",
         "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
        ({"protocol": "tcp", "port_range_min": 80}, "SecurityGroupInvalidPortRange", "For TCP/UDP"),
        ({"protocol": "icmp", "port_range_min": 300}, "SecurityGroupInvalidIcmpValue",
         "Invalid value for ICMP type (port_range_min) 300. It must be 0 to 255."),
        ({"protocol": "icmp", "port_range_max": 0}, "SecurityGroupMissingIcmpType",
         "ICMP code (port-range-max) 0 is provided but ICMP type (port-range-min) is missing."),
        ({"protocol": "gre", "port_range_min": 1, "port_range_max": 2}, "SecurityGroupInvalidProtocolForPort",
         "Ports cannot be specified for protocol 47. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE."),
        ({"remote_ip_prefix": "10.0.0.0/33"}, "InvalidCIDR", "Invalid CIDR 10.0.0.0/33 given as IP prefix."),
        ({"remote_ip_prefix": "2001:db8::/64"}, "SecurityGroupRuleParameterConflict",
         "Conflicting value ethertype IPv4 for CIDR 2001:db8::/64"),
        ({"protocol": "ipv6-icmp"}, "SecurityGroupEthertypeConflictWithProtocol",
         "Invalid ethertype IPv4 for protocol ipv6-icmp."),
        ({"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "85cc3048-abc3-43cc-89b3-377341426ac5"},
         "SecurityGroupMultipleRemoteEntites",
         "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided."),
    ],
)  # fmt: skip
def test_bad_rules_are_neutrons_400s(member_client, web, spec, kind, message):
    status, got_kind, got_message = error(post_rule(member_client, web, **spec))
    assert (status, got_kind) == (400, kind)
    assert got_message.startswith(message)
    assert web.rules.count() == 2


def test_unknown_groups_in_a_rule_are_404(member_client, web):
    unknown = str(uuid.uuid4())
    response = post_rule(member_client, web, remote_group_id=unknown)
    assert error(response) == (404, "SecurityGroupNotFound", f"Security group {unknown} does not exist")
    body = {"security_group_rule": {"security_group_id": "nope", "direction": "egress"}}
    assert error(member_client.post(f"{API}/security-group-rules", body, format="json"))[:2] == (
        404,
        "SecurityGroupNotFound",
    )


def test_rule_filters(member_client, project, web):
    post_rule(member_client, web, protocol="tcp", port_range_min=22, port_range_max=22)
    rules = member_client.get(f"{API}/security-group-rules?security_group_id={web.id}").json()["security_group_rules"]
    assert len(rules) == 3
    found = member_client.get(f"{API}/security-group-rules?direction=ingress&protocol=tcp").json()
    assert [r["port_range_min"] for r in found["security_group_rules"]] == [22]
    default = security_groups.default_group(project)
    remote = member_client.get(f"{API}/security-group-rules?remote_group_id={default.id}").json()
    assert len(remote["security_group_rules"]) == 2
    trimmed = member_client.get(f"{API}/security-group-rules?fields=id").json()["security_group_rules"]
    assert all(set(r) == {"id"} for r in trimmed) and len(trimmed) == 7


# -- quotas ----------------------------------------------------------------------------------------


def test_groups_and_rules_are_counted_and_enforced(member_client, project, monkeypatch):
    monkeypatch.setitem(quotas.LIMITS, "security_group", 2)
    assert (
        member_client.post(f"{API}/security-groups", {"security_group": {"name": "a"}}, format="json").status_code
        == 201
    )
    response = member_client.post(f"{API}/security-groups", {"security_group": {"name": "b"}}, format="json")
    assert error(response) == (409, "OverQuota", "Quota exceeded for resources: ['security_group'].")
    detail = member_client.get(f"{API}/quotas/{project.id}/details").json()["quota"]
    assert (detail["security_group"]["used"], detail["security_group_rule"]["used"]) == (2, 6)

    monkeypatch.setitem(quotas.LIMITS, "security_group_rule", 7)
    group = SecurityGroup.objects.get(name="a")
    assert post_rule(member_client, group, protocol="tcp").status_code == 201
    response = post_rule(member_client, group, protocol="udp")
    assert error(response) == (409, "OverQuota", "Quota exceeded for resources: ['security_group_rule'].")
    monkeypatch.setitem(quotas.LIMITS, "security_group", 10)
    response = member_client.post(f"{API}/security-groups", {"security_group": {"name": "c"}}, format="json")
    assert error(response)[2] == "Quota exceeded for resources: ['security_group_rule']."


# -- ports show their groups -----------------------------------------------------------------------


def test_a_port_created_through_the_api_gets_the_default_group(member_client, project, network):
    spec = {"port": {"network_id": str(network.id)}}
    port = member_client.post(f"{API}/ports", spec, format="json").json()["port"]
    default = SecurityGroup.objects.get(project=project, is_default=True)
    assert port["security_groups"] == [str(default.id)]
    assert member_client.get(f"{API}/ports/{port['id']}").json()["port"]["security_groups"] == [str(default.id)]
    listed = member_client.get(f"{API}/ports?security_groups={default.id}").json()["ports"]
    assert [p["id"] for p in listed] == [port["id"]]


def test_a_ports_groups_are_chosen_and_replaced(member_client, project, network, web):
    spec = {"port": {"network_id": str(network.id), "security_groups": [str(web.id)]}}
    port = member_client.post(f"{API}/ports", spec, format="json").json()["port"]
    assert port["security_groups"] == [str(web.id)]
    path = f"{API}/ports/{port['id']}"
    default = security_groups.default_group(project)
    both = {"port": {"security_groups": [str(default.id), str(web.id)]}}
    assert sorted(member_client.put(path, both, format="json").json()["port"]["security_groups"]) == sorted(
        [str(default.id), str(web.id)]
    )
    assert error(member_client.delete(f"{API}/security-groups/{web.id}"))[:2] == (409, "SecurityGroupInUse")
    assert (
        member_client.put(path, {"port": {"security_groups": None}}, format="json").json()["port"]["security_groups"]
        == []
    )
    assert member_client.delete(f"{API}/security-groups/{web.id}").status_code == 204


def test_a_port_names_only_its_projects_groups(member_client, project, network):
    theirs = security_groups.create_group(make_project(), name="theirs")
    unknown = str(uuid.uuid4())
    spec = {"port": {"network_id": str(network.id), "security_groups": [str(theirs.id), unknown]}}
    response = member_client.post(f"{API}/ports", spec, format="json")
    assert error(response) == (404, "SecurityGroupNotFound", f"Security group {theirs.id}, {unknown} does not exist")
    assert not Port.objects.exists()


def test_a_port_does_not_mix_stateful_and_stateless_groups(member_client, project, network):
    fast = security_groups.create_group(project, name="fast", stateful=False)
    port = member_client.post(f"{API}/ports", {"port": {"network_id": str(network.id)}}, format="json").json()["port"]
    both = {"port": {"security_groups": [port["security_groups"][0], str(fast.id)]}}
    response = member_client.put(f"{API}/ports/{port['id']}", both, format="json")
    assert error(response) == (
        409,
        "SecurityGroupConflict",
        "Error Cannot apply both stateful and stateless security groups on the same port at the same time while "
        "attempting the operation.",
    )


def test_ports_the_compute_side_binds_show_their_groups(member_client, project, network):
    device = device_with_ports(project, network)
    security_groups.attach_on_create(Port.objects.get(device_id=device))
    (port,) = member_client.get(f"{API}/ports?device_id={device}").json()["ports"]
    assert port["security_groups"] == [str(security_groups.default_group(project).id)]
