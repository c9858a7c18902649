"""The operator's admin for networks: created through the Networking API (which validates ranges and
allocates addresses under the subnet's lock); here described, and deleted only when no port uses them."""

from django.contrib import admin
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from apps.network.models import Network, Port, Subnet


class NoRawBulkDelete:
    """Deleting goes through the delete page, which checks that no port uses the row."""

    def has_add_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.ports.exists())


class SubnetInline(admin.TabularInline):
    model = Subnet
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("name", "cidr", "gateway_ip", "pool_start", "pool_end", "enable_dhcp")
    readonly_fields = ("cidr", "gateway_ip", "pool_start", "pool_end")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Network)
class NetworkAdmin(NoRawBulkDelete, admin.ModelAdmin):
    list_display = ("name", "id", "project", "shared", "router_external", "status", "admin_state_up", "mtu",
                    "port_count", "created_at")  # fmt: skip
    list_filter = ("shared", "router_external", "status", "admin_state_up")
    search_fields = ("name", "id", "project__name")
    list_select_related = ("project",)
    readonly_fields = ("id", "project", "created_at", "updated_at")
    inlines = [SubnetInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(port_total=Count("ports"))

    @admin.display(description="ports", ordering="port_total")
    def port_count(self, obj):
        return obj.port_total


@admin.register(Subnet)
class SubnetAdmin(NoRawBulkDelete, admin.ModelAdmin):
    list_display = ("name", "id", "network", "cidr", "gateway_ip", "pool_start", "pool_end", "enable_dhcp")
    list_filter = ("ip_version", "enable_dhcp", "network")
    search_fields = ("name", "id", "cidr", "network__name")
    list_select_related = ("network",)
    readonly_fields = ("id", "network", "cidr", "ip_version", "gateway_ip", "pool_start", "pool_end", "created_at",
                       "updated_at")  # fmt: skip


@admin.register(Port)
class PortAdmin(admin.ModelAdmin):
    """Ports are the addresses IPAM handed to servers: shown here, freed when their server is deleted."""

    list_display = ("fixed_ip", "mac_address", "server", "network", "subnet", "project", "status", "created_at")
    list_filter = ("status", "device_owner", "network")
    search_fields = ("fixed_ip", "mac_address", "device_id", "id")
    list_select_related = ("network", "subnet", "project")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="server", ordering="device_id")
    def server(self, obj):
        if not obj.device_id:
            return "-"
        try:
            url = reverse("admin:compute_instance_change", args=[obj.device_id])
        except NoReverseMatch:
            return obj.device_id
        return format_html('<a href="{}">{}</a>', url, obj.device_id)
