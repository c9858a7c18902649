"""``/identity/v3``: the version document and ``/auth/*``: issuing, validating and revoking tokens."""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.common.exceptions import Forbidden, NotFound
from apps.identity import tokens
from apps.identity.api.base import (
    UNAUTHORIZED,
    IdentityView,
    Unauthorized,
    base_url,
    catalog,
    check_domain,
    collection,
    project_body,
    token_body,
)
from apps.identity.api.request_schemas import TOKEN_ISSUE
from apps.identity.auth import check_password_cached, request_context
from apps.identity.models import Project, RoleAssignment, Token, User

VERSION_UPDATED = "2024-04-01T00:00:00Z"


def version(request) -> dict:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": VERSION_UPDATED,
        "links": [{"rel": "self", "href": f"{base_url(request)}/identity/v3/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    }


class VersionsView(IdentityView):
    """``/identity``: the versions this endpoint serves (one)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return Response({"versions": {"values": [version(request)]}}, status=300)


class VersionView(IdentityView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        return Response({"version": version(request)})


def _password_user(spec: dict) -> User:
    """The user of the password method (``identity.password.user``: an id or a name, and a password)."""
    users = User.objects.select_related("default_project")
    if "id" in spec:
        user = users.filter(id=spec["id"]).first()
    else:
        try:
            check_domain(spec.get("domain"))
        except NotFound:
            raise Unauthorized(UNAUTHORIZED) from None
        user = users.filter(username=spec["name"]).first()
    # One answer for every failure, so it tells nothing of which names exist.
    if user is None or not user.is_active or not check_password_cached(user, spec["password"]):
        raise Unauthorized(UNAUTHORIZED)
    return user


def _scope(user: User, scope) -> Project | None:
    """The project a token is for: the one asked for, else the user's default if it has a role there."""
    if scope is None or scope == "unscoped":
        project = user.default_project
        if (
            project is not None
            and project.enabled
            and RoleAssignment.objects.filter(user=user, project=project).exists()
        ):
            return project
        return None
    if not isinstance(scope, dict) or "project" not in scope:
        raise Unauthorized("cloudcore issues project-scoped and unscoped tokens only.")
    spec = scope["project"]
    if "id" in spec:
        project = Project.objects.filter(id=spec["id"]).first()
    else:
        try:
            check_domain(spec.get("domain"))
        except NotFound:
            raise Unauthorized(UNAUTHORIZED) from None
        project = Project.objects.filter(name=spec["name"]).first()
    if project is None or not project.enabled:
        raise Unauthorized(UNAUTHORIZED)
    if not RoleAssignment.objects.filter(user=user, project=project).exists():
        raise Unauthorized(f"User {user.id} has no access to project {project.id}.")
    return project


class TokensView(IdentityView):
    """``/auth/tokens``: POST issues (password or token method); GET and HEAD validate the token in
    ``X-Subject-Token``; DELETE revokes it."""

    def get_permissions(self):
        issuing = getattr(self.request, "method", None) == "POST"  # no request while the schema is built
        return [AllowAny()] if issuing else super().get_permissions()

    def get_authenticators(self):
        issuing = getattr(self.request, "method", None) == "POST"
        return [] if issuing else super().get_authenticators()

    def post(self, request):
        auth = TOKEN_ISSUE.validate(request)["auth"]
        identity = auth["identity"]
        methods = identity["methods"]
        expires_at = None
        if "password" in methods:
            user = _password_user(identity["password"]["user"])
        elif "token" in methods:
            source = tokens.validate(identity["token"]["id"])
            if source is None:
                raise Unauthorized(UNAUTHORIZED)
            user, expires_at = source.user, source.expires_at
        else:
            raise Unauthorized("The authentication method is not supported: use password or token.")
        project = _scope(user, auth.get("scope"))
        raw, token = tokens.issue(user, project, methods=["password"] if "password" in methods else ["token"],
                                  expires_at=expires_at)  # fmt: skip
        return Response(token_body(request, token), status=201, headers={"X-Subject-Token": raw})

    def _subject(self, request) -> Token:
        caller = request_context(request)
        token = tokens.validate(request.META.get("HTTP_X_SUBJECT_TOKEN"))
        if token is None:
            raise NotFound("Could not find token.")
        if token.user_id != caller.user.id and not caller.is_admin:
            raise Forbidden("You are not authorized to validate another user's token.")
        return token

    def get(self, request):
        token = self._subject(request)
        with_catalog = "nocatalog" not in request.query_params
        return Response(token_body(request, token, with_catalog))

    def head(self, request):
        self._subject(request)
        return Response(status=200)

    def delete(self, request):
        caller = request_context(request)
        raw = request.META.get("HTTP_X_SUBJECT_TOKEN")
        token = tokens.validate(raw)
        if token is None:
            raise NotFound("Could not find token.")
        if token.user_id != caller.user.id and not caller.is_admin:
            raise Forbidden("You are not authorized to revoke another user's token.")
        tokens.revoke(raw)
        return Response(status=204)


class CatalogView(IdentityView):
    def get(self, request):
        return Response(collection(request, "catalog", catalog(request)))


class AuthProjectsView(IdentityView):
    """The projects the caller may scope a token to."""

    def get(self, request):
        user = request_context(request).user
        projects = Project.objects.filter(role_assignments__user=user, enabled=True).distinct().order_by("name")
        return Response(collection(request, "projects", [project_body(request, p) for p in projects]))
