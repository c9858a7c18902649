"""``/v2.1/os-keypairs``: generate, import, list, show and delete, per user."""

import datetime
import re
import sys
import types

import pytest
from cryptography.hazmat.primitives import serialization

from apps.common.exceptions import Forbidden
from apps.compute.models import KeyPair
from tests.fixtures.factories import client_for, make_user

pytestmark = pytest.mark.django_db

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA51IPWDMC0kewZChl9RsxBZCoG231u5QGBh5fDn8xfU me@host"
URL = "/v2.1/os-keypairs"
LATEST = "compute 2.35"  # type (2.2), user_id (2.10), limit and marker (2.35)


@pytest.fixture
def member_client(member):
    """The member's client, at the microversion with every key pair feature this file tests."""
    return client_for(member, LATEST)


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user, LATEST)


def create(client, name="k1", **fields):
    return client.post(URL, {"keypair": {"name": name, **fields}}, format="json")


def test_generate_returns_the_private_key_once(member_client, member):
    response = create(member_client)

    assert response.status_code == 201
    created = response.json()["keypair"]
    assert set(created) == {"name", "public_key", "fingerprint", "user_id", "private_key", "type"}
    assert (created["name"], created["user_id"], created["type"]) == ("k1", member.pk, "ssh")
    private = created["private_key"]
    assert private.startswith("-----BEGIN RSA PRIVATE KEY-----")
    key = serialization.load_pem_private_key(private.encode(), password=None)
    derived = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert created["public_key"].startswith(derived.decode())
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", created["fingerprint"])

    shown = member_client.get(f"{URL}/k1").json()["keypair"]
    listed = member_client.get(URL).json()["keypairs"]
    assert "private_key" not in shown and "private_key" not in listed[0]["keypair"]
    assert shown["public_key"] == created["public_key"] and shown["fingerprint"] == created["fingerprint"]
    row = KeyPair.objects.values().get(name="k1")
    body = "".join(private.splitlines()[1:-1])
    assert not any(isinstance(v, str) and (body[:64] in v or "PRIVATE" in v) for v in row.values())


def test_import_list_show_delete(member_client, member):
    response = create(member_client, "mine", public_key=ED25519)

    assert response.status_code == 201
    imported = response.json()["keypair"]
    assert "private_key" not in imported
    assert imported["public_key"] == ED25519 and imported["type"] == "ssh"
    create(member_client, "another")
    listed = member_client.get(URL).json()["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["another", "mine"]
    assert set(listed[1]["keypair"]) == {"name", "public_key", "fingerprint", "type"}

    shown = member_client.get(f"{URL}/mine").json()["keypair"]
    assert shown["user_id"] == member.pk and shown["id"] == KeyPair.objects.get(name="mine").pk
    assert (shown["deleted"], shown["deleted_at"], shown["updated_at"]) == (False, None, None)
    assert (
        abs(
            datetime.datetime.fromisoformat(shown["created_at"])
            - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        ).total_seconds()
        < 60
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", shown["created_at"])

    deleted = member_client.delete(f"{URL}/mine")
    assert deleted.status_code == 204 and not deleted.content
    missing = member_client.get(f"{URL}/mine")
    assert missing.status_code == 404
    assert missing.json() == {"itemNotFound": {"code": 404, "message": f"Keypair mine not found for user {member.pk}"}}
    assert member_client.delete(f"{URL}/mine").status_code == 404


def test_x509_import_and_generate(member_client):
    generated = create(member_client, "cert", type="x509").json()["keypair"]
    assert generated["type"] == "x509" and generated["public_key"].startswith("-----BEGIN CERTIFICATE-----")
    assert len(generated["fingerprint"].split(":")) == 20 and "private_key" in generated
    imported = create(member_client, "cert2", type="x509", public_key=generated["public_key"]).json()["keypair"]
    assert imported["fingerprint"] == generated["fingerprint"]
    assert create(member_client, "cert3", type="x509", public_key=ED25519).status_code == 400


def test_duplicate_name_is_a_conflict(member_client):
    assert create(member_client, "dup").status_code == 201
    response = create(member_client, "dup", public_key=ED25519)
    assert response.status_code == 409
    assert response.json() == {"conflictingRequest": {"code": 409, "message": "Key pair 'dup' already exists."}}
    assert KeyPair.objects.count() == 1


def test_invalid_key_is_a_nova_400_that_does_not_echo_the_key(member_client):
    secret = ED25519.split()[1][:-8] + "Q"
    response = create(member_client, public_key=f"ssh-ed25519 {secret}")

    assert response.status_code == 400
    message = response.json()["badRequest"]["message"]
    assert message.startswith("Keypair data is invalid: ") and response.json()["badRequest"]["code"] == 400
    assert secret[10:40] not in message
    assert create(member_client, public_key="ssh-foo AAAA").status_code == 400
    assert create(member_client, public_key=12).status_code == 400
    assert KeyPair.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"keypair": {"name": "k", "colour": "red"}}, "Invalid input for field/attribute keypair. Value: "),
        ({"keypair": {"public_key": ED25519}}, "Invalid input for field/attribute keypair. Value: "),
        ({"keypair": "k"}, "Invalid input for field/attribute keypair. Value: k. 'k' is not of type 'object'"),
        ({"key_pair": {"name": "k"}}, "'keypair' is a required property"),
        ({"keypair": {"name": "k"}, "extra": 1}, "Additional properties are not allowed ('extra' was unexpected)"),
        ({"keypair": {"name": "k", "type": "pgp"}}, "Invalid input for field/attribute type. Value: pgp. "),
    ],
)
def test_malformed_bodies_get_novas_message(member_client, body, message):
    """Nova's wording: a field's problem names it and its value; a problem of the whole body is the
    schema's own message."""
    response = member_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"].startswith(message)


@pytest.mark.parametrize("name", ["a.b", "x/y", "é", " pad", "n" * 49 + "!"])
def test_bad_names(member_client, name):
    response = create(member_client, name, public_key=ED25519)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"].startswith("Keypair data is invalid: Keypair name")


@pytest.mark.parametrize("name", ["A" * 256, ""])
def test_a_name_of_the_wrong_length_is_refused_by_the_schema(member_client, name):
    response = create(member_client, name, public_key=ED25519)
    assert response.status_code == 400
    assert response.json()["badRequest"]["message"].startswith("Invalid input for field/attribute name. Value: ")


def test_long_and_spaced_names_are_fine(member_client):
    for name in ["n" * 50, "A" * 255, "with spaces_and-dashes"]:
        assert create(member_client, name, public_key=ED25519).status_code == 201


def test_another_users_keys_are_invisible_to_a_member(member_client, member):
    other = make_user()
    create(client_for(other, LATEST), "theirs")
    assert member_client.get(f"{URL}/theirs").status_code == 404
    assert member_client.delete(f"{URL}/theirs").status_code == 404
    assert member_client.get(URL).json() == {"keypairs": []}
    assert create(member_client, "theirs").status_code == 201  # names are per user
    assert KeyPair.objects.filter(name="theirs").count() == 2


def test_member_cannot_name_another_user(member_client, member):
    other = make_user()
    for response in (
        member_client.get(f"{URL}?user_id={other.pk}"),
        member_client.get(f"{URL}/k?user_id={other.pk}"),
        member_client.delete(f"{URL}/k?user_id={other.pk}"),
        create(member_client, user_id=other.pk),
    ):
        assert response.status_code == 403 and "forbidden" in response.json()
    assert KeyPair.objects.count() == 0
    assert create(member_client, user_id=member.pk).status_code == 201  # naming oneself is fine


def test_admin_acts_for_another_user(admin_client, member_client, member):
    response = create(admin_client, "ops", user_id=member.pk, public_key=ED25519)
    assert response.status_code == 201 and response.json()["keypair"]["user_id"] == member.pk
    assert [k["keypair"]["name"] for k in member_client.get(URL).json()["keypairs"]] == ["ops"]
    assert admin_client.get(URL).json() == {"keypairs": []}
    listed = admin_client.get(f"{URL}?user_id={member.pk}").json()["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["ops"]
    assert admin_client.get(f"{URL}/ops?user_id={member.pk}").json()["keypair"]["user_id"] == member.pk
    assert admin_client.get(f"{URL}/ops").status_code == 404
    assert admin_client.delete(f"{URL}/ops?user_id={member.pk}").status_code == 204
    assert create(admin_client, user_id="no-such-user").status_code == 400


def test_limit_and_marker(member_client):
    for name in ["c", "a", "b", "d"]:
        create(member_client, name, public_key=ED25519)

    def names(query):
        return [k["keypair"]["name"] for k in member_client.get(f"{URL}?{query}").json()["keypairs"]]

    assert names("limit=2") == ["a", "b"]
    assert names("limit=2&marker=b") == ["c", "d"]
    assert names("marker=d") == []
    assert member_client.get(f"{URL}?marker=zzz").status_code == 400
    assert member_client.get(f"{URL}?limit=-1").status_code == 400


def test_quota_hook_is_called_inside_the_transaction(member_client, member, monkeypatch):
    calls = []

    def check_key_pairs(user):
        calls.append(user.pk)
        if len(calls) > 1:
            raise Forbidden("Quota exceeded, too many key pairs.")

    monkeypatch.setitem(sys.modules, "apps.compute.quotas", types.SimpleNamespace(check_key_pairs=check_key_pairs))
    assert create(member_client, "one").status_code == 201
    assert create(member_client, "two").status_code == 403
    assert calls == [member.pk, member.pk] and KeyPair.objects.count() == 1


def test_at_2_1_there_is_no_type_user_id_or_paging_and_the_old_statuses(member):
    client = client_for(member)  # no microversion: 2.1
    created = create(client, "old", public_key=ED25519)
    assert created.status_code == 200 and "type" not in created.json()["keypair"]
    assert "type" not in client.get(URL).json()["keypairs"][0]["keypair"]
    assert "type" not in client.get(f"{URL}/old").json()["keypair"]
    assert create(client, "typed", type="ssh").status_code == 400  # type arrived with 2.2
    assert create(client, "mine", user_id=member.pk).status_code == 400  # user_id with 2.10
    assert len(client.get(f"{URL}?limit=0").json()["keypairs"]) == 1  # limit (2.35) is ignored
    assert client.delete(f"{URL}/old").status_code == 202
