"""Root test configuration: fixtures live in tests/fixtures and are registered here."""

import pytest

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.queues"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Basic auth checks a password on every request; PBKDF2's cost is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
