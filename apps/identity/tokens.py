"""Issuing, checking and revoking tokens.

A token is 32 random bytes (URL-safe base64); the database keeps only its SHA-256, so a copy of
the database hands out no working token. A token is valid until ``TOKEN_TTL`` seconds after it
was issued, while its user is active and its project enabled, and until it is revoked. Deleting
the user or the project deletes its tokens.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.identity.models import Project, Role, Token, User

PREFIX = "cc"  # recognisable in a leak report; not a secret


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, project: Project | None, methods: list[str], expires_at=None) -> tuple[str, Token]:
    """A new token for ``user`` scoped to ``project``; returns the token (shown once) and its row.

    ``expires_at`` (a token rescoped from another keeps its expiry, as Keystone does) is capped by
    ``TOKEN_TTL``.
    """
    raw = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    ttl_end = now + timedelta(seconds=settings.TOKEN_TTL)
    token = Token.objects.create(
        digest=digest(raw),
        user=user,
        project=project,
        methods=methods,
        audit_id=secrets.token_urlsafe(16)[:22],
        issued_at=now,
        expires_at=min(expires_at, ttl_end) if expires_at else ttl_end,
    )
    return raw, token


def validate(raw: str | None) -> Token | None:
    """The live token ``raw`` stands for, or None (unknown, expired, revoked, user or project off)."""
    if not raw or len(raw) > 256:
        return None
    token = (
        Token.objects.select_related("user", "project", "user__default_project")
        .filter(digest=digest(raw), expires_at__gt=timezone.now(), user__is_active=True)
        .filter(Q(project__isnull=True) | Q(project__enabled=True))
        .first()
    )
    return token


def revoke(raw: str) -> bool:
    deleted, _ = Token.objects.filter(digest=digest(raw)).delete()
    return bool(deleted)


def purge_expired() -> int:
    deleted, _ = Token.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def roles_in(user: User, project: Project | None) -> list[Role]:
    if project is None:
        return []
    return list(Role.objects.filter(assignments__user=user, assignments__project=project).order_by("name").distinct())
