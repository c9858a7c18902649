"""Domain errors and the DRF exception handler that turns every error into Nova's error body.

``{"badRequest": {"code": 400, "message": "..."}}``: the key names the kind of error, the
message says what to fix.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

LOG = logging.getLogger(__name__)

# The database went away (restart, failover, network): a 503 the client can retry, not a 500.
DatabaseUnavailable = (OperationalError, InterfaceError)


class CloudError(Exception):
    """Base of every error the API answers with; carries its HTTP code and Nova's error key."""

    code = 500
    kind = "computeFault"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {self.kind: {"code": self.code, "message": self.message}}


class BadRequest(CloudError):
    code = 400
    kind = "badRequest"


class Forbidden(CloudError):
    code = 403
    kind = "forbidden"


class NotFound(CloudError):
    code = 404
    kind = "itemNotFound"


class Conflict(CloudError):
    code = 409
    kind = "conflictingRequest"


class ServiceUnavailable(CloudError):
    code = 503
    kind = "serviceUnavailable"


# What the database driver says of a NUL character in a value (PostgreSQL's text cannot hold one):
# psycopg2's ValueError, psycopg 3's DataError (Django's postgresql features name both).
_NUL_MESSAGES = ("cannot contain NUL (0x00)",)


def client_fault(exc: Exception) -> CloudError | None:
    """The 400 for an exception the client's input caused deep down (a NUL character in a path, query
    parameter or body string reaching the database), or None when the exception is a server fault."""
    if isinstance(exc, ValueError | DataError) and any(m in str(exc) for m in _NUL_MESSAGES):
        return BadRequest("Invalid input: NUL (\\u0000) characters are not allowed in strings.")
    return None


def _drf_message(exc: drf.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in detail.items())
    if isinstance(detail, list):
        return " ".join(map(str, detail))
    return str(detail)


_DRF_KINDS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
}


def exception_handler(exc, context):
    """DRF's hook: every error leaves the API as a Nova-style body, never as an HTML page."""
    exc = client_fault(exc) or exc
    if isinstance(exc, CloudError):
        return Response(exc.body(), status=exc.code)
    if isinstance(exc, DatabaseUnavailable):
        LOG.warning("database unavailable answering %s: %s", context.get("request"), exc)
        body = ServiceUnavailable("The database is unavailable; try again shortly.").body()
        return Response(body, status=503, headers={"Retry-After": "5"})
    if isinstance(exc, Http404):
        return Response(NotFound("The resource could not be found.").body(), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(Forbidden("Policy does not allow this request to be performed.").body(), status=403)
    if isinstance(exc, drf.ParseError):
        return Response(BadRequest("Malformed request body").body(), status=400)
    if isinstance(exc, drf.APIException):
        kind = _DRF_KINDS.get(exc.status_code, "computeFault")
        headers = {}
        if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
            authenticator = context["request"].authenticators
            if authenticator:
                header = authenticator[0].authenticate_header(context["request"])
                if header:
                    headers["WWW-Authenticate"] = header
        body = {kind: {"code": exc.status_code, "message": _drf_message(exc)}}
        return Response(body, status=exc.status_code, headers=headers)
    LOG.exception("unexpected error answering %s", context.get("request"))
    message = "Unexpected API Error. Please report this at the cloud's operators and attach the request id."
    return Response({"computeFault": {"code": 500, "message": message}}, status=500)
