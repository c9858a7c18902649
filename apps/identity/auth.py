"""Who is asking: authentication and the request context every API view works from.

Everything that decides identity lives here, so Keystone tokens can slot in beside Basic and
session auth without touching the views.
"""

import dataclasses

from django.conf import settings
from rest_framework.authentication import BasicAuthentication

from apps.identity.models import Project, User


class QuickStartBasicAuthentication(BasicAuthentication):
    """HTTP Basic, accepted only while ``ALLOW_BASIC_AUTH`` is true."""

    www_authenticate_realm = "cloudcore"

    def authenticate(self, request):
        if not settings.ALLOW_BASIC_AUTH:
            return None
        return super().authenticate(request)


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
