from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.identity.models import Project, RoleAssignment, User


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
