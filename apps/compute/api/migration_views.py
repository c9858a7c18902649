"""``/os-migrations`` and ``/servers/{id}/migrations``: resizes and cold migrations as Nova's
``migrations`` controller lists them, microversion by microversion.

- 2.23: ``migration_type``.
- 2.59: ``uuid``; newest first in pages (``limit``, ``marker`` a migration's UUID,
  ``migrations_links``), ``changes-since``; unknown query parameters are refused.
- 2.66: ``changes-before``.
- 2.80: ``user_id`` and ``project_id`` (who asked for the move), and filters by them.

A manager sees its project's servers' migrations, an admin every project's; only
``os-migrations:index:host`` (admins) sees the hosts and nodes, others see them null (Nova's).
"""

from django.db.models import Q
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.microversion import Since, at_least
from apps.common.query import Query, closed, multi, open_, single
from apps.compute.api.builders import usec
from apps.compute.api.paging import DATE_TIME, PAGING, STRING, changes, newest_page, next_links
from apps.compute.models import Migration
from apps.compute.servers.lookup import get_instance
from apps.identity import policy
from apps.identity.auth import request_context
from apps.network import ipam

_FILTERS = {name: multi(STRING) for name in ("hidden", "host", "instance_uuid", "source_compute", "status",
                                              "migration_type")}  # fmt: skip
_V259 = {**_FILTERS, **PAGING, "changes-since": single(DATE_TIME)}
_V266 = {**_V259, "changes-before": single(DATE_TIME)}
INDEX_QUERY = Query({
    "2.1": open_(_FILTERS),
    "2.59": closed(_V259),
    "2.66": closed(_V266),
    "2.80": closed({**_V266, "user_id": single(STRING), "project_id": single(STRING)}),
})  # fmt: skip
MAX_UNPAGED = 1000  # before 2.59 Nova lists every migration; cloudcore stops at this many

_HOST_FIELDS = ("source_compute", "source_node", "dest_compute", "dest_node", "dest_host")


def migration_body(request, item: Migration, with_hosts: bool = True) -> dict:
    """A resize or migration as ``/os-migrations`` shows it; the flavors by their integer ids (null
    for a flavor recorded before ids were kept)."""
    body = {
        "id": item.id,
        "instance_uuid": str(item.instance_id),
        "status": item.status,
        "source_compute": item.source_compute,
        "source_node": item.source_node,
        "dest_compute": item.dest_compute,
        "dest_node": item.dest_node,
        "dest_host": None,
        "old_instance_type_id": item.old_flavor.get("id"),
        "new_instance_type_id": item.new_flavor.get("id"),
        "created_at": usec(item.created_at),
        "updated_at": usec(item.updated_at),
    }
    if not with_hosts:
        body.update(dict.fromkeys(_HOST_FIELDS))
    if at_least(request, "2.23"):
        body["migration_type"] = item.migration_type
    if at_least(request, "2.59"):
        body["uuid"] = str(item.uuid)
    if at_least(request, "2.80"):
        body["user_id"] = item.user_id
        body["project_id"] = item.project_id
    return body


def _filtered(request, params: dict, migrations):
    if params.get("status"):
        migrations = migrations.filter(status=params["status"])
    if params.get("host"):
        migrations = migrations.filter(Q(source_compute=params["host"]) | Q(dest_compute=params["host"]))
    elif params.get("source_compute"):
        migrations = migrations.filter(source_compute=params["source_compute"])
    if params.get("instance_uuid"):
        instance_uuid = ipam.parse_uuid(params["instance_uuid"])  # a malformed one matches nothing
        migrations = migrations.filter(instance_id=instance_uuid) if instance_uuid else migrations.none()
    if params.get("migration_type"):
        migrations = migrations.filter(migration_type=params["migration_type"])
    if at_least(request, "2.59"):
        migrations = changes(params, migrations)
    for field in ("user_id", "project_id"):  # only named by the query from 2.80
        if field in params:
            migrations = migrations.filter(**{field: params[field]})
    return migrations


def _marked(marker: str) -> Migration | None:
    """The migration a page's marker (its UUID) names."""
    key = ipam.parse_uuid(marker)
    return Migration.objects.filter(uuid=key).first() if key else None


class MigrationsView(APIView):
    """``/os-migrations``: resizes and migrations, newest first; filter by host, status, server, type
    (and from 2.80 by who asked)."""

    query = INDEX_QUERY

    def get(self, request):
        params = INDEX_QUERY.validate(request)
        ctx = request_context(request)
        policy.enforce(ctx, "os_compute_api:os-migrations:index")
        migrations = Migration.objects.all()
        if not policy.allowed(ctx, "os_compute_api:os-migrations:index:all_projects"):
            migrations = migrations.filter(instance__project_id=ctx.project_id)
        migrations = _filtered(request, params, migrations)
        with_hosts = policy.allowed(ctx, "os_compute_api:os-migrations:index:host")
        if not at_least(request, "2.59"):
            rows = migrations.order_by("-created_at", "-id")[:MAX_UNPAGED]
            return Response({"migrations": [migration_body(request, m, with_hosts) for m in rows]})
        page = newest_page(migrations, params, _marked, "created_at")
        listed = [migration_body(request, m, with_hosts) for m in page]
        body = {"migrations": listed}
        if links := next_links(request, params, listed, "os-migrations", "uuid"):
            body["migrations_links"] = links
        return Response(body)


class ServerMigrationsView(Since, APIView):
    """``/servers/{id}/migrations`` (2.23+): the server's live migrations in progress, as in Nova.
    cloudcore moves servers by resize and cold migration only (``/os-migrations`` lists those), so
    the list is always empty."""

    min_version = "2.23"

    def get(self, request, server_id):
        get_instance(request_context(request), server_id)
        return Response({"migrations": []})
