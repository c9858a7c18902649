"""The operator's admin for identity: users with their roles per project, projects, roles, and
issued tokens (shown by audit id only; a token's digest never leaves the database)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from apps.identity.models import Project, Role, RoleAssignment, Token, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("user", "project")


@admin.register(User)
class CloudUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Cloud", {"fields": ("default_project",)}),)
    list_display = ("username", "email", "default_project", "is_staff", "is_superuser", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "default_project")
    list_select_related = ("default_project",)
    autocomplete_fields = ("default_project",)
    inlines = [RoleAssignmentInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "enabled", "description")
    list_filter = ("enabled",)
    search_fields = ("name", "id")
    readonly_fields = ("id",)
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role")
    list_filter = ("role", "project")
    search_fields = ("user__username", "project__name")
    list_select_related = ("user", "project", "role")
    autocomplete_fields = ("user", "project")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "description")
    search_fields = ("name",)
    readonly_fields = ("id",)


class ExpiredFilter(admin.SimpleListFilter):
    title = "expired"
    parameter_name = "expired"

    def lookups(self, request, model_admin):
        return (("no", "Valid"), ("yes", "Expired"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(expires_at__gt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(expires_at__lte=timezone.now())
        return queryset


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    """Issued tokens, by audit id: revoke one with the action. Never added or edited here."""

    list_display = ("audit_id", "user", "project", "methods", "issued_at", "expires_at")
    list_display_links = None  # a token's page would add nothing, and its address holds the digest
    list_filter = (ExpiredFilter, "project")
    search_fields = ("audit_id", "user__username", "project__name")
    list_select_related = ("user", "project")
    fields = ("audit_id", "user", "project", "methods", "issued_at", "expires_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revoke selected tokens", permissions=["delete"])
    def revoke(self, request, queryset):
        count, _ = queryset.delete()
        self.message_user(request, f"Revoked {count} token(s)", level=messages.SUCCESS)
