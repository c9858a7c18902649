"""Flavors from microversion 2.48 on, as Nova serves them: the description (2.55, with PUT to change
it), extra specs in the flavor (2.61), swap 0 (2.75), strict query strings (2.75, and 2.102 for the
rest), 2.86's extra spec validation, and 2.102's name filter and the end of rxtx_factor and
OS-FLV-DISABLED:disabled; the OpenAPI document describes each version's bodies."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.compute.models import Flavor
from apps.identity import policy
from apps.identity.models import RoleName
from tests.cloudcore.test_openapi import documented
from tests.fixtures.factories import client_for, make_flavor, make_user

pytestmark = pytest.mark.django_db

CREATE = {"name": "f.new", "ram": 64, "vcpus": 1, "disk": 1}


@pytest.fixture
def specced(flavor):
    Flavor.objects.filter(pk=flavor.pk).update(extra_specs={"hw:cpu_policy": "dedicated"}, description="Tiny")
    return flavor


def at(user, version: str):
    return client_for(user, f"compute {version}")


def message(response, status: int = 400) -> str:
    assert response.status_code == status, response.content
    return next(iter(response.json().values()))["message"]


def shown(user, version: str, flavorid: str = "1") -> dict:
    response = at(user, version).get(f"/v2.1/flavors/{flavorid}")
    assert response.status_code == 200, response.content
    return response.json()["flavor"]


# -- 2.55: description ----------------------------------------------------------------------------


def test_the_description_appears_at_2_55_in_every_flavor_body(admin_user, member, specced):
    assert "description" not in shown(member, "2.54")
    assert shown(member, "2.55")["description"] == "Tiny"
    member_at_2_55 = at(member, "2.55")
    assert member_at_2_55.get("/v2.1/flavors").json()["flavors"][0]["description"] == "Tiny"
    assert member_at_2_55.get("/v2.1/flavors/detail").json()["flavors"][0]["description"] == "Tiny"
    assert "description" not in at(member, "2.54").get("/v2.1/flavors").json()["flavors"][0]
    created = at(admin_user, "2.55").post("/v2.1/flavors", {"flavor": {**CREATE, "description": "new"}}, format="json")
    assert created.status_code == 200, created.content
    assert created.json()["flavor"]["description"] == "new"
    assert Flavor.objects.get(name="f.new").description == "new"
    plain = at(admin_user, "2.55").post("/v2.1/flavors", {"flavor": {**CREATE, "name": "f.2"}}, format="json")
    assert plain.json()["flavor"]["description"] is None


def test_create_refuses_a_description_before_2_55_and_a_bad_one_after(admin_user):
    body = {"flavor": {**CREATE, "description": "d"}}
    assert "'description' was unexpected" in message(at(admin_user, "2.54").post("/v2.1/flavors", body, format="json"))
    for bad in ("x" * 65536, "two\nlines", "tab\there", "bell\x07"):
        body = {"flavor": {**CREATE, "description": bad}}
        assert "Invalid input for field/attribute description" in message(
            at(admin_user, "2.55").post("/v2.1/flavors", body, format="json")
        )
    fine = {"flavor": {**CREATE, "description": "Ünïcode, spaces\u00a0and symbols ✓ " + "x" * 60000}}
    assert at(admin_user, "2.55").post("/v2.1/flavors", fine, format="json").status_code == 200
    assert Flavor.objects.filter(name="f.new").count() == 1


def test_put_changes_only_the_description_from_2_55(admin_user, specced):
    url = "/v2.1/flavors/1"
    before = at(admin_user, "2.54").put(url, {"flavor": {"description": "x"}}, format="json")
    assert before.json() == {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}
    response = at(admin_user, "2.55").put(url, {"flavor": {"description": "Renamed"}}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()["flavor"]
    assert body["description"] == "Renamed" and body["ram"] == 512 and "extra_specs" not in body
    assert Flavor.objects.get(pk=specced.pk).description == "Renamed"
    cleared = at(admin_user, "2.61").put(url, {"flavor": {"description": None}}, format="json").json()["flavor"]
    assert cleared["description"] is None and cleared["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert Flavor.objects.get(pk=specced.pk).description is None


def test_put_checks_the_body_then_the_policy_then_the_flavor(admin_user, member, specced):
    admin, member_client = at(admin_user, "2.55"), at(member, "2.55")
    url = "/v2.1/flavors/1"
    assert "'description' is a required property" in message(admin.put(url, {"flavor": {}}, format="json"))
    assert "'ram' was unexpected" in message(admin.put(url, {"flavor": {"description": "d", "ram": 1}}, format="json"))
    assert "'description' is a required property" in message(member_client.put(url, {"flavor": {}}, format="json"))
    forbidden = message(member_client.put(url, {"flavor": {"description": "d"}}, format="json"), 403)
    assert forbidden == "Policy doesn't allow os_compute_api:os-flavor-manage:update to be performed."
    assert message(admin.put("/v2.1/flavors/nope", {"flavor": {"description": "d"}}, format="json"), 404) == (
        "Flavor nope could not be found."
    )
    assert Flavor.objects.get(pk=specced.pk).description == "Tiny"


# -- 2.61: extra_specs ----------------------------------------------------------------------------


def test_extra_specs_appear_at_2_61_in_show_detail_create_but_not_the_brief_list(admin_user, member, specced):
    assert "extra_specs" not in shown(member, "2.60")
    assert shown(member, "2.61")["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    reader = make_user(project=member.default_project, role=RoleName.READER)
    assert shown(reader, "2.61")["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert at(member, "2.61").get("/v2.1/flavors/detail").json()["flavors"][0]["extra_specs"] == {
        "hw:cpu_policy": "dedicated"
    }
    assert "extra_specs" not in at(member, "2.61").get("/v2.1/flavors").json()["flavors"][0]
    created = at(admin_user, "2.61").post("/v2.1/flavors", {"flavor": CREATE}, format="json").json()["flavor"]
    assert created["extra_specs"] == {}


def test_extra_specs_follow_the_index_policy(member, specced, monkeypatch):
    monkeypatch.setitem(policy.RULES, "os_compute_api:os-flavor-extra-specs:index", RoleName.ADMIN)
    assert "extra_specs" not in shown(member, "2.61")
    assert "extra_specs" not in at(member, "2.61").get("/v2.1/flavors/detail").json()["flavors"][0]


# -- 2.75: swap and strict list queries -----------------------------------------------------------


def test_swap_is_an_empty_string_until_2_74_and_0_from_2_75(member, flavor):
    assert shown(member, "2.74")["swap"] == ""
    assert shown(member, "2.75")["swap"] == 0
    assert at(member, "2.75").get("/v2.1/flavors/detail").json()["flavors"][0]["swap"] == 0
    Flavor.objects.filter(pk=flavor.pk).update(swap=512)
    assert shown(member, "2.74")["swap"] == 512 and shown(member, "2.75")["swap"] == 512


def test_unknown_list_parameters_are_ignored_until_2_74_and_refused_from_2_75(member, flavor):
    for path in ("/v2.1/flavors", "/v2.1/flavors/detail"):
        assert at(member, "2.74").get(f"{path}?colour=red").status_code == 200
        assert "'colour' was unexpected" in message(at(member, "2.75").get(f"{path}?colour=red"))


# -- 2.102: name filter, no rxtx_factor or disabled, strict reads --------------------------------


def test_rxtx_factor_and_disabled_are_gone_from_2_102(admin_user, member, flavor):
    assert {"rxtx_factor", "OS-FLV-DISABLED:disabled"} <= set(shown(member, "2.101"))
    assert not {"rxtx_factor", "OS-FLV-DISABLED:disabled"} & set(shown(member, "2.102"))
    assert "rxtx_factor" not in at(member, "2.102").get("/v2.1/flavors/detail").json()["flavors"][0]
    body = {"flavor": {**CREATE, "rxtx_factor": 2.0}}
    assert "'rxtx_factor' was unexpected" in message(at(admin_user, "2.102").post("/v2.1/flavors", body, format="json"))
    assert at(admin_user, "2.101").post("/v2.1/flavors", body, format="json").json()["flavor"]["rxtx_factor"] == 2.0
    assert at(member, "2.101").get("/v2.1/flavors?sort_key=rxtx_factor").status_code == 200
    assert "Invalid input for query parameters sort_key" in message(
        at(member, "2.102").get("/v2.1/flavors?sort_key=rxtx_factor")
    )


def test_the_name_filter_is_a_regular_expression_from_2_102(member, flavor):
    make_flavor("2", "m1.small", memory_mb=2048)
    make_flavor("3", "c1.large", memory_mb=4096)

    def names(version, query):
        response = at(member, version).get(f"/v2.1/flavors/detail?{query}")
        assert response.status_code == 200, response.content
        return [f["name"] for f in response.json()["flavors"]]

    assert names("2.102", "name=m1") == ["m1.tiny", "m1.small"]
    assert names("2.102", "name=^c1%5C.") == ["c1.large"]
    assert names("2.102", "name=small|large") == ["m1.small", "c1.large"]
    assert names("2.74", "name=m1") == ["m1.tiny", "m1.small", "c1.large"]  # ignored before 2.75
    assert "'name' was unexpected" in message(at(member, "2.101").get("/v2.1/flavors?name=m1"))
    assert message(at(member, "2.102").get("/v2.1/flavors?name=(")) == "Invalid name filter [(]"


def test_single_flavor_reads_refuse_parameters_from_2_102(admin_user, specced):
    Flavor.objects.filter(pk=specced.pk).update(is_public=False)
    for path in ("/v2.1/flavors/1", "/v2.1/flavors/1/os-extra_specs", "/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
                 "/v2.1/flavors/1/os-flavor-access"):  # fmt: skip
        assert at(admin_user, "2.101").get(f"{path}?x=1").status_code == 200, path
        assert "'x' was unexpected" in message(at(admin_user, "2.102").get(f"{path}?x=1")), path
        assert at(admin_user, "2.102").get(path).status_code == 200, path


# -- 2.86: extra spec validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specs", "wording"),
    [
        ({"hw:cpu_policy": "sometimes"}, "Validation failed; 'sometimes' is not one of: dedicated, shared, mixed."),
        ({"hw:numa_nodes": "0"}, "Validation failed; '0' is less than the min value of '1'."),
        ({"hw:numa_nodes": 1.5}, "Validation failed; '1.5' is not a valid integer value."),
        ({"hw:redirected_usb_ports": 16}, "Validation failed; '16' is greater than the max value of '15'."),
        ({"hw_rng:allowed": "maybe"}, "Validation failed; 'maybe' is not a valid boolean-like value."),
        ({"hw:mem_page_size": "huge"}, "Validation failed; 'huge' is not of the format "),
        ({"hw:cpu_polcy": "dedicated"}, "Validation failed; extra spec 'hw:cpu_polcy' does not appear to be a valid "),
        ({"resources1:VCPUS": "1"}, "extra spec 'resources1:VCPUS' does not appear to be a valid extra spec."),
        ({"trait:CUSTOM_X": "wanted"}, "Validation failed; 'wanted' is not one of: required, forbidden."),
        ({"group_policy": "share"}, "Validation failed; 'share' is not one of: isolate, none."),
    ],
)
def test_known_extra_specs_are_validated_from_2_86(admin_user, flavor, specs, wording):
    url = "/v2.1/flavors/1/os-extra_specs"
    assert wording in message(at(admin_user, "2.86").post(url, {"extra_specs": specs}, format="json"))
    ((key, value),) = specs.items()
    assert wording in message(at(admin_user, "2.86").put(f"{url}/{key}", {key: value}, format="json"))
    assert Flavor.objects.get(pk=flavor.pk).extra_specs == {}
    assert at(admin_user, "2.85").post(url, {"extra_specs": specs}, format="json").status_code == 200


def test_valid_and_unknown_namespace_specs_pass_at_2_86(admin_user, flavor):
    specs = {"hw:cpu_policy": "dedicated", "hw:numa_nodes": 2, "hw:numa_cpus.0": "0-3", "hw_rng:allowed": "True",
             "resources:VCPU": "2", "resources_gpu:CUSTOM_GPU": "1", "trait:HW_CPU_X86_AVX2": "required",
             "aggregate_instance_extra_specs:ssd": "true", "capabilities:cpu_info:arch": "x86_64",
             "pci_passthrough:alias": "a1:2, b2:1", "mine:anything": "goes", "plain": "too"}  # fmt: skip
    response = at(admin_user, "2.86").post("/v2.1/flavors/1/os-extra_specs", {"extra_specs": specs}, format="json")
    assert response.status_code == 200, response.content
    assert Flavor.objects.get(pk=flavor.pk).extra_specs["hw:numa_nodes"] == "2"


def test_a_number_longer_than_255_characters_is_refused_at_every_version(admin_user, flavor):
    body = '{"extra_specs": {"k": ' + "9" * 256 + "}}"
    client = at(admin_user, "2.1")
    response = client.post("/v2.1/flavors/1/os-extra_specs", body, content_type="application/json")
    assert message(response) == "extra_specs value has 256 characters, more than 255."


# -- the OpenAPI document describes every microversion's bodies -----------------------------------


@pytest.fixture(scope="module")
def document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("version", ["2.55", "2.57", "2.61", "2.75", "2.92", "2.102"])
def test_the_openapi_document_describes_these_bodies(document, admin_user, member, specced, version):
    admin, member_client = at(admin_user, version), at(member, version)
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdOFIEGQgD+PeQB3ziu7htgZQfCnwlJ8KfxZjf+CJ2t"
    for client, method, url, data in [
        (member_client, "get", "/v2.1/flavors", None),
        (member_client, "get", "/v2.1/flavors/detail", None),
        (member_client, "get", "/v2.1/flavors/1", None),
        (admin, "post", "/v2.1/flavors", {"flavor": CREATE}),
        (admin, "put", "/v2.1/flavors/1", {"flavor": {"description": "d"}}),
        (member_client, "post", "/v2.1/os-keypairs", {"keypair": {"name": "k", "public_key": key}}),
        (member_client, "get", "/v2.1/limits", None),
        (member_client, "get", f"/v2.1/os-quota-sets/{member.default_project_id}", None),
        (admin, "get", "/v2.1/os-quota-class-sets/default", None),
    ]:
        assert documented(document, client, method, url, data).status_code in (200, 201), (method, url)
