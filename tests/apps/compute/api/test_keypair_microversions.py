"""Key pairs from microversion 2.48 on, as Nova serves them: strict query strings from 2.75, and at
2.92 no more generated keys (the public key is required) and names that may hold '@' and '.'."""

import pytest

from apps.compute import keypairs
from apps.compute.models import KeyPair
from tests.fixtures.factories import client_for

pytestmark = pytest.mark.django_db

URL = "/v2.1/os-keypairs"
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdOFIEGQgD+PeQB3ziu7htgZQfCnwlJ8KfxZjf+CJ2t me@laptop"


def at(user, version: str):
    return client_for(user, f"compute {version}")


def create(client, **keypair):
    return client.post(URL, {"keypair": keypair}, format="json")


def message(response) -> str:
    assert response.status_code == 400, response.content
    return response.json()["badRequest"]["message"]


def test_a_key_is_generated_until_2_91_and_required_from_2_92(member):
    generated = create(at(member, "2.91"), name="old")
    assert generated.status_code == 201 and "private_key" in generated.json()["keypair"]
    assert "'public_key' is a required property" in message(create(at(member, "2.92"), name="new"))
    assert not KeyPair.objects.filter(name="new").exists()
    imported = create(at(member, "2.92"), name="new", public_key=ED25519)
    assert imported.status_code == 201, imported.content
    body = imported.json()["keypair"]
    assert "private_key" not in body and body["public_key"] == ED25519 and body["type"] == "ssh"


def test_names_may_hold_at_signs_and_dots_from_2_92(member):
    assert message(create(at(member, "2.91"), name="me@laptop.home", public_key=ED25519)).startswith(
        "Keypair data is invalid: Keypair name contains unsafe characters"
    )
    response = create(at(member, "2.92"), name="me@laptop.home", public_key=ED25519)
    assert response.status_code == 201, response.content
    assert at(member, "2.92").get(f"{URL}/me@laptop.home").json()["keypair"]["name"] == "me@laptop.home"


@pytest.mark.parametrize("name", ["a/b", "clé", " pad", "pad ", "tab\there", "x" * 256, ""])
def test_other_names_are_still_refused_at_2_92(member, name):
    assert message(create(at(member, "2.92"), name=name, public_key=ED25519)).startswith(
        "Invalid input for field/attribute name. Value: "
    )
    assert not KeyPair.objects.exists()


def test_x509_certificates_are_still_imported_at_2_92(member):
    certificate, _ = keypairs.generate(keypairs.X509, common_name="me")
    response = create(at(member, "2.92"), name="cert", type="x509", public_key=certificate)
    assert response.status_code == 201, response.content
    assert response.json()["keypair"]["type"] == "x509"


def test_unknown_query_parameters_are_ignored_until_2_74_and_refused_from_2_75(member):
    create(at(member, "2.74"), name="k", public_key=ED25519)
    for method, path in (("get", URL), ("get", f"{URL}/k"), ("delete", f"{URL}/nope")):
        response = getattr(at(member, "2.74"), method)(f"{path}?colour=red")
        assert response.status_code in (200, 404), (method, path, response.content)
        assert "'colour' was unexpected" in message(getattr(at(member, "2.75"), method)(f"{path}?colour=red"))
    assert at(member, "2.75").get(f"{URL}?limit=1&marker=k&user_id={member.pk}").status_code == 200
    assert at(member, "2.75").get(f"{URL}/k?user_id={member.pk}").status_code == 200
    assert at(member, "2.75").delete(f"{URL}/k?user_id={member.pk}").status_code == 204
