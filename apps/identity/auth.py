"""Who is asking: authentication and the request context every API view works from.

Three ways in, tried in order:
- ``X-Auth-Token``: a Keystone token from ``POST /identity/v3/auth/tokens``, scoped to a project;
- a Django session (the browsable API and the admin, after logging in);
- HTTP Basic, for the quick start only, while ``ALLOW_BASIC_AUTH`` is true.

A token's project and roles are the token's; a session or Basic login acts in the user's default
project (or the first project it has a role in) with its roles there.
"""

import dataclasses
import hashlib
import threading
import time

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, BasicAuthentication

from apps.identity import tokens
from apps.identity.models import Project, RoleName, Token, User

TOKEN_HEADER = "HTTP_X_AUTH_TOKEN"
LEVELS = {RoleName.READER: 1, RoleName.MEMBER: 2, RoleName.MANAGER: 3, RoleName.ADMIN: 4}


class KeystoneTokenAuthentication(BaseAuthentication):
    """``X-Auth-Token``. A token that is unknown, expired or revoked is a 401, never a fallback."""

    def authenticate(self, request):
        raw = request.META.get(TOKEN_HEADER)
        if raw is None:
            return None
        token = tokens.validate(raw.strip())
        if token is None:
            raise exceptions.AuthenticationFailed("The request you have made requires authentication.")
        return (token.user, token)

    def authenticate_header(self, request):
        return f'Keystone uri="{request.build_absolute_uri("/identity/v3")}"'


class QuickStartBasicAuthentication(BasicAuthentication):
    """HTTP Basic, accepted only while ``ALLOW_BASIC_AUTH`` is true."""

    www_authenticate_realm = "cloudcore"

    # A password hash takes ~0.3 s of CPU by design; scripts send many requests with the same
    # credentials. Remember a verified (user, password) pair briefly, keyed by a digest of both
    # and of the stored hash, so a changed password or a deactivated user is noticed at once.
    CACHE_SECONDS = 300.0
    _verified: dict[str, float] = {}
    _lock = threading.Lock()

    def authenticate(self, request):
        if not settings.ALLOW_BASIC_AUTH:
            return None
        return super().authenticate(request)

    def authenticate_credentials(self, userid, password, request=None):
        user = User.objects.filter(username=userid).select_related("default_project").first()
        if user is None or not user.is_active or not check_password_cached(user, password):
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        return (user, None)


def check_password_cached(user: User, password: str) -> bool:
    key = hashlib.sha256(f"{user.pk}\0{user.password}\0{password}".encode()).hexdigest()
    now = time.monotonic()
    cache = QuickStartBasicAuthentication
    with cache._lock:
        if cache._verified.get(key, 0.0) > now:
            return True
    if not user.check_password(password):
        return False
    with cache._lock:
        if len(cache._verified) > 10_000:
            cache._verified.clear()
        cache._verified[key] = now + cache.CACHE_SECONDS
    return True


@dataclasses.dataclass(frozen=True)
class RequestContext:
    user: User
    project: Project | None
    roles: frozenset[str]
    is_admin: bool
    token: Token | None = None

    @property
    def project_id(self) -> str | None:
        return self.project.id if self.project else None

    @property
    def level(self) -> int:
        """The highest role held: admin > manager > member > reader (each implies the next)."""
        if self.is_admin:
            return LEVELS[RoleName.ADMIN]
        return max((LEVELS.get(role, 0) for role in self.roles), default=0)


def context_for(user: User, project: Project | None, token: Token | None = None) -> RequestContext:
    roles = frozenset(role.name for role in tokens.roles_in(user, project))
    is_admin = user.is_cloud_admin or RoleName.ADMIN in roles
    return RequestContext(user=user, project=project, roles=roles, is_admin=is_admin, token=token)


def request_context(request) -> RequestContext:
    """The user, project, roles and admin flag of an authenticated request (computed once)."""
    ctx = getattr(request, "_cloudcore_context", None)
    if ctx is None:
        user = request.user
        token = request.auth if isinstance(request.auth, Token) else None
        if token is not None:
            project = token.project
        else:
            project = user.default_project
            if project is None:
                assignment = user.role_assignments.filter(project__enabled=True).select_related("project").first()
                project = assignment.project if assignment else None
            if project is not None and not project.enabled:
                project = None  # a disabled project is as good as none: nothing may act in it
        ctx = context_for(user, project, token)
        request._cloudcore_context = ctx
    return ctx
