"""What every Networking API view shares: Neutron's error body, list filters, ``fields``, links."""

import ipaddress

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import CloudError
from apps.identity.auth import request_context
from apps.network import security_groups
from apps.network.ipam import parse_uuid

# Neutron's error type for an answer that has no more specific one.
TYPES = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "PolicyNotAuthorized",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    406: "HTTPNotAcceptable",
    409: "Conflict",
    415: "HTTPUnsupportedMediaType",
    500: "HTTPInternalServerError",
    503: "HTTPServiceUnavailable",
}
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


class NeutronError(CloudError):
    """An error with Neutron's type name (``NetworkNotFound``, ``NetworkInUse``...)."""

    def __init__(self, code: int, kind: str, message: str):
        super().__init__(message)
        self.code = code
        self.kind = kind


def find_by_id(queryset: QuerySet, raw_id, missing: NeutronError):
    """The row of ``queryset`` whose id is ``raw_id``, else raise ``missing`` (a malformed id is missing too)."""
    parsed = parse_uuid(raw_id)
    found = queryset.filter(pk=parsed).first() if parsed else None
    if found is None:
        raise missing
    return found


def not_found(resource: str, ident) -> NeutronError:
    """Neutron's 404: ``{"type": "NetworkNotFound", "message": "Network <id> could not be found."}``."""
    return NeutronError(404, f"{resource}NotFound", f"{resource} {ident} could not be found.")


def bad_request(message: str) -> NeutronError:
    return NeutronError(400, "HTTPBadRequest", message)


def invalid_input(message: str) -> NeutronError:
    return NeutronError(400, "InvalidInput", f"Invalid input for operation: {message}")


def not_authorized(rule: str) -> NeutronError:
    return NeutronError(403, "PolicyNotAuthorized", f"({rule}) is disallowed by policy.")


def security_group_not_found(ident) -> NeutronError:
    return NeutronError(404, "SecurityGroupNotFound", f"Security group {ident} does not exist")


def from_security_groups(exc: security_groups.SecurityGroupError) -> NeutronError:
    """Neutron's error for one of ``apps.network.security_groups``' (Nova-worded) errors."""
    if isinstance(exc, security_groups.SecurityGroupNotFound):
        return security_group_not_found(exc.name)
    if isinstance(exc, security_groups.SecurityGroupInUse):
        return NeutronError(409, "SecurityGroupInUse", exc.message)
    if isinstance(exc, security_groups.StatefulnessConflict):
        return NeutronError(409, "SecurityGroupConflict", f"Error {exc.message} while attempting the operation.")
    return NeutronError(exc.code, TYPES.get(exc.code, "HTTPError"), exc.message)


def _message(data) -> str:
    """The message of the project's error body (``{"kind": {"code", "message"}}``)."""
    if isinstance(data, dict) and len(data) == 1:
        inner = next(iter(data.values()))
        if isinstance(inner, dict) and "message" in inner:
            return str(inner["message"])
    return str(data)


class NetworkAPIView(APIView):
    """Errors leave as Neutron's ``{"NeutronError": {"type", "message", "detail"}}``; the project's
    handler still decides the status, the headers (WWW-Authenticate, Retry-After) and the logging."""

    def handle_exception(self, exc):
        if isinstance(exc, security_groups.SecurityGroupError):
            exc = from_security_groups(exc)
        response = super().handle_exception(exc)
        if isinstance(exc, NeutronError):
            kind, message = exc.kind, exc.message
        else:
            kind = TYPES.get(response.status_code, "HTTPError")
            message = exc.message if isinstance(exc, CloudError) else _message(response.data)
        response.data = {"NeutronError": {"type": kind, "message": message, "detail": ""}}
        return response

    def context(self):
        return request_context(self.request)


def can_modify(ctx, project_id) -> bool:
    """Admins change anything; others only what their project owns."""
    return ctx.is_admin or (ctx.project_id is not None and project_id == ctx.project_id)


def base_url(request) -> str:
    return settings.PUBLIC_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


def api_url(request, path: str = "") -> str:
    """An absolute URL under ``/network/v2.0``."""
    return f"{base_url(request)}/network/v2.0{path}"


def to_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise invalid_input(f"'{value}' cannot be converted to boolean for '{name}'.")


def _ip_or_none(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def filter_query(request, queryset: QuerySet, spec: dict[str, tuple[str, str]]) -> QuerySet:
    """Neutron's list filters: ``?name=a&name=b`` means either. ``spec`` maps a query parameter to
    (model field, kind), kind one of ``str``, ``uuid``, ``bool``, ``int``, ``ip``. A value that cannot
    match (a malformed id) matches nothing; unknown parameters (``limit``, ``marker``, sorting,
    ``fixed_ips``...) are ignored."""
    for param, (field, kind) in spec.items():
        values = request.query_params.getlist(param)
        if not values:
            continue
        if kind == "bool":
            parsed = [to_bool(v, param) for v in values]
        elif kind == "uuid":
            parsed = [u for u in map(parse_uuid, values) if u is not None]
        elif kind == "int":  # ASCII digits only ("²".isdigit() is true), within PostgreSQL's integer
            parsed = [int(v) for v in map(str.strip, values) if v.isascii() and v.isdigit() and len(v) < 10]
        elif kind == "ip":
            parsed = [str(address) for address in map(_ip_or_none, values) if address is not None]
        else:  # PostgreSQL text holds no NUL character: such a value matches nothing
            parsed = [v for v in values if "\x00" not in v]
        queryset = queryset.filter(**{f"{field}__in": parsed}) if parsed else queryset.none()
    return queryset


def only_fields(request, body: dict) -> dict:
    """``?fields=id&fields=name`` keeps just those keys (all of them when absent)."""
    wanted = [f for value in request.query_params.getlist("fields") for f in value.split(",") if f]
    if not wanted:
        return body
    return {key: value for key, value in body.items() if key in wanted}


def iso(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def respond(request, key: str, body: dict, status: int = 200) -> Response:
    return Response({key: only_fields(request, body)}, status=status)


def respond_list(request, key: str, bodies: list[dict]) -> Response:
    return Response({key: [only_fields(request, body) for body in bodies]})
