"""What the Django admin does to services and hosts, the way the operator APIs do it.

``update_service`` is what ``PUT /os-services/<id>`` does (the row locked, ``save()`` so that
``updated_at`` moves, which schedulers watch); evacuation calls ``evacuate`` per server,
as ``POST /servers/<id>/action {"evacuate": {}}`` does.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction

from apps.common.admin import confirmation_page, return_to, run_each
from apps.compute.admin_operations import describe
from apps.compute.models import Instance
from apps.compute.servers.move import evacuate
from apps.compute.states import api_status
from apps.hosts.models import Service

_UNSET = object()


def update_service(service_pk, *, disabled=None, reason=_UNSET, forced_down=None) -> Service:
    """Enable/disable (with a reason) and force down or up, as the services API does."""
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service_pk)
        if disabled is not None:
            service.disabled = disabled
            service.disabled_reason = "" if not disabled else service.disabled_reason
        if reason is not _UNSET:
            service.disabled_reason = reason if service.disabled else ""
        if forced_down is not None:
            service.forced_down = forced_down
        service.save()  # bumps updated_at, which schedulers watch
    return service


def is_up(service: Service) -> bool:
    return service.is_up(settings.SERVICE_DOWN_TIME)


def _each_service(modeladmin, request, queryset, done: str, **changes):
    for service in queryset:
        update_service(service.pk, **changes)
        modeladmin.message_user(request, done.format(service), level=messages.SUCCESS)
    return return_to(request)


class DisableForm(forms.Form):
    reason = forms.CharField(
        max_length=255, help_text="Shown as the service's disabled_reason (e.g. 'maintenance, ticket 1234')."
    )


@admin.action(description="Disable selected services (asks for a reason)")
def disable_services(modeladmin, request, queryset):
    form = DisableForm(request.POST if request.POST.get("apply") else None)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        return _each_service(modeladmin, request, queryset, "{}: disabled", disabled=True, reason=reason)
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action="disable_services",
        title="Disable services",
        intro="The scheduler stops placing new servers on these hosts; their servers keep running.",
        items=[f"{s}: {'disabled' if s.disabled else 'enabled'}" for s in queryset],
        submit="Disable",
        form=form,
    )


@admin.action(description="Enable selected services")
def enable_services(modeladmin, request, queryset):
    return _each_service(modeladmin, request, queryset, "{}: enabled", disabled=False)


@admin.action(description="Force selected services down")
def force_down(modeladmin, request, queryset):
    return _each_service(modeladmin, request, queryset, "{}: forced down", forced_down=True)


@admin.action(description="Unforce selected services down")
def unforce_down(modeladmin, request, queryset):
    return _each_service(modeladmin, request, queryset, "{}: no longer forced down", forced_down=False)


def servers_on(hosts) -> list[Instance]:
    return list(Instance.objects.filter(host__in=list(hosts), deleted_at__isnull=True).order_by("host", "name"))


@admin.action(description="Evacuate the servers of the selected hosts (hosts must be down)")
def evacuate_hosts(modeladmin, request, queryset):
    """Asks first; then rebuilds every server of each host elsewhere, through the scheduler."""
    hosts = sorted({s.host for s in queryset})
    servers = servers_on(hosts)
    if request.POST.get("apply"):
        if not servers:
            modeladmin.message_user(request, f"No servers on {', '.join(hosts)}", level=messages.WARNING)

        def evacuate_one(ctx, instance, request_id):
            evacuate(ctx, str(instance.uuid), None, request_id)

        run_each(modeladmin, request, servers, evacuate_one, "{}: evacuating", describe)
        return return_to(request)
    up = [s.host for s in queryset if is_up(s)]
    intro = (
        "Each server below is rebuilt on another host chosen by the scheduler. Only a host that is down (or "
        "forced down) can be evacuated; a running guest would be duplicated."
    )
    if up:
        intro += f" Still up, so their servers will be refused: {', '.join(sorted(set(up)))}."
    items = [f"{describe(i)}: {api_status(i.vm_state, i.task_state)} on {i.host}" for i in servers]
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action="evacuate_hosts",
        title="Evacuate hosts",
        intro=intro,
        items=items or [f"No servers on {', '.join(hosts)}"],
        submit="Yes, evacuate",
    )


SERVICE_ACTIONS = (disable_services, enable_services, force_down, unforce_down, evacuate_hosts)
