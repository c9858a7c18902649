"""The Celery app of the Django-side processes: api (sending), scheduler, conductor and beat."""

import os

from celery import Celery

from workers import observability, rpc  # noqa: F401 - observability connects its signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudcore.settings")

app = Celery("cloudcore")
app.conf.update(rpc.celery_config())
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["workers.scheduler.tasks", "workers.conductor.tasks"]
rpc.use_app(app)
