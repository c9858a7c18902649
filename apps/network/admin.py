"""The operator's admin for networks and security groups: created through the Networking API (which
validates ranges and rules, and allocates addresses under the subnet's lock); here described, and
deleted only when no port uses them."""

from django.contrib import admin
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from apps.network.models import Network, Port, SecurityGroup, SecurityGroupRule, Subnet


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

    list_display = ("fixed_ip", "mac_address", "server", "network", "subnet", "project", "groups", "status",
                    "created_at")  # fmt: skip
    list_filter = ("status", "device_owner", "network")
    search_fields = ("fixed_ip", "mac_address", "device_id", "id")
    list_select_related = ("network", "subnet", "project")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("security_groups")

    @admin.display(description="security groups")
    def groups(self, obj):
        return ", ".join(group.name or str(group.id) for group in obj.security_groups.all()) or "-"

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


class SecurityGroupRuleInline(admin.TabularInline):
    model = SecurityGroupRule
    fk_name = "security_group"
    extra = 0
    can_delete = False
    fields = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
              "remote_group", "description")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SecurityGroup)
class SecurityGroupAdmin(NoRawBulkDelete, admin.ModelAdmin):
    """Rules are added through the Networking API (which checks them as Neutron does); a group is deleted
    with its rules, and only while no port uses it."""

    list_display = ("name", "id", "project", "is_default", "stateful", "rule_count", "port_count", "created_at")
    list_filter = ("is_default", "stateful")
    search_fields = ("name", "id", "project__name")
    list_select_related = ("project",)
    readonly_fields = ("id", "project", "is_default", "stateful", "revision_number", "created_at", "updated_at")
    inlines = [SecurityGroupRuleInline]

    def get_readonly_fields(self, request, obj=None):
        fixed = ("name",) if obj is not None and obj.is_default else ()  # the default group keeps its name
        return (*self.readonly_fields, *fixed)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(rule_total=Count("rules", distinct=True), port_total=Count("ports", distinct=True))
        )

    @admin.display(description="rules", ordering="rule_total")
    def rule_count(self, obj):
        return obj.rule_total

    @admin.display(description="ports", ordering="port_total")
    def port_count(self, obj):
        return obj.port_total
