"""``/identity/v3`` administration: the domain, projects, users, roles and role assignments."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from rest_framework.response import Response

from apps.common.exceptions import Conflict, Forbidden, NotFound
from apps.identity.api import request_schemas as bodies
from apps.identity.api.base import IdentityView, check_domain, collection, link, project_body, role_body, user_body
from apps.identity.auth import request_context
from apps.identity.models import DEFAULT_DOMAIN, Project, Role, RoleAssignment, RoleName, User


def _get(model, pk: str, kind: str):
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist:
        raise NotFound(f"Could not find {kind}: {pk}.") from None


def _duplicate(kind: str) -> Conflict:
    return Conflict(f"Conflict occurred attempting to store {kind} - Duplicate entry.")


def _in_use(kind: str) -> Conflict:
    return Conflict(f"The {kind} still owns servers or other resources; delete them first.")


def _filtered(request, queryset, name_field: str):
    name = request.query_params.get("name")
    if name is not None:
        queryset = queryset.filter(**{name_field: name})
    return queryset


# -- domains ---------------------------------------------------------------------------------


def domain_body(request) -> dict:
    return {**DEFAULT_DOMAIN, "description": "The only domain", "enabled": True, "options": {},
            "links": link(request, "/domains/default")}  # fmt: skip


class DomainListView(IdentityView):
    def get(self, request):
        name = request.query_params.get("name")
        domains = [] if name not in (None, DEFAULT_DOMAIN["name"]) else [domain_body(request)]
        return Response(collection(request, "domains", domains))


class DomainView(IdentityView):
    def get(self, request, domain_id):
        if domain_id != DEFAULT_DOMAIN["id"]:
            raise NotFound(f"Could not find domain: {domain_id}.")
        return Response({"domain": domain_body(request)})


# -- projects --------------------------------------------------------------------------------


def _project_fields(spec: dict) -> dict:
    """The model fields of a valid ``project`` (``bodies.PROJECT_CREATE`` or ``PROJECT_UPDATE``)."""
    if "domain_id" in spec:
        check_domain({"id": spec["domain_id"]})
    fields = {key: spec[key] for key in ("name", "enabled") if key in spec}
    if "description" in spec:
        fields["description"] = spec["description"] or ""
    return fields


class ProjectListView(IdentityView):
    def get(self, request):
        self.require_admin(request)
        projects = _filtered(request, Project.objects.order_by("name"), "name")
        if "enabled" in request.query_params:
            projects = projects.filter(enabled=request.query_params["enabled"].lower() in ("true", "1"))
        return Response(collection(request, "projects", [project_body(request, p) for p in projects]))

    def post(self, request):
        self.require_admin(request)
        fields = _project_fields(bodies.PROJECT_CREATE.validate(request)["project"])
        try:
            with transaction.atomic():
                project = Project.objects.create(**fields)
        except IntegrityError:
            raise _duplicate("project") from None
        return Response({"project": project_body(request, project)}, status=201)


class ProjectView(IdentityView):
    def get(self, request, project_id):
        ctx = request_context(request)
        if ctx.project_id != project_id:
            self.require_admin(request)
        return Response({"project": project_body(request, _get(Project, project_id, "project"))})

    def patch(self, request, project_id):
        self.require_admin(request)
        project = _get(Project, project_id, "project")
        fields = _project_fields(bodies.PROJECT_UPDATE.validate(request)["project"])
        try:
            with transaction.atomic():
                Project.objects.filter(pk=project.pk).update(**fields)
        except IntegrityError:
            raise _duplicate("project") from None
        project.refresh_from_db()
        return Response({"project": project_body(request, project)})

    def delete(self, request, project_id):
        self.require_admin(request)
        try:
            _get(Project, project_id, "project").delete()
        except ProtectedError:
            raise _in_use("project") from None
        return Response(status=204)


# -- users -----------------------------------------------------------------------------------


def _user_fields(spec: dict) -> tuple[dict, str | None]:
    """The model fields and the password of a valid ``user`` (``bodies.USER_CREATE`` or ``USER_UPDATE``)."""
    if "domain_id" in spec:
        check_domain({"id": spec["domain_id"]})
    fields = {}
    if "name" in spec:
        fields["username"] = spec["name"]
    if "email" in spec:
        fields["email"] = spec["email"] or ""
    if "enabled" in spec:
        fields["is_active"] = spec["enabled"]
    if "default_project_id" in spec:
        project_id = spec["default_project_id"]
        fields["default_project"] = None if project_id is None else _get(Project, project_id, "project")
    return fields, spec.get("password")


class UserListView(IdentityView):
    def get(self, request):
        self.require_admin(request)
        users = _filtered(request, User.objects.order_by("username"), "username")
        return Response(collection(request, "users", [user_body(request, u) for u in users]))

    def post(self, request):
        self.require_admin(request)
        fields, password = _user_fields(bodies.USER_CREATE.validate(request)["user"])
        try:
            with transaction.atomic():
                user = User(**fields)
                user.set_password(password) if password else user.set_unusable_password()
                user.save()
        except IntegrityError:
            raise _duplicate("user") from None
        return Response({"user": user_body(request, user)}, status=201)


class UserView(IdentityView):
    def _allowed(self, request, user_id) -> None:
        if request_context(request).user.id != user_id:
            self.require_admin(request)

    def get(self, request, user_id):
        self._allowed(request, user_id)
        return Response({"user": user_body(request, _get(User, user_id, "user"))})

    def patch(self, request, user_id):
        self.require_admin(request)
        user = _get(User, user_id, "user")
        fields, password = _user_fields(bodies.USER_UPDATE.validate(request)["user"])
        for name, value in fields.items():
            setattr(user, name, value)
        if password:
            user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
                if password or fields.get("is_active") is False:
                    user.tokens.all().delete()  # a new password or a disabled user ends its sessions
        except IntegrityError:
            raise _duplicate("user") from None
        return Response({"user": user_body(request, user)})

    def delete(self, request, user_id):
        self.require_admin(request)
        try:
            _get(User, user_id, "user").delete()
        except ProtectedError:
            raise _in_use("user") from None
        return Response(status=204)


class UserProjectsView(UserView):
    http_method_names = ["get", "head", "options"]

    def get(self, request, user_id):
        self._allowed(request, user_id)
        user = _get(User, user_id, "user")
        projects = Project.objects.filter(role_assignments__user=user).distinct().order_by("name")
        return Response(collection(request, "projects", [project_body(request, p) for p in projects]))


# -- roles and assignments ------------------------------------------------------------------


class RoleListView(IdentityView):
    def get(self, request):
        self.require_admin(request)
        roles = _filtered(request, Role.objects.order_by("name"), "name")
        return Response(collection(request, "roles", [role_body(request, r) for r in roles]))

    def post(self, request):
        self.require_admin(request)
        spec = bodies.ROLE_CREATE.validate(request)["role"]
        name, description = spec["name"], spec.get("description") or ""
        try:
            with transaction.atomic():
                role = Role.objects.create(name=name, description=description)
        except IntegrityError:
            raise _duplicate("role") from None
        return Response({"role": role_body(request, role)}, status=201)


class RoleView(IdentityView):
    def get(self, request, role_id):
        self.require_admin(request)
        return Response({"role": role_body(request, _get(Role, role_id, "role"))})

    def delete(self, request, role_id):
        self.require_admin(request)
        role = _get(Role, role_id, "role")
        if role.name in RoleName.values:
            raise Forbidden(f"The role {role.name} is built in: the policy depends on it.")
        role.delete()
        return Response(status=204)


class ProjectUserRolesView(IdentityView):
    """``/projects/{p}/users/{u}/roles``: the roles a user holds in a project."""

    def get(self, request, project_id, user_id):
        ctx = request_context(request)
        if ctx.user.id != user_id:
            self.require_admin(request)
        project, user = _get(Project, project_id, "project"), _get(User, user_id, "user")
        roles = Role.objects.filter(assignments__project=project, assignments__user=user).order_by("name")
        return Response(collection(request, "roles", [role_body(request, r) for r in roles]))


class ProjectUserRoleView(IdentityView):
    """``PUT`` grants, ``HEAD``/``GET`` check, ``DELETE`` revokes one role (each 204)."""

    def _parts(self, request, project_id, user_id, role_id):
        self.require_admin(request)
        return (
            _get(Project, project_id, "project"), _get(User, user_id, "user"), _get(Role, role_id, "role"),
        )  # fmt: skip

    def put(self, request, project_id, user_id, role_id):
        project, user, role = self._parts(request, project_id, user_id, role_id)
        RoleAssignment.objects.get_or_create(project=project, user=user, role=role)
        return Response(status=204)

    def get(self, request, project_id, user_id, role_id):
        project, user, role = self._parts(request, project_id, user_id, role_id)
        if not RoleAssignment.objects.filter(project=project, user=user, role=role).exists():
            raise NotFound(f"Could not find role assignment of {role_id} to {user_id} on {project_id}.")
        return Response(status=204)

    head = get

    def delete(self, request, project_id, user_id, role_id):
        project, user, role = self._parts(request, project_id, user_id, role_id)
        deleted, _ = RoleAssignment.objects.filter(project=project, user=user, role=role).delete()
        if not deleted:
            raise NotFound(f"Could not find role assignment of {role_id} to {user_id} on {project_id}.")
        return Response(status=204)


class RoleAssignmentListView(IdentityView):
    """``/role_assignments`` with ``user.id``, ``scope.project.id`` and ``role.id`` filters."""

    def get(self, request):
        self.require_admin(request)
        params = request.query_params
        assignments = RoleAssignment.objects.select_related("role", "user", "project").order_by("id")
        for param, field in (("user.id", "user_id"), ("scope.project.id", "project_id"), ("role.id", "role_id")):
            if params.get(param):
                assignments = assignments.filter(**{field: params[param]})
        names = "include_names" in params
        body = []
        for a in assignments[:1000]:
            role = {"id": a.role_id, **({"name": a.role.name} if names else {})}
            user = {"id": a.user_id, **({"name": a.user.username, "domain": dict(DEFAULT_DOMAIN)} if names else {})}
            project = {
                "id": a.project_id,
                **({"name": a.project.name, "domain": dict(DEFAULT_DOMAIN)} if names else {}),
            }
            path = f"/projects/{a.project_id}/users/{a.user_id}/roles/{a.role_id}"
            body.append({"role": role, "user": user, "scope": {"project": project},
                         "links": {"assignment": link(request, path)["self"]}})  # fmt: skip
        return Response(collection(request, "role_assignments", body))
