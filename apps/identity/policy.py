"""The policy for the whole API: which role each operation needs.

Roles are Nova's current defaults, each implying those below it: ``reader`` may read its project,
``member`` may also change its project's resources, ``manager`` may also run project-level
operations (migrating its servers, listing their migrations), and ``admin`` may do everything,
in every project, including the operator APIs. Anything in another project is not found (404)
rather than forbidden, so ids do not leak; an operator API used without the role is 403.

Every view is guarded by ``ProjectPolicy`` (reads need ``default:read``, writes
``default:write``); views call ``enforce`` for the rules below that need more.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.common.exceptions import BadRequest, Forbidden
from apps.identity.auth import LEVELS, request_context
from apps.identity.models import RoleName

READER, MEMBER, MANAGER, ADMIN = RoleName.READER, RoleName.MEMBER, RoleName.MANAGER, RoleName.ADMIN

RULES: dict[str, str] = {
    "default:read": READER,
    "default:write": MEMBER,
    # servers
    "os_compute_api:servers:index:get_all_tenants": ADMIN,
    "os_compute_api:servers:create:forced_host": ADMIN,
    "compute:servers:create:requested_destination": ADMIN,
    "os_compute_api:os-extended-server-attributes": ADMIN,
    "os_compute_api:servers:show:flavor-extra-specs": READER,
    "os_compute_api:os-migrate-server:migrate": MANAGER,
    "os_compute_api:os-migrate-server:migrate:host": ADMIN,
    "os_compute_api:os-migrations:index": MANAGER,
    "os_compute_api:os-migrations:index:all_projects": ADMIN,
    "os_compute_api:os-migrations:index:host": ADMIN,
    "os_compute_api:os-instance-actions:events": ADMIN,
    "os_compute_api:os-instance-actions:events:details": ADMIN,
    "os_compute_api:os-admin-actions:reset_state": ADMIN,
    "os_compute_api:os-admin-actions:inject_network_info": ADMIN,
    "os_compute_api:os-server-diagnostics": ADMIN,
    "os_compute_api:os-evacuate": ADMIN,
    "os_compute_api:os-lock-server:unlock:unlock_override": ADMIN,
    "os_compute_api:os-volumes-attachments:index": READER,
    "os_compute_api:os-volumes-attachments:show": READER,
    "os_compute_api:os-volumes-attachments:create": MEMBER,
    "os_compute_api:os-volumes-attachments:update": MEMBER,
    "os_compute_api:os-volumes-attachments:swap": ADMIN,  # Nova's service role or admin; no service role here
    "os_compute_api:os-volumes-attachments:delete": MEMBER,
    "compute:server:topology:index": READER,
    # flavors
    "os_compute_api:os-flavor-manage:create": ADMIN,
    "os_compute_api:os-flavor-manage:delete": ADMIN,
    "os_compute_api:os-flavor-manage:update": ADMIN,
    "os_compute_api:os-flavor-extra-specs:index": READER,
    "os_compute_api:os-flavor-extra-specs:update": ADMIN,
    "os_compute_api:os-flavor-access": ADMIN,
    "os_compute_api:os-flavor-access:add_tenant_access": ADMIN,
    "os_compute_api:os-flavor-access:remove_tenant_access": ADMIN,
    # hosts
    "os_compute_api:os-services:list": ADMIN,
    "os_compute_api:os-services:update": ADMIN,
    "os_compute_api:os-services:delete": ADMIN,
    "os_compute_api:os-hypervisors:list": ADMIN,
    "os_compute_api:os-hypervisors:list-detail": ADMIN,
    "os_compute_api:os-hypervisors:show": ADMIN,
    "os_compute_api:os-hypervisors:statistics": ADMIN,
    "os_compute_api:os-hypervisors:search": ADMIN,
    "os_compute_api:os-hypervisors:servers": ADMIN,
    "os_compute_api:os-hypervisors:uptime": ADMIN,
    "os_compute_api:os-aggregates:index": ADMIN,
    "os_compute_api:os-aggregates:show": ADMIN,
    "os_compute_api:os-aggregates:create": ADMIN,
    "os_compute_api:os-aggregates:update": ADMIN,
    "os_compute_api:os-aggregates:delete": ADMIN,
    "os_compute_api:os-aggregates:action": ADMIN,
    "compute:aggregates:images": ADMIN,
    "os_compute_api:os-availability-zone:detail": ADMIN,
    # quotas and key pairs
    "os_compute_api:os-quota-sets:show:other_project": ADMIN,
    "os_compute_api:os-quota-sets:update": ADMIN,
    "os_compute_api:os-quota-sets:delete": ADMIN,
    "os_compute_api:os-quota-class-sets:show": ADMIN,
    "os_compute_api:os-quota-class-sets:update": ADMIN,
    "os_compute_api:os-keypairs:other_user": ADMIN,
    # identity
    "identity:admin": ADMIN,
}


def allowed(ctx, rule: str) -> bool:
    return ctx.level >= LEVELS[RULES[rule]]


def enforce(ctx, rule: str) -> None:
    """403 with Nova's message unless the caller's role meets ``rule``."""
    if not allowed(ctx, rule):
        raise Forbidden(f"Policy doesn't allow {rule} to be performed.")


class ProjectPolicy(BasePermission):
    """Every API: a project (or the admin role) and, by method, at least reader or member."""

    def has_permission(self, request, view) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False
        ctx = request_context(request)
        url_project = getattr(request, "url_project_id", None)
        if url_project and url_project != ctx.project_id:
            raise BadRequest(
                f"Malformed request URL: URL's project_id '{url_project}' doesn't match Context's project_id "
                f"'{ctx.project_id}'"
            )
        if ctx.is_admin:
            return True
        if ctx.project is None:
            raise Forbidden(
                f"User {ctx.user.username} has no role in an enabled project; ask an administrator for one."
            )
        enforce(ctx, "default:read" if request.method in SAFE_METHODS else "default:write")
        return True
