"""``POST /v2.1/servers/{id}/action``: one body key names the action, as in Nova."""

import secrets

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest
from apps.common.microversion import at_least
from apps.compute.api import builders, validation
from apps.compute.servers.console import console_output
from apps.compute.servers.delete import delete_server
from apps.compute.servers.move import confirm_resize, evacuate, resize, revert_resize
from apps.compute.servers.power import power_action, reboot
from apps.compute.servers.rebuild import rebuild
from apps.compute.servers.snapshot import create_image
from apps.compute.servers.state import lock, reset_state, unlock
from apps.identity import policy
from apps.identity.auth import request_context


def _body(value, action: str) -> dict:
    """The action's argument object, checked once for every action (``null`` counts as empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise validation.invalid(action, f"Value: {value!r}. {value!r} is not of type 'object'")
    return value


def _power(rule):
    def handler(request, ctx, server_id, _args):
        power_action(ctx, server_id, rule, request.request_id)
        return Response(status=202)

    return handler


def _reboot(request, ctx, server_id, body):
    reboot_type = body.get("type")
    if not isinstance(reboot_type, str) or reboot_type.upper() not in ("SOFT", "HARD"):
        raise validation.invalid("type", f"Value: {reboot_type!r}. It must be one of 'SOFT' or 'HARD'")
    reboot(ctx, server_id, reboot_type.upper(), request.request_id)
    return Response(status=202)


def _rebuild(request, ctx, server_id, body):
    if "imageRef" not in body:
        raise validation.invalid("rebuild", "'imageRef' is a required property")
    image_ref = validation.ref(body["imageRef"], "imageRef")
    name = validation.name(body["name"]) if "name" in body else None
    admin_pass = body.get("adminPass")
    if admin_pass is not None and (not isinstance(admin_pass, str) or not 0 < len(admin_pass) <= 255):
        raise validation.invalid("adminPass", "Expected a string of 1 to 255 characters")
    instance = rebuild(ctx, server_id, image_ref, name, request.request_id)
    server = {**builders.server_changed(request, instance, ctx), "adminPass": admin_pass or secrets.token_urlsafe(12)}
    return Response({"server": server}, status=202)


def _resize(request, ctx, server_id, body):
    if "flavorRef" not in body:
        raise validation.invalid("resize", "'flavorRef' is a required property")
    resize(ctx, server_id, validation.ref(body["flavorRef"], "flavorRef"), request.request_id)
    return Response(status=202)


def _migrate(request, ctx, server_id, _args):
    policy.enforce(ctx, "os_compute_api:os-migrate-server:migrate")
    resize(ctx, server_id, None, request.request_id)
    return Response(status=202)


def _confirm(request, ctx, server_id, _args):
    confirm_resize(ctx, server_id, request.request_id)
    return Response(status=204)


def _revert(request, ctx, server_id, _args):
    revert_resize(ctx, server_id, request.request_id)
    return Response(status=202)


def _create_image(request, ctx, server_id, body):
    if "name" not in body:
        raise validation.invalid("createImage", "'name' is a required property")
    name = validation.name(body["name"])
    metadata = validation.metadata(body.get("metadata", {}))
    image = create_image(ctx, server_id, name, metadata, request.request_id)
    location = request.build_absolute_uri(f"/image/v2/images/{image.id}")
    body = {"image_id": str(image.id)} if at_least(request, "2.45") else None  # Location alone before 2.45
    return Response(body, status=202, headers={"Location": location})


def _console(request, ctx, server_id, body):
    length = body.get("length")
    if length is not None:
        length = validation.integer(length, "length", -1)
        length = None if length == -1 else length
    return Response({"output": console_output(ctx, server_id, length)})


def _lock(request, ctx, server_id, body):
    reason = body.get("locked_reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 255):
        raise validation.invalid("locked_reason", "Expected a string of at most 255 characters")
    lock(ctx, server_id, reason, request.request_id)
    return Response(status=202)


def _unlock(request, ctx, server_id, _args):
    unlock(ctx, server_id, request.request_id)
    return Response(status=202)


def _reset_state(request, ctx, server_id, body):
    state = body.get("state")
    reset_state(ctx, server_id, state, request.request_id)
    return Response(status=202)


def _evacuate(request, ctx, server_id, body):
    host = body.get("host")
    if host is not None and (not isinstance(host, str) or not host):
        raise validation.invalid("host", "Expected a host name")
    evacuate(ctx, server_id, host, request.request_id)
    if at_least(request, "2.14"):  # Nova stopped returning a password for an evacuated server
        return Response(status=200)
    return Response({"adminPass": secrets.token_urlsafe(12)}, status=200)


def _force_delete(request, ctx, server_id, _args):
    delete_server(ctx, server_id, request.request_id, action="forceDelete")
    return Response(status=202)


ACTIONS = {
    "os-start": _power("start"),
    "os-stop": _power("stop"),
    "pause": _power("pause"),
    "unpause": _power("unpause"),
    "suspend": _power("suspend"),
    "resume": _power("resume"),
    "reboot": _reboot,
    "rebuild": _rebuild,
    "resize": _resize,
    "confirmResize": _confirm,
    "revertResize": _revert,
    "migrate": _migrate,
    "createImage": _create_image,
    "os-getConsoleOutput": _console,
    "lock": _lock,
    "unlock": _unlock,
    "os-resetState": _reset_state,
    "forceDelete": _force_delete,
    "evacuate": _evacuate,
}


class ServerActionView(APIView):
    """Server actions: ``{"os-stop": null}``, ``{"reboot": {"type": "SOFT"}}``, ..."""

    def post(self, request, server_id):
        ctx = request_context(request)
        data = request.data
        if not isinstance(data, dict) or len(data) != 1:
            raise BadRequest('Malformed request body: expected one action, e.g. {"os-stop": null}')
        ((name, value),) = data.items()
        handler = ACTIONS.get(name)
        if handler is None:
            raise BadRequest(f"There is no such action: {name}")
        return handler(request, ctx, server_id, _body(value, name))
