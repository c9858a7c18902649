"""What every Identity API view shares: Keystone's error bodies, its JSON shapes, the catalog."""

import re
import uuid
from urllib.parse import quote

from django.conf import settings
from rest_framework import exceptions as drf
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import CloudError, NotFound, client_fault
from apps.identity import policy
from apps.identity.auth import request_context
from apps.identity.models import DEFAULT_DOMAIN, Project, Role, Token, User

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          409: "Conflict", 415: "Unsupported Media Type", 503: "Service Unavailable"}  # fmt: skip
UNAUTHORIZED = "The request you have made requires authentication."
SERVICES = (  # type, name, path under the public URL
    ("compute", "nova", "/v2.1"),
    ("image", "glance", "/image"),
    ("network", "neutron", "/network"),
    ("identity", "keystone", "/identity/v3"),
)


class Unauthorized(CloudError):
    code = 401
    kind = "unauthorized"


def error_body(code: int, message: str) -> dict:
    return {"error": {"code": code, "title": TITLES.get(code, "Error"), "message": message}}


class IdentityView(APIView):
    """Keystone answers errors as ``{"error": {"code", "title", "message"}}``."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        exc = client_fault(exc) or exc
        if isinstance(exc, CloudError):
            return Response(error_body(exc.code, exc.message), status=exc.code)
        if isinstance(exc, drf.ParseError):
            return Response(error_body(400, "Malformed request body"), status=400)
        if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
            header = self.get_authenticate_header(self.request)
            return Response(error_body(401, UNAUTHORIZED), status=401, headers={"WWW-Authenticate": header})
        if isinstance(exc, drf.APIException):
            return Response(error_body(exc.status_code, str(exc.detail)), status=exc.status_code)
        return super().handle_exception(exc)

    def require_admin(self, request):
        ctx = request_context(request)
        policy.enforce(ctx, "identity:admin")
        return ctx


def base_url(request) -> str:
    return settings.PUBLIC_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


def link(request, path: str) -> dict:
    return {"self": f"{base_url(request)}/identity/v3{path}"}


def collection(request, key: str, items: list) -> dict:
    """Keystone's collection body: the items under ``key`` and ``links``, whose ``self`` is this request's URL
    (its query string included); cloudcore does not paginate, so ``previous`` and ``next`` are null."""
    # Re-encoded, so the link is a valid URI whatever the request path held (brackets, controls).
    path = quote(request.path_info, safe="/:@!$&'()*+,;=~")
    raw = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", request.META.get("QUERY_STRING", ""))
    query = quote(raw, safe="=&;/:@!$'()*+,?~%")
    url = f"{base_url(request)}{path}" + (f"?{query}" if query else "")
    return {key: items, "links": {"self": url, "previous": None, "next": None}}


def check_domain(value: dict | None) -> None:
    """cloudcore has one domain, ``default`` (named ``Default``): another, by id or by name, is 404."""
    if value is None:
        return
    if not (
        value.get("id") == DEFAULT_DOMAIN["id"] or (value.get("name") == DEFAULT_DOMAIN["name"] and "id" not in value)
    ):
        raise NotFound(f"Could not find domain: {value.get('id') or value.get('name')}.")


def iso_z(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def project_body(request, project: Project) -> dict:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "enabled": project.enabled,
        "domain_id": DEFAULT_DOMAIN["id"],
        "parent_id": DEFAULT_DOMAIN["id"],
        "is_domain": False,
        "tags": [],
        "options": {},
        "links": link(request, f"/projects/{project.id}"),
    }


def user_body(request, user: User) -> dict:
    """As Keystone: ``email`` and ``default_project_id`` only when the user has one (never null)."""
    body = {
        "id": user.id,
        "name": user.username,
        "enabled": user.is_active,
        "domain_id": DEFAULT_DOMAIN["id"],
        "password_expires_at": None,
        "options": {},
        "links": link(request, f"/users/{user.id}"),
    }
    if user.email:
        body["email"] = user.email
    if user.default_project_id:
        body["default_project_id"] = user.default_project_id
    return body


def role_body(request, role: Role) -> dict:
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description or None,
        "domain_id": None,
        "options": {},
        "links": link(request, f"/roles/{role.id}"),
    }


def catalog(request) -> list[dict]:
    root = base_url(request)
    region = settings.REGION_NAME
    entries = []
    for kind, name, path in SERVICES:
        endpoint = {
            "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{root}{path}#public").hex,
            "interface": "public",
            "region": region,
            "region_id": region,
            "url": f"{root}{path}",
        }
        entries.append({"id": uuid.uuid5(uuid.NAMESPACE_URL, kind).hex, "type": kind, "name": name,
                        "endpoints": [endpoint]})  # fmt: skip
    return entries


def token_body(request, token: Token, with_catalog: bool = True) -> dict:
    from apps.identity.tokens import roles_in

    user = token.user
    body = {
        "methods": token.methods,
        "user": {"id": user.id, "name": user.username, "domain": dict(DEFAULT_DOMAIN), "password_expires_at": None},
        "audit_ids": [token.audit_id],
        "issued_at": iso_z(token.issued_at),
        "expires_at": iso_z(token.expires_at),
    }
    if token.project is not None:
        project = token.project
        body["project"] = {"id": project.id, "name": project.name, "domain": dict(DEFAULT_DOMAIN)}
        body["is_domain"] = False
        body["roles"] = [{"id": role.id, "name": role.name} for role in roles_in(user, project)]
        if with_catalog:
            body["catalog"] = catalog(request)
    return {"token": body}
