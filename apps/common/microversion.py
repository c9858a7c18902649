"""Compute API microversions, negotiated as Nova does.

A request asks with ``OpenStack-API-Version: compute 2.X`` (or the older
``X-OpenStack-Nova-API-Version: 2.X``); no header means 2.1 and ``latest`` means the highest this
cloud serves. A malformed version is a 400, one out of range a 406. Every Compute API response
names the version it was answered with, in both headers, and ``Vary`` on them.
"""

import re

from django.http import JsonResponse
from django.utils.cache import patch_vary_headers

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 104)
HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
PREFIX = "/v2.1"
_FORMAT = re.compile(r"^([1-9]\d*)\.(0|[1-9]\d*)$")


class VersionError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def text(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def parse(value: str) -> tuple[int, int]:
    value = value.strip()
    if value.lower() == "latest":
        return MAX_VERSION
    match = _FORMAT.match(value)
    if not match:
        raise VersionError(
            400, f"API Version String {value} is of invalid format. Must be of format MajorNum.MinorNum."
        )
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionError(
            406,
            f"Version {value} is not supported by the API. Minimum is {text(MIN_VERSION)} and maximum is "
            f"{text(MAX_VERSION)}.",
        )
    return version


def requested(headers) -> tuple[int, int]:
    """The version a request asks for (``compute`` in the new header wins over the legacy one)."""
    for item in headers.get(HEADER, "").split(","):
        service, _, value = item.strip().partition(" ")
        if service.lower() == "compute" and value.strip():
            return parse(value)
    legacy = headers.get(LEGACY_HEADER)
    if legacy:
        return parse(legacy)
    return MIN_VERSION


def at_least(request, version: str) -> bool:
    """Whether ``request`` was made at ``version`` or later (views and builders gate fields on it)."""
    major, minor = (int(part) for part in version.split("."))
    return getattr(request, "api_version", MIN_VERSION) >= (major, minor)


class Since:
    """A view mixin: the route exists only from ``min_version`` and, when ``gone_from`` is set, only
    before that version (outside, Nova's 404)."""

    min_version = "2.1"
    gone_from: str | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not at_least(request, self.min_version) or (self.gone_from and at_least(request, self.gone_from)):
            from apps.common.exceptions import NotFound

            raise NotFound("The resource could not be found.")


def microversion_middleware(get_response):
    def middleware(request):
        if not request.path.startswith(PREFIX):
            return get_response(request)
        try:
            request.api_version = requested(request.headers)
        except VersionError as exc:
            kind = "badRequest" if exc.status == 400 else "computeFault"
            response = JsonResponse({kind: {"code": exc.status, "message": str(exc)}}, status=exc.status)
            patch_vary_headers(response, (HEADER, LEGACY_HEADER))
            return response
        response = get_response(request)
        version = text(request.api_version)
        response[HEADER] = f"compute {version}"
        response[LEGACY_HEADER] = version
        patch_vary_headers(response, (HEADER, LEGACY_HEADER))
        return response

    return middleware
