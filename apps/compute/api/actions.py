"""``POST /v2.1/servers/{id}/action``: one body key names the action, as in Nova."""

import secrets

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.compute import lifecycle, operations
from apps.compute.api import builders, validation
from apps.identity import policy
from apps.identity.auth import request_context
from cloudcore.exceptions import BadRequest


def _body(value, action: str) -> dict:
    """The action's argument object (``null`` counts as empty for actions that take none)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise validation.invalid(action, f"Value: {value!r}. {value!r} is not of type 'object'")
    return value


def _power(rule, action: str):
    def handler(request, ctx, server_id, value):
        _body(value, action)
        lifecycle.power_action(ctx, server_id, rule, request.request_id)
        return Response(status=202)

    return handler


def _reboot(request, ctx, server_id, value):
    body = _body(value, "reboot")
    reboot_type = body.get("type")
    if not isinstance(reboot_type, str) or reboot_type.upper() not in ("SOFT", "HARD"):
        raise validation.invalid("type", f"Value: {reboot_type!r}. It must be one of 'SOFT' or 'HARD'")
    lifecycle.reboot(ctx, server_id, reboot_type.upper(), request.request_id)
    return Response(status=202)


def _rebuild(request, ctx, server_id, value):
    body = _body(value, "rebuild")
    if "imageRef" not in body:
        raise validation.invalid("rebuild", "'imageRef' is a required property")
    image_ref = validation.ref(body["imageRef"], "imageRef")
    name = validation.name(body["name"]) if "name" in body else None
    instance = lifecycle.rebuild(ctx, server_id, image_ref, name, request.request_id)
    return Response({"server": builders.server_detail(request, instance, ctx)}, status=202)


def _resize(request, ctx, server_id, value):
    body = _body(value, "resize")
    if "flavorRef" not in body:
        raise validation.invalid("resize", "'flavorRef' is a required property")
    lifecycle.resize(ctx, server_id, validation.ref(body["flavorRef"], "flavorRef"), request.request_id)
    return Response(status=202)


def _migrate(request, ctx, server_id, value):
    _body(value, "migrate")
    policy.enforce(ctx, "os_compute_api:os-migrate-server:migrate")
    lifecycle.resize(ctx, server_id, None, request.request_id)
    return Response(status=202)


def _confirm(request, ctx, server_id, value):
    _body(value, "confirmResize")
    lifecycle.confirm_resize(ctx, server_id, request.request_id)
    return Response(status=204)


def _revert(request, ctx, server_id, value):
    _body(value, "revertResize")
    lifecycle.revert_resize(ctx, server_id, request.request_id)
    return Response(status=202)


def _create_image(request, ctx, server_id, value):
    body = _body(value, "createImage")
    if "name" not in body:
        raise validation.invalid("createImage", "'name' is a required property")
    name = validation.name(body["name"])
    metadata = validation.metadata(body.get("metadata", {}))
    image = lifecycle.create_image(ctx, server_id, name, metadata, request.request_id)
    location = request.build_absolute_uri(f"/image/v2/images/{image.id}")
    return Response({"image_id": str(image.id)}, status=202, headers={"Location": location})


def _console(request, ctx, server_id, value):
    body = _body(value, "os-getConsoleOutput")
    length = body.get("length")
    if length is not None:
        length = validation.integer(length, "length", -1)
        length = None if length == -1 else length
    return Response({"output": lifecycle.console_output(ctx, server_id, length)})


def _lock(request, ctx, server_id, value):
    reason = _body(value, "lock").get("locked_reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 255):
        raise validation.invalid("locked_reason", "Expected a string of at most 255 characters")
    lifecycle.lock(ctx, server_id, reason, request.request_id)
    return Response(status=202)


def _unlock(request, ctx, server_id, value):
    _body(value, "unlock")
    lifecycle.unlock(ctx, server_id, request.request_id)
    return Response(status=202)


def _reset_state(request, ctx, server_id, value):
    state = _body(value, "os-resetState").get("state")
    lifecycle.reset_state(ctx, server_id, state, request.request_id)
    return Response(status=202)


def _evacuate(request, ctx, server_id, value):
    body = _body(value, "evacuate")
    host = body.get("host")
    if host is not None and (not isinstance(host, str) or not host):
        raise validation.invalid("host", "Expected a host name")
    lifecycle.evacuate(ctx, server_id, host, request.request_id)
    return Response({"adminPass": secrets.token_urlsafe(12)}, status=200)


def _force_delete(request, ctx, server_id, value):
    _body(value, "forceDelete")
    operations.delete_server(ctx, server_id, request.request_id, action="forceDelete")
    return Response(status=202)


ACTIONS = {
    "os-start": _power("start", "os-start"),
    "os-stop": _power("stop", "os-stop"),
    "pause": _power("pause", "pause"),
    "unpause": _power("unpause", "unpause"),
    "suspend": _power("suspend", "suspend"),
    "resume": _power("resume", "resume"),
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
        return handler(request, ctx, server_id, value)
