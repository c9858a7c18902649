"""Schemathesis against the OpenAPI schema (/api/schema/), in-process through the WSGI app: every operation
of the four APIs, as the admin (HTTP Basic), must never answer a 5xx, and must answer only the statuses
and bodies the schema documents.

Each operation is its own test, in its own transaction rolled back afterwards, so what one operation does
(deleting the seeded flavor, changing quotas, creating servers) cannot disturb the next. Nothing needs
excluding: the run authenticates with Basic rather than a token, so revoking tokens cannot cut it off, and
users and projects have random 32-hex ids that generated path parameters do not hit (so the admin is never
deleted or disabled). The Authorization and X-Auth-Token headers that schemathesis would generate from
the security schemes are dropped, so every request is the admin's.

Kept short for CI (about a minute): schemathesis's coverage phase (boundary values, wrong types, missing
parameters) plus a few random examples per operation.
"""

import base64
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from cloudcore.wsgi import application
from tests.fixtures.factories import make_flavor, make_image, make_node

BASIC = "Basic " + base64.b64encode(b"admin:secret").decode()  # the ``admin_user`` fixture's
GENERATED_AUTH = {"authorization", "x-auth-token"}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@schemathesis.serializer("application/openstack-images-v2.1-json-patch")
def json_patch(ctx, value):
    """Glance's JSON patch media type (PATCH /image/v2/images/{id}) is JSON."""
    return json.dumps(value).encode()


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def world(db, admin_user, casts):
    """The admin, a flavor, an image and a compute node; Redis flushed (server creates cast the scheduler).
    As Django's test client does, the WSGI handler must not close the test's connection (and so its
    transaction) after every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    make_flavor()
    make_image()
    make_node("node1")
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case):
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in GENERATED_AUTH}
    case.call_and_validate(headers={"Authorization": BASIC}, checks=CHECKS)
