"""What every app's Django admin shares: read-only pages, links, and admin actions that call the
same domain functions as the API.

An action builds the admin user's ``RequestContext`` (``admin_context``) and calls a domain
function per object (``run_each``); a refusal (a ``CloudError``) is reported for that object and
the others go on. ``confirmation_page`` asks first; ``ObjectActionsMixin`` offers a model's admin
actions on its change page.
"""

import uuid
from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from apps.common.exceptions import CloudError
from apps.identity.auth import RequestContext, context_for

EMPTY = "-"


def when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else EMPTY


def change_link(obj, text=None) -> str:
    if obj is None:
        return EMPTY
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or obj)


class ViewOnly:
    """Rows other parts of the system own: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyInline(ViewOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


ACTION_FORM_TEMPLATE = "admin/compute/action_form.html"
RETURN_TO = "_return_to"


def admin_context(request) -> RequestContext:
    """The admin user's context, as the API would build it for a session in its default project."""
    return context_for(request.user, request.user.default_project)


def request_id_of(request) -> str:
    """The id the request-id middleware gave this request (actions and casts carry it)."""
    return getattr(request, "request_id", None) or f"req-{uuid.uuid4()}"


def return_to(request) -> HttpResponseRedirect | None:
    """Back to the page the action was started from (a change page), if it said so and is ours."""
    target = request.POST.get(RETURN_TO)
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return None


def run_each(modeladmin, request, items: Iterable, call: Callable, done: str, label: Callable = str) -> int:
    """``call(ctx, item, request_id)`` for each item; report each success and each refusal.

    ``done`` is the success message with ``{}`` for the item. Returns how many succeeded.
    """
    ctx, request_id, succeeded = admin_context(request), request_id_of(request), 0
    for item in items:
        try:
            call(ctx, item, request_id)
        except CloudError as exc:
            modeladmin.message_user(request, f"{label(item)}: {exc.message}", level=messages.ERROR)
        else:
            succeeded += 1
            modeladmin.message_user(request, done.format(label(item)), level=messages.SUCCESS)
    return succeeded


def confirmation_page(modeladmin, request, queryset, *, action: str, title: str, intro: str, items: list,
                      submit: str, form=None) -> TemplateResponse:  # fmt: skip
    """An intermediate page that re-posts the selection to the changelist with ``apply``."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "items": items,
        "submit_label": submit,
        "form": form,
        "opts": opts,
        "queryset": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "return_to": request.POST.get(RETURN_TO, ""),
        "media": modeladmin.media,
    }
    return TemplateResponse(request, ACTION_FORM_TEMPLATE, context)


class ObjectActionsMixin:
    """A ModelAdmin mixin: the change page offers the admin actions for its one object."""

    change_form_template = "admin/compute/change_form_with_actions.html"
    object_actions_label = "Action:"

    def object_actions_allowed(self, obj) -> bool:
        return True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        actions = []
        if obj is not None and self.object_actions_allowed(obj):
            actions = [(name, description) for name, (_f, _n, description) in self.get_actions(request).items()]
        context = {"object_actions": actions, "object_actions_label": self.object_actions_label}
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})
