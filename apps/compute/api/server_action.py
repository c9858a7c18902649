"""``POST /v2.1/servers/{id}/action``: one body key names the action, as in Nova."""

import secrets

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest
from apps.common.microversion import at_least
from apps.common.schemas import boolean
from apps.compute.api import builders, validation
from apps.compute.api.schemas import servers as schemas
from apps.compute.api.server_extras import ACCESS_FIELDS
from apps.compute.servers import security
from apps.compute.servers.console import console_output
from apps.compute.servers.delete import delete_server, restore_server
from apps.compute.servers.lookup import get_key_pair
from apps.compute.servers.move import confirm_resize, evacuate, migrate, resize, revert_resize
from apps.compute.servers.power import power_action, reboot
from apps.compute.servers.rebuild import rebuild
from apps.compute.servers.snapshot import create_image
from apps.compute.servers.state import inject_network_info, lock, reset_state, unlock
from apps.identity.auth import request_context


def _power(rule):
    def handler(request, ctx, server_id, _args):
        power_action(ctx, server_id, rule, request.request_id)
        return Response(status=202)

    return handler


def _reboot(request, ctx, server_id, body):
    reboot(ctx, server_id, body["type"].upper(), request.request_id)
    return Response(status=202)


def _rebuild(request, ctx, server_id, body):
    image_ref = validation.ref(body["imageRef"], "imageRef")
    admin_pass = body.get("adminPass")
    other = {column: body[field] or None for field, column in ACCESS_FIELDS.items() if field in body}
    other.update({field: body[field] for field in ("metadata", "description") if field in body})
    # Later microversions' fields (the schema of the request's version admits only its own).
    other.update({f: body[f] for f in ("user_data", "trusted_image_certificates", "hostname") if f in body})
    if "key_name" in body:  # 2.54: a new key pair, or none
        other.update(_key_pair(ctx, body["key_name"]))
    instance = rebuild(ctx, server_id, image_ref, body.get("name"), request.request_id, other)
    server = {
        **builders.server_changed(request, instance, ctx, rebuild=True),
        "adminPass": admin_pass or secrets.token_urlsafe(12),
    }
    if at_least(request, "2.57"):
        server["user_data"] = instance.user_data
    return Response({"server": server}, status=202)


def _key_pair(ctx, key_name: str | None) -> dict:
    if key_name is None:
        return {"key_name": None, "key_data": None}
    keypair = get_key_pair(ctx, key_name)
    return {"key_name": keypair.name, "key_data": keypair.public_key}


def _resize(request, ctx, server_id, body):
    changes = {"disk_config": body["OS-DCF:diskConfig"]} if "OS-DCF:diskConfig" in body else None
    resize(ctx, server_id, validation.ref(body["flavorRef"], "flavorRef"), request.request_id, changes)
    return Response(status=202)


def _migrate(request, ctx, server_id, body):
    migrate(ctx, server_id, body.get("host") if at_least(request, "2.56") else None, request.request_id)
    return Response(status=202)


def _confirm(request, ctx, server_id, _args):
    confirm_resize(ctx, server_id, request.request_id)
    return Response(status=204)


def _revert(request, ctx, server_id, _args):
    revert_resize(ctx, server_id, request.request_id)
    return Response(status=202)


def _create_image(request, ctx, server_id, body):
    image = create_image(ctx, server_id, body["name"], body.get("metadata", {}), request.request_id)
    location = request.build_absolute_uri(f"/image/v2/images/{image.id}")
    body = {"image_id": str(image.id)} if at_least(request, "2.45") else None  # Location alone before 2.45
    return Response(body, status=202, headers={"Location": location})


def _console(request, ctx, server_id, body):
    length = body.get("length")
    if length is not None:
        length = None if int(length) == -1 else int(length)
    return Response({"output": console_output(ctx, server_id, length)})


def _lock(request, ctx, server_id, body):
    reason = (body or {}).get("locked_reason") if at_least(request, "2.73") else None
    lock(ctx, server_id, reason, request.request_id)
    return Response(status=202)


def _unlock(request, ctx, server_id, _args):
    unlock(ctx, server_id, request.request_id)
    return Response(status=202)


def _reset_state(request, ctx, server_id, body):
    reset_state(ctx, server_id, body["state"], request.request_id)
    return Response(status=202)


def _evacuate(request, ctx, server_id, body):
    force = at_least(request, "2.29") and boolean(body.get("force", False))  # 2.29-2.67; the schema drops it at 2.68
    evacuate(ctx, server_id, body.get("host"), request.request_id, force=force, stop=at_least(request, "2.95"))
    if at_least(request, "2.14"):  # Nova stopped returning a password for an evacuated server
        return Response(status=200)
    return Response({"adminPass": secrets.token_urlsafe(12)}, status=200)


def _inject_network_info(request, ctx, server_id, _args):
    inject_network_info(ctx, server_id)
    return Response(status=202)


def _add_security_group(request, ctx, server_id, body):
    security.add(ctx, server_id, body["name"])
    return Response(status=202)


def _remove_security_group(request, ctx, server_id, body):
    security.remove(ctx, server_id, body["name"])
    return Response(status=202)


def _force_delete(request, ctx, server_id, _args):
    delete_server(ctx, server_id, request.request_id, action="forceDelete")
    return Response(status=202)


def _restore(request, ctx, server_id, _args):
    restore_server(ctx, server_id, request.request_id)
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
    "restore": _restore,
    "injectNetworkInfo": _inject_network_info,
    "addSecurityGroup": _add_security_group,
    "removeSecurityGroup": _remove_security_group,
    "evacuate": _evacuate,
}


class ServerActionView(APIView):
    """Server actions: ``{"os-stop": null}``, ``{"reboot": {"type": "SOFT"}}``, ..."""

    def post(self, request, server_id):
        ctx = request_context(request)
        data = request.data
        if not isinstance(data, dict) or len(data) != 1:
            raise BadRequest('Malformed request body: expected one action, e.g. {"os-stop": null}')
        ((name, _value),) = data.items()
        handler = ACTIONS.get(name)
        if handler is None:
            raise BadRequest(f"There is no such action: {name}")
        argument = schemas.ACTIONS[name].validate(request)[name]  # apps/compute/api/schemas/servers.py
        return handler(request, ctx, server_id, argument or {})
