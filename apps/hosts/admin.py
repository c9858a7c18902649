"""The operator's admin for hosts: services (disable, force down, evacuate), compute nodes' usage
against capacity, allocations, and aggregates."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.html import format_html_join

from apps.common.admin import EMPTY, ObjectActionsMixin, ViewOnly, ViewOnlyInline, change_link
from apps.common.exceptions import BadRequest
from apps.compute.api import validation
from apps.compute.models import Instance
from apps.hosts import admin_operations
from apps.hosts.models import Aggregate, AggregateHost, Allocation, ComputeNode, HostCertificate, Service
from apps.hosts.zones import zone_conflict
from core.names import COMPUTE_BINARY


def up_filter(prefix: str = "") -> Q:
    """Matches the services ``Service.is_up`` calls up (not forced down, heard from recently)."""
    since = timezone.now() - timedelta(seconds=settings.SERVICE_DOWN_TIME)
    return Q(**{f"{prefix}forced_down": False, f"{prefix}last_seen_up__gte": since})


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"
    prefix = ""

    def lookups(self, request, model_admin):
        return (("up", "up"), ("down", "down"))

    def queryset(self, request, queryset):
        if self.value() == "up":
            return queryset.filter(up_filter(self.prefix))
        if self.value() == "down":
            return queryset.exclude(up_filter(self.prefix))
        return queryset


class NodeStateFilter(StateFilter):
    prefix = "service__"


def state_of(service: Service) -> str:
    return "up" if admin_operations.is_up(service) else "down"


def status_of(service: Service) -> str:
    if not service.disabled:
        return "enabled"
    return f"disabled ({service.disabled_reason})" if service.disabled_reason else "disabled"


@admin.register(Service)
class ServiceAdmin(ObjectActionsMixin, ViewOnly, admin.ModelAdmin):
    """Services register themselves by heartbeat; operators change them only through the actions."""

    object_actions_label = "Service action:"
    list_display = ("host", "binary", "zone", "status", "state", "forced_down", "last_seen_up", "updated_at")
    list_filter = ("binary", "disabled", "forced_down", StateFilter)
    search_fields = ("host", "binary")
    actions = admin_operations.SERVICE_ACTIONS
    fields = ("uuid", "host", "binary", "topic", "zone", "status", "state", "forced_down", "last_seen_up",
              "report_count", "servers", "created_at", "updated_at")  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        """Each row's zone in the same query: the zone of an aggregate holding the host, if any."""
        zones = AggregateHost.objects.filter(host=OuterRef("host"), aggregate__metadata__has_key="availability_zone")
        zone = KeyTextTransform("availability_zone", "aggregate__metadata")
        zones = zones.order_by("aggregate_id").annotate(zone=zone).values("zone")
        return super().get_queryset(request).annotate(zone_name=Subquery(zones[:1], output_field=CharField()))

    @admin.display(description="zone")
    def zone(self, obj):
        if obj.binary != COMPUTE_BINARY:
            return "internal"
        return getattr(obj, "zone_name", None) or settings.DEFAULT_AVAILABILITY_ZONE

    def has_delete_permission(self, request, obj=None):
        """As the services API: a service hosting servers cannot be deleted."""
        if obj is not None and Instance.objects.filter(host=obj.host, deleted_at__isnull=True).exists():
            return False
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def get_deleted_objects(self, objs, request):
        """A service's compute nodes go with it, as in the API (they are not deletable on their own)."""
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description="status", ordering="disabled")
    def status(self, obj):
        return status_of(obj)

    @admin.display(description="state", ordering="last_seen_up")
    def state(self, obj):
        return state_of(obj)

    @admin.display(description="servers on this host")
    def servers(self, obj):
        servers = Instance.objects.filter(host=obj.host, deleted_at__isnull=True).order_by("name")
        return format_html_join(", ", "{}", ((change_link(s, s.name),) for s in servers)) or EMPTY

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class AllocationInline(ViewOnlyInline):
    model = Allocation
    fields = ("instance", "vcpus", "memory_mb", "disk_gb", "created_at")
    readonly_fields = fields
    verbose_name_plural = "Allocations (claims of the servers on this node)"


def usage(used: int, total: int, ratio: float, unit: str = "") -> str:
    """``used / total`` and, when the allocation ratio changes it, the capacity the scheduler uses."""
    capacity = total * ratio
    text = f"{used} / {total}{unit}"
    if ratio != 1.0:
        text += f" (x{ratio:g} = {capacity:g})"
    percent = f"{100 * used / capacity:.0f}%" if capacity else "-"
    return f"{text}, {percent}"


@admin.register(ComputeNode)
class ComputeNodeAdmin(ViewOnly, admin.ModelAdmin):
    """What each hypervisor has (its reports) and what is claimed on it (the scheduler's claims)."""

    list_display = ("hypervisor_hostname", "host", "state", "status", "vcpus_usage", "ram_usage", "disk_usage",
                    "running_vms", "failed_builds", "updated_at")  # fmt: skip
    list_filter = (NodeStateFilter, "service__disabled", "hypervisor_type", "cpu_arch")
    search_fields = ("hypervisor_hostname", "host")
    list_select_related = ("service",)
    readonly_fields = ("state", "status", "vcpus_usage", "ram_usage", "disk_usage")
    fieldsets = (
        (None, {"fields": ("hypervisor_hostname", "host", "service", "state", "status", "uuid")}),
        (
            "Usage against capacity",
            {"fields": ("vcpus_usage", "ram_usage", "disk_usage", "running_vms", "failed_builds")},
        ),  # fmt: skip
        (
            "As reported",
            {
                "fields": (
                    "vcpus",
                    "vcpus_used",
                    "cpu_allocation_ratio",
                    "memory_mb",
                    "memory_mb_used",
                    "ram_allocation_ratio",
                    "local_gb",
                    "local_gb_used",
                    "disk_allocation_ratio",
                    "hypervisor_type",
                    "hypervisor_version",
                    "cpu_arch",
                    "created_at",
                    "updated_at",
                )
            },
        ),  # fmt: skip
    )
    inlines = [AllocationInline]

    @admin.display(description="state")
    def state(self, obj):
        return state_of(obj.service)

    @admin.display(description="status")
    def status(self, obj):
        return status_of(obj.service)

    @admin.display(description="vCPUs used")
    def vcpus_usage(self, obj):
        return usage(obj.vcpus_used, obj.vcpus, obj.cpu_allocation_ratio)

    @admin.display(description="RAM used (MB)")
    def ram_usage(self, obj):
        return usage(obj.memory_mb_used, obj.memory_mb, obj.ram_allocation_ratio)

    @admin.display(description="disk used (GB)")
    def disk_usage(self, obj):
        return usage(obj.local_gb_used, obj.local_gb, obj.disk_allocation_ratio)


@admin.register(Allocation)
class AllocationAdmin(ViewOnly, admin.ModelAdmin):
    """Claims are written with the node's usage in one transaction; never edited by hand."""

    list_display = ("instance", "node", "vcpus", "memory_mb", "disk_gb", "created_at")
    list_filter = ("node",)
    search_fields = ("instance__uuid", "instance__name", "node__hypervisor_hostname")
    list_select_related = ("instance", "node")


@admin.register(HostCertificate)
class HostCertificateAdmin(ViewOnly, admin.ModelAdmin):
    """Certificates are issued and revoked with manage.py enroll_node and revoke_node."""

    list_display = ("host", "serial", "address", "not_after", "revoked_at")
    list_filter = ("host",)
    search_fields = ("host", "serial", "fingerprint")


class AggregateForm(forms.ModelForm):
    """As the aggregates API: string metadata, and a zone name without ':'."""

    class Meta:
        model = Aggregate
        fields = ("name", "metadata")

    def clean_metadata(self):
        metadata = self.cleaned_data["metadata"] or {}
        try:
            validation.metadata(metadata)
            zone = metadata.get("availability_zone")
            if zone is not None and ":" in validation.name(zone, "availability_zone"):
                raise validation.invalid("availability_zone", "A zone name may not contain ':'")
        except BadRequest as exc:
            raise forms.ValidationError(exc.message) from None
        return metadata


class AggregateHostFormSet(forms.BaseInlineFormSet):
    """As the aggregates API: hosts must be compute hosts, and a host lives in one zone."""

    def clean(self):
        super().clean()
        zone = (self.instance.metadata or {}).get("availability_zone")
        known = set(Service.objects.filter(binary=COMPUTE_BINARY).values_list("host", flat=True))
        for form in self.forms:
            host = form.cleaned_data.get("host") if hasattr(form, "cleaned_data") else None
            if not host or form.cleaned_data.get("DELETE"):
                continue
            if host not in known:
                form.add_error("host", f"Compute host {host} could not be found.")
            elif other := zone_conflict(self.instance, host, zone):
                zone_name = other.availability_zone
                form.add_error(
                    "host", f"Host {host} is already in availability zone {zone_name} (aggregate {other.name})"
                )


class AggregateHostInline(admin.TabularInline):
    model = AggregateHost
    formset = AggregateHostFormSet
    extra = 1


@admin.register(Aggregate)
class AggregateAdmin(admin.ModelAdmin):
    form = AggregateForm
    list_display = ("name", "availability_zone", "host_list", "metadata", "updated_at")
    search_fields = ("name", "hosts__host")
    readonly_fields = ("uuid", "created_at", "updated_at")
    inlines = [AggregateHostInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("hosts")

    @admin.display(description="availability zone")
    def availability_zone(self, obj):
        return obj.availability_zone or EMPTY

    @admin.display(description="hosts")
    def host_list(self, obj):
        return ", ".join(sorted(h.host for h in obj.hosts.all())) or EMPTY

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        """As the API: remove an aggregate's hosts before the aggregate."""
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.hosts.exists())


@admin.register(AggregateHost)
class AggregateHostAdmin(ViewOnly, admin.ModelAdmin):
    """Membership is edited on the aggregate's page, where the zone rules are checked."""

    list_display = ("host", "aggregate", "zone")
    list_filter = ("aggregate",)
    search_fields = ("host", "aggregate__name")
    list_select_related = ("aggregate",)

    @admin.display(description="zone")
    def zone(self, obj):
        return obj.aggregate.availability_zone or EMPTY
