"""The Celery app of the Django-side processes: api (sending), scheduler, conductor and beat."""

import os

from celery import Celery, signals

from core import observability, rpc  # noqa: F401 - observability connects its signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudcore.settings")

app = Celery("cloudcore")
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
