"""Tempest's own choice of response schema, asked of Tempest itself.

Tempest's compute service clients (``tempest.lib.services.compute``) pick, for each call and each
microversion, the response schema a cloud must satisfy (``tempest.lib.api_schema.response``).
``schema_for`` runs the client call against a stand-in transport that answers every request and
records the schema the client would check; ``check`` then validates a real response with
Tempest's own ``RestClient.validate_response`` (status code, body, headers).
"""

import functools
import importlib
import json
import threading

from tempest.lib.common import rest_client
from tempest.lib.services import compute as clients
from tempest.lib.services.compute import base_compute_client

BASE_URL = "http://oracle.invalid/compute/v2.1"
_lock = threading.Lock()


class _Captured(Exception):
    def __init__(self, schema):
        super().__init__("schema captured")
        self.schema = schema


class _Auth:
    """The least of an auth provider a client needs to build a request."""

    def auth_request(self, method, url, headers=None, body=None, filters=None):
        return f"{BASE_URL}/{url}", headers, body

    def base_url(self, filters, auth_data=None):
        return BASE_URL

    def get_token(self):
        return "oracle"


class _Response(dict):
    def __init__(self, version: str):
        super().__init__({"status": "200", "content-type": "application/json", "x-openstack-nova-api-version": version,
                          "openstack-api-version": f"compute {version}"})  # fmt: skip
        self.status = 200


class _Body(str):
    """An empty JSON object that the clients' "is there a body" checks see as nothing."""

    def __bool__(self):
        return False


def _answer(self, url, method, headers=None, body=None, chunked=False, log_req_body=None):
    return _Response(base_compute_client.COMPUTE_MICROVERSION), _Body("{}")


def _capture(cls, schema, resp, body):
    raise _Captured(schema)


@functools.cache
def _client(name: str, **options):
    client = getattr(clients, name)(_Auth(), "compute", "oracle", **options)
    # Instance attributes: only these stand-in clients answer nothing and capture their schema.
    client.raw_request = _answer.__get__(client)
    client.validate_response = _capture.__get__(type(client))
    return client


_schemas: dict[tuple[str, str], dict | None] = {}


def _ask(call: "Call", version: str) -> dict | None:
    saved = base_compute_client.COMPUTE_MICROVERSION
    base_compute_client.COMPUTE_MICROVERSION = version
    try:
        getattr(_client(call.client, **call.options), call.method)(*call.args, **call.kwargs)
    except _Captured as captured:
        return captured.schema
    except Exception:  # noqa: BLE001 - a call Tempest does not make at this version
        return None
    finally:
        base_compute_client.COMPUTE_MICROVERSION = saved
    return None


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def schema_for(call, version: str) -> dict | None:
    """The schema Tempest checks ``call``'s response against at ``version``; None if Tempest has
    none there (the call does not exist at that microversion, or Tempest does not check it)."""
    if isinstance(call, Pinned):
        return call.schema(version)
    if call.until and _minor(version) > _minor(call.until):
        version = call.until  # Tempest's later modules forgot this call; its schema did not change
    key = (repr((call.client, call.method, call.args, sorted(call.kwargs.items()), sorted(call.options.items()))),
           version)  # fmt: skip
    with _lock:
        if key not in _schemas:
            _schemas[key] = _ask(call, version)
        return _schemas[key]


class Pinned:
    """Tempest's own schemas, chosen by microversion here where a Tempest client chooses wrongly:
    ``Pinned(("2.1", "v2_1.servers:evacuate_server_with_admin_pass"), ("2.14", "v2_1.servers:evacuate_server"))``
    (each from its version until the next)."""

    def __init__(self, *ranges: tuple[str, str]):
        self.ranges = ranges
        self.client, self.method = "pinned", ranges[0][1]

    def schema(self, version: str) -> dict | None:
        minor = int(version.split(".")[1])
        chosen = None
        for since, name in self.ranges:
            if minor >= int(since.split(".")[1]):
                chosen = name
        module, _, attr = chosen.partition(":")
        return getattr(importlib.import_module(f"tempest.lib.api_schema.response.compute.{module}"), attr)

    def __repr__(self):
        return f"Pinned{self.ranges}"


class Call:
    """A Tempest client call: ``Call("ServersClient", "show_server", "{id}")``, with keyword
    arguments and client options (``options={"enable_instance_password": False}``)."""

    def __init__(self, client: str, method: str, *args, options: dict | None = None, until: str = "", **kwargs):
        """``until``: the last microversion whose Tempest module still defines the schema (Tempest's
        2.99 and 2.100 server modules leave out the tag calls); later versions are checked against it."""
        self.client, self.method, self.args, self.kwargs = client, method, args, kwargs
        self.options = options or {}
        self.until = until

    def __repr__(self):
        return f"{self.client}.{self.method}"


def check(schema: dict, status: int, headers: dict, content: bytes) -> None:
    """Tempest's own validation of a response; raises ``AssertionError`` with what it found."""
    response = {key.lower(): value for key, value in headers.items()}
    response["status"] = str(status)
    response = _Headers(response, status)
    body = json.loads(content) if content else ""
    try:
        rest_client.RestClient.validate_response(schema, response, body)
    except Exception as exc:  # noqa: BLE001 - tempest raises its own exception classes
        raise AssertionError(f"{type(exc).__name__}: {_details(schema, response, body) or exc}") from None


def _details(schema: dict, headers: dict, body) -> str:
    """What jsonschema itself says is wrong (Tempest's exception message hides it)."""
    found = []
    for part, value in (("response_body", body), ("response_header", headers)):
        if schema.get(part):
            validator = rest_client.JSONSCHEMA_VALIDATOR(schema[part], format_checker=rest_client.FORMAT_CHECKER)
            for error in validator.iter_errors(value):
                where = "/".join(str(p) for p in error.absolute_path)
                found.append(f"{part} {where or '(root)'}: {error.message[:300]}")
    return "; ".join(found[:5])


class _Headers(dict):
    def __init__(self, headers: dict, status: int):
        super().__init__(headers)
        self.status = status
