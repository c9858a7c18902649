import base64

import pytest

pytestmark = pytest.mark.django_db


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_a_wrong_password_fails_even_right_after_the_right_one(client, member):
    assert client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "secret")).status_code == 200
    assert client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "wrong")).status_code == 401


def test_a_changed_password_or_disabled_user_is_noticed_at_once(client, member):
    assert client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "secret")).status_code == 200
    member.set_password("new")
    member.save()
    assert client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "secret")).status_code == 401
    assert client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "new")).status_code == 200
    member.is_active = False
    member.save()
    assert client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "new")).status_code == 401


def test_basic_auth_can_be_switched_off(client, member, settings):
    settings.ALLOW_BASIC_AUTH = False
    response = client.get("/v2.1/servers", HTTP_AUTHORIZATION=basic(member.username, "secret"))
    assert response.status_code in (401, 403)
