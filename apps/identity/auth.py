"""Who is asking: authentication and the request context every API view works from.

Everything that decides identity lives here, so Keystone tokens can slot in beside Basic and
session auth without touching the views.
"""

import dataclasses
import hashlib
import threading
import time

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication

from apps.identity.models import Project, User


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
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        key = hashlib.sha256(f"{user.pk}\0{user.password}\0{password}".encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            fresh = self._verified.get(key, 0.0) > now
        if not fresh:
            if not user.check_password(password):
                raise exceptions.AuthenticationFailed("Invalid username/password.")
            with self._lock:
                if len(self._verified) > 10_000:
                    self._verified.clear()
                self._verified[key] = now + self.CACHE_SECONDS
        return (user, None)


@dataclasses.dataclass(frozen=True)
class RequestContext:
    user: User
    project: Project | None
    is_admin: bool

    @property
    def project_id(self) -> str | None:
        return self.project.id if self.project else None


def request_context(request) -> RequestContext:
    """The user, project and admin flag of an authenticated request."""
    user = request.user
    ctx = getattr(request, "_cloudcore_context", None)
    if ctx is None:
        project = user.default_project
        if project is None:
            assignment = user.role_assignments.select_related("project").first()
            project = assignment.project if assignment else None
        ctx = RequestContext(user=user, project=project, is_admin=user.is_cloud_admin)
        request._cloudcore_context = ctx
    return ctx
