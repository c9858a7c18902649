"""The operator's admin for compute: servers (acted on only through the domain), their trail,
flavors, key pairs, quotas, server groups and migrations."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.common.admin import EMPTY, ObjectActionsMixin, ViewOnly, ViewOnlyInline, change_link, run_each, when
from apps.common.exceptions import BadRequest
from apps.compute import admin_operations
from apps.compute.api import validation
from apps.compute.models import (
    Flavor,
    Instance,
    InstanceAction,
    InstanceActionEvent,
    InstanceFault,
    KeyPair,
    Migration,
    QuotaLimit,
    ServerGroup,
)
from apps.compute.servers.delete import delete_server
from apps.compute.states import api_status
from apps.hosts.models import Allocation
from core.power_state import PowerState


def render_events(action: InstanceAction) -> str:
    """An action's events as a small table, a failed event's traceback folded under it."""
    events = list(action.events.all())
    if not events:
        return EMPTY

    def extra(event):
        traceback = format_html("<details><summary>traceback</summary><pre>{}</pre></details>", event.traceback)
        return format_html("{}{}", event.details or "", traceback if event.traceback else "")

    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td><strong>{}</strong></td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (e.event, e.host or EMPTY, e.result or "running", when(e.start_time), when(e.finish_time), extra(e))
            for e in events
        ),
    )
    head = "<tr><th>event</th><th>host</th><th>result</th><th>started</th><th>finished</th><th>details</th></tr>"
    return format_html('<table class="events">{}{}</table>', mark_safe(head), rows)


class InstanceActionInline(ViewOnlyInline):
    model = InstanceAction
    fields = ("action", "request_id", "user_id", "start_time", "finish_time", "message", "events")
    readonly_fields = fields
    verbose_name_plural = "Actions (with their events)"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("events")

    @admin.display(description="events")
    def events(self, action):
        return render_events(action)


class InstanceFaultInline(ViewOnlyInline):
    model = InstanceFault
    fields = ("created_at", "code", "message", "host", "details")
    readonly_fields = fields
    verbose_name_plural = "Faults"
    show_change_link = False


class MigrationInline(ViewOnlyInline):
    model = Migration
    fields = ("migration_type", "status", "source_compute", "dest_compute", "request_id", "created_at")
    readonly_fields = fields


class AllocationInline(ViewOnlyInline):
    model = Allocation
    fields = ("node", "vcpus", "memory_mb", "disk_gb", "created_at")
    readonly_fields = fields
    verbose_name_plural = "Resources held (allocations)"


class DeletedFilter(admin.SimpleListFilter):
    """Live servers unless asked otherwise: deleted rows stay for changes-since and the trail."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return (("no", "Not deleted"), ("yes", "Deleted"), ("all", "All"))

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "no") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=(value == "no"))


EDITABLE = ("name", "description", "metadata")


class InstanceForm(forms.ModelForm):
    """Only what ``PUT /servers/<id>`` and the metadata API may change, with the API's checks."""

    class Meta:
        model = Instance
        fields = EDITABLE

    def _api_check(self, check, value):
        try:
            return check(value)
        except BadRequest as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_name(self):
        return self._api_check(validation.name, self.cleaned_data["name"])

    def clean_description(self):
        return self.cleaned_data["description"] or None

    def clean_metadata(self):
        return self._api_check(validation.metadata, self.cleaned_data["metadata"] or {})


@admin.register(Instance)
class InstanceAdmin(ObjectActionsMixin, admin.ModelAdmin):
    form = InstanceForm
    object_actions_label = "Server action:"
    list_display = ("name", "uuid", "status", "task_state", "host", "flavor_name", "project", "created_at")
    list_filter = (DeletedFilter, "vm_state", "task_state", "host", "project")
    search_fields = ("name", "uuid")
    list_select_related = ("project",)
    date_hierarchy = "created_at"
    actions = admin_operations.SERVER_ACTIONS
    readonly_fields = (
        "uuid", "status", "project", "user", "created_at", "updated_at", "latest_fault", "vm_state", "task_state",
        "power", "host", "node", "availability_zone", "locked", "locked_by", "locked_reason", "task_id",
        "attempt_id", "attempts", "alternate_hosts", "launched_at", "terminated_at", "deleted_at", "flavor_summary",
        "flavor", "image", "image_ref", "key_name", "reservation_id", "request_spec", "tags", "addresses",
    )  # fmt: skip
    inlines = [InstanceActionInline, InstanceFaultInline, MigrationInline, AllocationInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ("uuid", "name", "description", "status", ("project", "user"), "created_at")}),
            (
                "State, kept by the state machine: change it with the server actions",
                {
                    "fields": (
                        ("vm_state", "task_state", "power"),
                        ("host", "node", "availability_zone"),
                        ("locked", "locked_by", "locked_reason"),
                        ("task_id", "attempt_id"),
                        ("attempts", "alternate_hosts"),
                        ("launched_at", "terminated_at", "deleted_at", "updated_at"),
                    )
                },
            ),
            ("Boot", {"fields": ("flavor_summary", "image", "image_ref", "key_name", "reservation_id")}),
            ("Metadata", {"fields": ("metadata", "tags", "addresses")}),
            ("As stored", {"fields": ("flavor", "request_spec"), "classes": ("collapse",)}),
        ]
        if obj is not None and obj.faults.exists():
            fieldsets.insert(0, ("Latest fault", {"fields": ("latest_fault",)}))
        return fieldsets

    @admin.display(description="status", ordering="vm_state")
    def status(self, obj):
        return api_status(obj.vm_state, obj.task_state)

    @admin.display(description="flavor")
    def flavor_name(self, obj):
        return (obj.flavor or {}).get("name", EMPTY)

    @admin.display(description="power state")
    def power(self, obj):
        return PowerState.NAMES.get(obj.power_state, str(obj.power_state))

    @admin.display(description="flavor")
    def flavor_summary(self, obj):
        f = obj.flavor or {}
        return (
            f"{f.get('name', '?')} ({f.get('flavorid', '?')}): {f.get('vcpus', '?')} vCPU, "
            f"{f.get('memory_mb', '?')} MB RAM, {f.get('root_gb', '?')} GB disk"
        )

    @admin.display(description="latest fault")
    def latest_fault(self, obj):
        fault = obj.faults.first()
        if fault is None:
            return EMPTY
        details = format_html("<pre>{}</pre>", fault.details) if fault.details else ""
        return format_html(
            '<div class="errornote"><strong>{} {}</strong><br>on {} at {}{}</div>',
            fault.code, fault.message, fault.host or "no host", when(fault.created_at), details,
        )  # fmt: skip

    @admin.display(description="addresses")
    def addresses(self, obj):
        ports = obj.network_info()
        return format_html_join(", ", "{} on {} ({})", ((p["ip"], p["network"], p["mac"]) for p in ports)) or EMPTY

    def object_actions_allowed(self, obj):
        return not obj.deleted

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a raw row delete would bypass the state machine
        return actions

    def has_add_permission(self, request):
        return False  # servers are created through the API (quota, scheduling, networks)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.deleted)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.deleted)

    def save_model(self, request, obj, form, change):
        """Write only the fields edited here, so a state change made meanwhile is never overwritten."""
        fields = [name for name in form.changed_data if name in EDITABLE]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def delete_view(self, request, object_id, extra_context=None):
        """The delete button asks, then deletes through ``delete_server``."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        response = admin_operations.delete_servers(self, request, self.get_queryset(request).filter(pk=obj.pk))
        return response or HttpResponseRedirect(reverse("admin:compute_instance_changelist"))

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        run_each(
            self, request, queryset, lambda ctx, i, rid: delete_server(ctx, str(i.uuid), rid),
            "{}: deleting", admin_operations.describe,
        )  # fmt: skip


class InstanceActionEventInline(ViewOnlyInline):
    model = InstanceActionEvent
    fields = ("event", "host", "result", "start_time", "finish_time", "details", "traceback")
    readonly_fields = fields
    show_change_link = False


@admin.register(InstanceAction)
class InstanceActionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("action", "server", "request_id", "user_id", "start_time", "finish_time", "message")
    list_filter = ("action", "message")
    search_fields = ("request_id", "instance__uuid", "instance__name")
    list_select_related = ("instance",)
    date_hierarchy = "start_time"
    inlines = [InstanceActionEventInline]

    @admin.display(description="server", ordering="instance__name")
    def server(self, obj):
        return change_link(obj.instance, obj.instance.name)


@admin.register(InstanceActionEvent)
class InstanceActionEventAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("event", "action", "host", "result", "start_time", "finish_time")
    list_filter = ("result", "event", "host")
    search_fields = ("action__request_id", "action__instance__uuid", "event")
    list_select_related = ("action",)


@admin.register(InstanceFault)
class InstanceFaultAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("created_at", "server", "code", "message", "host")
    list_filter = ("code", "host")
    search_fields = ("message", "instance__uuid", "instance__name")
    list_select_related = ("instance",)
    date_hierarchy = "created_at"

    @admin.display(description="server", ordering="instance__name")
    def server(self, obj):
        return change_link(obj.instance, obj.instance.name)


@admin.register(Migration)
class MigrationAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("id", "server", "migration_type", "status", "source_compute", "dest_compute", "created_at")
    list_filter = ("status", "migration_type", "source_compute", "dest_compute")
    search_fields = ("uuid", "instance__uuid", "instance__name", "request_id")
    list_select_related = ("instance",)

    @admin.display(description="server", ordering="instance__name")
    def server(self, obj):
        return change_link(obj.instance, obj.instance.name)


@admin.register(Flavor)
class FlavorAdmin(admin.ModelAdmin):
    list_display = ("name", "flavorid", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "swap", "is_public",
                    "disabled")  # fmt: skip
    list_filter = ("is_public", "disabled")
    search_fields = ("name", "flavorid")
    SIZING = ("flavorid", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "swap", "rxtx_factor")

    def get_readonly_fields(self, request, obj=None):
        return self.SIZING if obj is not None else ()  # as in Nova, a flavor's size never changes


@admin.register(KeyPair)
class KeyPairAdmin(admin.ModelAdmin):
    """Public keys only (private keys are never kept); created through the API, deletable here."""

    list_display = ("name", "user", "type", "fingerprint", "created_at")
    list_filter = ("type",)
    search_fields = ("name", "fingerprint", "user__username")
    list_select_related = ("user",)
    fields = ("name", "user", "type", "fingerprint", "public_key", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuotaLimitForm(forms.ModelForm):
    resource = forms.ChoiceField(choices=[])

    class Meta:
        model = QuotaLimit
        fields = ("project", "resource", "hard_limit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [(name, name) for name in settings.QUOTA_DEFAULTS]
        self.fields["hard_limit"].min_value = -1


@admin.register(QuotaLimit)
class QuotaLimitAdmin(admin.ModelAdmin):
    form = QuotaLimitForm
    list_display = ("project", "resource", "hard_limit", "default")
    list_filter = ("resource", "project")
    search_fields = ("project__name", "project__id", "resource")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)

    @admin.display(description="default")
    def default(self, obj):
        return settings.QUOTA_DEFAULTS.get(obj.resource, EMPTY)


@admin.register(ServerGroup)
class ServerGroupAdmin(admin.ModelAdmin):
    """Created through the API (quota, policy checks); shown and deletable here."""

    list_display = ("name", "uuid", "policy", "project", "user", "member_count", "created_at")
    list_filter = ("policy",)
    search_fields = ("name", "uuid", "project__name")
    list_select_related = ("project", "user")
    fields = ("uuid", "name", "policy", "rules", "project", "user", "member_list", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    @admin.display(description="members")
    def member_list(self, obj):
        members = obj.members.all()
        return format_html_join(", ", "{}", ((change_link(m, m.name),) for m in members)) or EMPTY
