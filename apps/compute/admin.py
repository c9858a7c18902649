from django.contrib import admin

from apps.compute.models import Flavor, Instance, InstanceAction, InstanceActionEvent, InstanceFault


@admin.register(Flavor)
class FlavorAdmin(admin.ModelAdmin):
    list_display = ("name", "flavorid", "vcpus", "memory_mb", "root_gb", "is_public", "disabled")
    search_fields = ("name", "flavorid")


class InstanceActionInline(admin.TabularInline):
    model = InstanceAction
    extra = 0
    can_delete = False
    fields = ("action", "request_id", "start_time", "finish_time", "message")
    readonly_fields = fields


class InstanceFaultInline(admin.TabularInline):
    model = InstanceFault
    extra = 0
    can_delete = False
    fields = ("code", "message", "host", "created_at")
    readonly_fields = fields


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("name", "uuid", "vm_state", "task_state", "host", "project", "created_at")
    list_filter = ("vm_state", "task_state", "host")
    search_fields = ("name", "uuid")
    readonly_fields = (
        "vm_state",
        "task_state",
        "power_state",
        "host",
        "node",
        "attempt_id",
        "attempts",
        "alternate_hosts",
        "launched_at",
        "terminated_at",
        "deleted_at",
        "flavor",
    )
    inlines = [InstanceActionInline, InstanceFaultInline]


class InstanceActionEventInline(admin.TabularInline):
    model = InstanceActionEvent
    extra = 0
    can_delete = False
    fields = ("event", "host", "result", "start_time", "finish_time", "details")
    readonly_fields = fields


@admin.register(InstanceAction)
class InstanceActionAdmin(admin.ModelAdmin):
    list_display = ("action", "instance", "request_id", "start_time", "finish_time", "message")
    list_filter = ("action",)
    inlines = [InstanceActionEventInline]
