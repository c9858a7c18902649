"""``/os-keypairs``: a user's SSH keys and x509 certificates, in microversion 2.1 shapes plus 2.2's ``type``.

Key pairs belong to a user, not a project. An admin may act for another user with ``user_id``.
Until 2.91 a key pair created without a public key is generated, its private key returned once, in
the create response, and never stored; from 2.92 the public key is required (and a name may also
hold '@' and '.'). From 2.75 an unknown query parameter is a 400.
"""

import datetime
import importlib

from django.db import IntegrityError, transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest, Conflict, Forbidden, NotFound
from apps.common.microversion import at_least
from apps.compute import keypairs
from apps.compute.api import validation
from apps.compute.api.schemas.keypairs import CREATE, INDEX_QUERY, ITEM_QUERY
from apps.compute.models import KeyPair
from apps.identity.auth import request_context
from apps.identity.models import User

MAX_LIMIT = 1000


def keypair_summary(request, keypair: KeyPair) -> dict:
    """One item of the list (wrapped in ``{"keypair": ...}`` there, as in Nova); ``type`` from 2.2."""
    body = {"name": keypair.name, "public_key": keypair.public_key, "fingerprint": keypair.fingerprint}
    if at_least(request, "2.2"):
        body["type"] = keypair.type
    return body


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def keypair_detail(request, keypair: KeyPair) -> dict:
    return {
        **keypair_summary(request, keypair),
        "user_id": keypair.user_id,
        "id": keypair.pk,
        "created_at": _timestamp(keypair.created_at),
        "deleted": False,
        "deleted_at": None,
        "updated_at": None,
    }


def _forbidden(action: str) -> Forbidden:
    return Forbidden(f"Policy doesn't allow os_compute_api:os-keypairs:{action} to be performed.")


def target_user_id(ctx, user_id, action: str) -> str:
    """The id of the user whose key pairs the request is about: the caller's own unless an admin says."""
    if user_id is None or user_id == ctx.user.pk:
        return ctx.user.pk
    if not isinstance(user_id, str) or not user_id or len(user_id) > 255:
        raise validation.invalid("user_id", "Expected a user id string of 1 to 255 characters")
    if not ctx.is_admin:
        raise _forbidden(action)
    return user_id


def _user_id_param(request) -> str | None:
    """``?user_id=`` (2.10+; ignored before, as Nova ignores query parameters it does not know)."""
    return request.query_params.get("user_id") if at_least(request, "2.10") else None


def get_keypair(user_id: str, name: str) -> KeyPair:
    """The key pair ``name`` of user ``user_id``, or the 404 Nova gives."""
    try:
        return KeyPair.objects.get(user_id=user_id, name=name)
    except KeyPair.DoesNotExist:
        raise NotFound(f"Keypair {name} not found for user {user_id}") from None


def _check_quota(user: User) -> None:
    """``apps.compute.quotas.check_key_pairs(user)`` when that module provides it.

    A missing module skips the check; a module that fails to import for another reason is an error.
    """
    try:
        quotas = importlib.import_module("apps.compute.quotas")
    except ModuleNotFoundError as exc:
        if exc.name != "apps.compute.quotas":
            raise
        return
    check = getattr(quotas, "check_key_pairs", None)
    if check is not None:
        check(user)


def _create_request(request) -> dict:
    """Check a ``POST /os-keypairs`` body (``schemas.keypairs.CREATE``); never echoes the submitted key."""
    body = CREATE.validate(request)["keypair"]
    key_type = body.get("type", keypairs.SSH)
    public_key = body.get("public_key")
    try:
        # From 2.92 the schema holds the name to Nova's pattern, which lets '@' and '.' through.
        name = body["name"] if at_least(request, "2.92") else keypairs.validate_name(body["name"])
        if public_key is not None:
            public_key = keypairs.validate_public_key(public_key, key_type)
    except (keypairs.InvalidName, keypairs.InvalidKey) as exc:
        raise BadRequest(f"Keypair data is invalid: {exc}") from None
    return {"name": name, "type": key_type, "public_key": public_key, "user_id": body.get("user_id")}


def _page(request, queryset):
    """Nova 2.35's ``limit`` and ``marker`` (the name of the last key pair seen), sorted by name."""
    params = request.query_params
    marker = params.get("marker")
    if marker is not None:
        if not queryset.filter(name=marker).exists():
            raise BadRequest(f"Marker {marker} could not be found.")
        queryset = queryset.filter(name__gt=marker)
    queryset = queryset.order_by("name")
    limit = params.get("limit")
    if limit is not None:
        queryset = queryset[: min(validation.integer(limit, "limit", 0), MAX_LIMIT)]
    return queryset


class KeyPairListView(APIView):
    query = INDEX_QUERY

    def get(self, request):
        INDEX_QUERY.validate(request)
        ctx = request_context(request)
        user_id = target_user_id(ctx, _user_id_param(request), "index")
        found = KeyPair.objects.filter(user_id=user_id)
        found = _page(request, found) if at_least(request, "2.35") else found.order_by("name")
        return Response({"keypairs": [{"keypair": keypair_summary(request, k)} for k in found]})

    def post(self, request):
        ctx = request_context(request)
        spec = _create_request(request)
        user_id = target_user_id(ctx, spec["user_id"], "create")
        user = ctx.user if user_id == ctx.user.pk else User.objects.filter(pk=user_id).first()
        if user is None:
            raise BadRequest(f"User {user_id} could not be found.")
        private_key = None
        public_key = spec["public_key"]
        if public_key is None:
            public_key, private_key = keypairs.generate(spec["type"], common_name=user.pk)
        try:
            with transaction.atomic():
                _check_quota(user)
                keypair = KeyPair.objects.create(
                    user=user,
                    name=spec["name"],
                    type=spec["type"],
                    public_key=public_key,
                    fingerprint=keypairs.fingerprint(public_key, spec["type"]),
                )
        except IntegrityError:
            if KeyPair.objects.filter(user=user, name=spec["name"]).exists():
                raise Conflict(f"Key pair '{spec['name']}' already exists.") from None
            raise
        body = {**keypair_summary(request, keypair), "user_id": user.pk}
        if private_key is not None:
            body["private_key"] = private_key
        status = 201 if at_least(request, "2.2") else 200
        return Response({"keypair": body}, status=status, headers={"Cache-Control": "no-store"})


class KeyPairView(APIView):
    query = ITEM_QUERY

    def get(self, request, name):
        ITEM_QUERY.validate(request)
        ctx = request_context(request)
        user_id = target_user_id(ctx, _user_id_param(request), "show")
        return Response({"keypair": keypair_detail(request, get_keypair(user_id, name))})

    def delete(self, request, name):
        ITEM_QUERY.validate(request)
        ctx = request_context(request)
        user_id = target_user_id(ctx, _user_id_param(request), "delete")
        get_keypair(user_id, name).delete()
        return Response(status=204 if at_least(request, "2.2") else 202)
