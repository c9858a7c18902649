"""What the Django admin does to servers: the admin actions of the server list and page, each
through the same domain function as the API (``apps.compute.servers``)."""

from django.contrib import admin

from apps.common.admin import confirmation_page, return_to, run_each
from apps.compute.models import Instance
from apps.compute.servers.delete import delete_server
from apps.compute.servers.power import power_action, reboot
from apps.compute.servers.state import reset_state
from apps.compute.states import api_status


def describe(instance: Instance) -> str:
    return f"{instance.name} ({instance.uuid})"


def _server_actions(modeladmin, request, queryset, call, done: str):
    run_each(modeladmin, request, queryset, lambda ctx, i, rid: call(ctx, str(i.uuid), rid), done, describe)
    return return_to(request)


@admin.action(description="Stop selected servers")
def stop_servers(modeladmin, request, queryset):
    return _server_actions(modeladmin, request, queryset, lambda c, s, r: power_action(c, s, "stop", r), "{}: stopping")


@admin.action(description="Start selected servers")
def start_servers(modeladmin, request, queryset):
    return _server_actions(
        modeladmin, request, queryset, lambda c, s, r: power_action(c, s, "start", r), "{}: starting"
    )


@admin.action(description="Reboot selected servers (soft)")
def reboot_servers(modeladmin, request, queryset):
    return _server_actions(modeladmin, request, queryset, lambda c, s, r: reboot(c, s, "SOFT", r), "{}: rebooting")


@admin.action(description="Reset state of selected servers to ERROR")
def reset_to_error(modeladmin, request, queryset):
    return _server_actions(
        modeladmin, request, queryset, lambda c, s, r: reset_state(c, s, "error", r), "{}: reset to error"
    )


@admin.action(description="Reset state of selected servers to ACTIVE")
def reset_to_active(modeladmin, request, queryset):
    return _server_actions(
        modeladmin, request, queryset, lambda c, s, r: reset_state(c, s, "active", r), "{}: reset to active"
    )


@admin.action(description="Delete selected servers (as DELETE /servers/<id>)")
def delete_servers(modeladmin, request, queryset):
    """Asks first; then deletes through ``delete_server``: the host destroys the guest,
    the row stays as deleted."""
    if request.POST.get("apply"):
        return _server_actions(modeladmin, request, queryset, delete_server, "{}: deleting")
    items = [f"{describe(i)}: {api_status(i.vm_state, i.task_state)} on {i.host or 'no host'}" for i in queryset]
    return confirmation_page(
        modeladmin,
        request,
        queryset,
        action="delete_servers",
        title="Delete servers",
        intro="These servers will be deleted as through the API: a live host destroys each guest and frees its "
        "resources; a server on a down host, or on none, is marked deleted at once.",
        items=items,
        submit="Yes, delete them",
    )


SERVER_ACTIONS = (stop_servers, start_servers, reboot_servers, delete_servers, reset_to_error, reset_to_active)
