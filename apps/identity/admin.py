from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.identity.models import Project, Role, RoleAssignment, Token, User


@admin.register(User)
class CloudUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Cloud", {"fields": ("default_project",)}),)
    list_display = ("username", "default_project", "is_staff", "is_active")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "enabled")
    search_fields = ("name", "id")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role")
    list_filter = ("role",)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "id")
    search_fields = ("name",)


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    """Issued tokens (only their digests are stored): revoke one by deleting it."""

    list_display = ("audit_id", "user", "project", "issued_at", "expires_at")
    list_filter = ("project",)
    readonly_fields = ("digest", "user", "project", "methods", "audit_id", "issued_at", "expires_at")

    def has_add_permission(self, request):
        return False
