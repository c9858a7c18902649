"""Limits, quota sets and quota classes from microversion 2.48 on, as Nova serves them: 2.57 drops the
injected files (maxPersonality, maxPersonalitySize and the injected_file* quotas), 2.75 refuses unknown
query parameters of /limits and the quota sets, 2.102 those of the quota classes (the quota set
defaults take any, as Nova's controller never applies its strict schema)."""

import pytest

from apps.compute.models import QuotaClass, QuotaLimit
from tests.fixtures.factories import client_for

pytestmark = pytest.mark.django_db

INJECTED = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}


def at(user, version: str):
    return client_for(user, f"compute {version}")


def message(response) -> str:
    assert response.status_code == 400, response.content
    return response.json()["badRequest"]["message"]


def shown(user, version: str, path: str) -> set:
    """The keys of the one object a quota read answers with."""
    return set(next(iter(at(user, version).get(path).json().values())))


def test_limits_drop_the_personality_limits_at_2_57(member):
    absolute = at(member, "2.56").get("/v2.1/limits").json()["limits"]["absolute"]
    assert (absolute["maxPersonality"], absolute["maxPersonalitySize"]) == (5, 10240)
    absolute = at(member, "2.57").get("/v2.1/limits").json()["limits"]["absolute"]
    assert not {"maxPersonality", "maxPersonalitySize"} & set(absolute)
    assert absolute["maxTotalInstances"] == 10 and "maxServerGroupMembers" in absolute


def test_quota_sets_and_classes_drop_the_injected_files_at_2_57(admin_user, member):
    project = member.default_project_id
    for path in (f"/v2.1/os-quota-sets/{project}", f"/v2.1/os-quota-sets/{project}/detail",
                 f"/v2.1/os-quota-sets/{project}/defaults", "/v2.1/os-quota-class-sets/default"):  # fmt: skip
        assert shown(admin_user, "2.56", path) >= INJECTED, path
        assert not shown(admin_user, "2.57", path) & INJECTED, path
    body = {"quota_set": {"injected_files": 3}}
    url = f"/v2.1/os-quota-sets/{project}"
    assert "'injected_files' was unexpected" in message(at(admin_user, "2.57").put(url, body, format="json"))
    assert not QuotaLimit.objects.filter(resource="injected_files").exists()
    body = {"quota_class_set": {"injected_files": 3}}
    url = "/v2.1/os-quota-class-sets/gold"
    assert "'injected_files' was unexpected" in message(at(admin_user, "2.57").put(url, body, format="json"))
    assert not QuotaClass.objects.exists()


def test_limits_and_quota_sets_refuse_unknown_parameters_from_2_75(admin_user, member):
    project = member.default_project_id
    reads = ["/v2.1/limits", f"/v2.1/os-quota-sets/{project}", f"/v2.1/os-quota-sets/{project}/detail"]
    for path in reads:
        assert at(admin_user, "2.74").get(f"{path}?colour=red").status_code == 200, path
        assert "'colour' was unexpected" in message(at(admin_user, "2.75").get(f"{path}?colour=red")), path
    assert at(admin_user, "2.75").get(f"/v2.1/limits?tenant_id={project}").status_code == 200
    assert at(admin_user, "2.75").get(f"/v2.1/os-quota-sets/{project}?user_id={member.pk}").status_code == 200
    url = f"/v2.1/os-quota-sets/{project}"
    body = {"quota_set": {"instances": 7}}
    assert "'colour' was unexpected" in message(at(admin_user, "2.75").put(f"{url}?colour=red", body, format="json"))
    assert "'colour' was unexpected" in message(at(admin_user, "2.75").delete(f"{url}?colour=red"))
    assert not QuotaLimit.objects.exists()
    assert at(admin_user, "2.74").put(f"{url}?colour=red", body, format="json").status_code == 200
    assert at(admin_user, "2.75").delete(f"{url}?user_id={member.pk}").status_code == 202


def test_the_defaults_take_any_parameter_and_quota_classes_none_from_2_102(admin_user, member):
    defaults = f"/v2.1/os-quota-sets/{member.default_project_id}/defaults?colour=red"
    assert at(admin_user, "2.104").get(defaults).status_code == 200
    quota_class = "/v2.1/os-quota-class-sets/default?colour=red"
    assert at(admin_user, "2.101").get(quota_class).status_code == 200
    assert "'colour' was unexpected" in message(at(admin_user, "2.102").get(quota_class))
