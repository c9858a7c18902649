from django.contrib import admin

from apps.network.models import Network, Port, Subnet


class SubnetInline(admin.TabularInline):
    model = Subnet
    extra = 0
    fields = ("name", "cidr", "gateway_ip", "pool_start", "pool_end", "enable_dhcp")


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "project", "shared", "status", "admin_state_up", "mtu", "created_at")
    list_filter = ("shared", "status")
    search_fields = ("name", "id")
    inlines = [SubnetInline]


@admin.register(Subnet)
class SubnetAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "network", "cidr", "gateway_ip", "pool_start", "pool_end", "enable_dhcp")
    search_fields = ("name", "id", "cidr")


@admin.register(Port)
class PortAdmin(admin.ModelAdmin):
    list_display = ("fixed_ip", "mac_address", "device_id", "network", "subnet", "project", "status", "created_at")
    list_filter = ("status", "device_owner")
    search_fields = ("fixed_ip", "mac_address", "device_id", "id")
    list_select_related = ("network", "subnet", "project")
