from django.urls import path, re_path

from apps.identity.api import admin_views as admin
from apps.identity.api import auth_views as auth

urlpatterns = [
    re_path(r"^/?$", auth.VersionsView.as_view(), name="identity-versions"),
    re_path(r"^/v3/?$", auth.VersionView.as_view(), name="identity-version"),
    path("/v3/auth/tokens", auth.TokensView.as_view(), name="identity-tokens"),
    path("/v3/auth/catalog", auth.CatalogView.as_view(), name="identity-catalog"),
    path("/v3/auth/projects", auth.AuthProjectsView.as_view(), name="identity-auth-projects"),
    path("/v3/domains", admin.DomainListView.as_view(), name="identity-domains"),
    path("/v3/domains/<str:domain_id>", admin.DomainView.as_view(), name="identity-domain"),
    path("/v3/projects", admin.ProjectListView.as_view(), name="identity-projects"),
    path("/v3/projects/<str:project_id>", admin.ProjectView.as_view(), name="identity-project"),
    path(
        "/v3/projects/<str:project_id>/users/<str:user_id>/roles",
        admin.ProjectUserRolesView.as_view(),
        name="identity-project-user-roles",
    ),
    path(
        "/v3/projects/<str:project_id>/users/<str:user_id>/roles/<str:role_id>",
        admin.ProjectUserRoleView.as_view(),
        name="identity-project-user-role",
    ),
    path("/v3/users", admin.UserListView.as_view(), name="identity-users"),
    path("/v3/users/<str:user_id>", admin.UserView.as_view(), name="identity-user"),
    path("/v3/users/<str:user_id>/projects", admin.UserProjectsView.as_view(), name="identity-user-projects"),
    path("/v3/roles", admin.RoleListView.as_view(), name="identity-roles"),
    path("/v3/roles/<str:role_id>", admin.RoleView.as_view(), name="identity-role"),
    path("/v3/role_assignments", admin.RoleAssignmentListView.as_view(), name="identity-role-assignments"),
]
