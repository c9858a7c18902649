"""The Celery app of the Django-side processes: api (sending), scheduler, conductor and beat."""

import functools
import os

from celery import signals

from core import observability, pki, rpc  # noqa: F401 - observability connects its signals
from core.signing import SigningCelery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudcore.settings")


@functools.cache
def _control_plane() -> pki.Identity | None:
    """The identity api, scheduler, conductor and beat sign with (created with the CA on first use).
    Flower runs with ``CLOUDCORE_IDENTITY=none``: what it sends is unsigned, so nothing obeys it."""
    if os.environ.get("CLOUDCORE_IDENTITY", "").lower() == "none":
        return None
    return pki.control_plane_identity()


@functools.cache
def _ca():
    return pki.load_authority().cert


# Every task here runs only for a message the control plane signed, unless its class says otherwise
# (the conductor's host reports: ``workers.conductor.trust.HostReportTask``).
app = SigningCelery("cloudcore", task_cls="core.signing:ControlPlaneTask")
app.configure_signing(identity=_control_plane, ca=_ca)
app.conf.update(rpc.celery_config())
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["workers.scheduler.tasks", "workers.conductor.tasks"]
rpc.use_app(app)

# Celery's Django fixup closes every database connection before and after each task unless
# CELERY_DB_REUSE_MAX is set, so every task paid for a new PostgreSQL backend (a fork, the login,
# the time zone set-up): bench/boot.py measured it as a large share of the database's CPU per boot.
# Connections are kept instead and closed when unusable (after an error, e.g. a restarted
# database) or older than CONN_MAX_AGE. Unlike an API request, a task does not begin with a
# health check (CONN_HEALTH_CHECKS' "SELECT 1", a round trip per task that the profile showed):
# a connection that died idle fails the task's first query, the task retries (every task retries
# OperationalError), and the check after it closes the dead connection.
app.conf.update({"CELERY_DB_REUSE_MAX": 1_000_000_000})


@signals.task_prerun.connect
@signals.task_postrun.connect
def _recycle_connections(**_):
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
        conn.health_check_done = True
