from django.contrib import admin

from apps.hosts.models import Allocation, ComputeNode, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("host", "binary", "disabled", "forced_down", "last_seen_up")
    list_filter = ("binary", "disabled")


@admin.register(ComputeNode)
class ComputeNodeAdmin(admin.ModelAdmin):
    list_display = ("hypervisor_hostname", "vcpus_used", "vcpus", "memory_mb_used", "memory_mb", "running_vms")
    readonly_fields = ("vcpus_used", "memory_mb_used", "local_gb_used")


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("instance", "node", "vcpus", "memory_mb", "disk_gb", "created_at")
