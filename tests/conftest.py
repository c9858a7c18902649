"""Root test configuration: fixtures live in tests/fixtures and are registered here."""

import pytest

pytest_plugins = [
    "tests.fixtures.factories",
    "tests.fixtures.queues",
    "tests.fixtures.casts",
    "tests.fixtures.libvirtd",
    "tests.fixtures.clouds",
    "tests.fixtures.compute",
    "tests.fixtures.oracle",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Basic auth checks a password on every request; PBKDF2's cost is not what these tests are about.
    The API tests log in with Basic, which a deployment allows only with ``ALLOW_BASIC_AUTH``."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOW_BASIC_AUTH = True


@pytest.fixture(autouse=True)
def _fresh_scheduler_view():
    """Each test's database starts empty; the scheduler's cached host view must too."""
    from workers.scheduler.host_state import forget_cache

    forget_cache()
    yield
    forget_cache()
