"""The compute worker's own Celery app, built from environment variables alone.

Started as ``CLOUDCORE_HOST=node1 python -m workers.compute worker -Q compute.node1`` (``celery -A
workers.compute.app worker`` also works, but lets libraries pull in Django when installed). It holds
no database credentials: it refuses to start with ``DATABASE_URL`` set, and reports everything
through conductor tasks.
"""

import logging
import os

from celery import Celery, signals

from core import names, observability, rpc  # noqa: F401 - observability connects its signals
from workers.compute.isolation import loaded_forbidden_modules

LOG = logging.getLogger(__name__)

HOST = os.environ.get("CLOUDCORE_HOST", "")
if not HOST:
    raise SystemExit("CLOUDCORE_HOST is not set: a compute worker needs the name of the host it manages")
if os.environ.get("DATABASE_URL"):
    raise SystemExit("DATABASE_URL is set: a compute worker must hold no database credentials; unset it")

# No fixups: Celery's Django fixup would import Django whenever DJANGO_SETTINGS_MODULE is set.
app = Celery(names.COMPUTE_BINARY, fixups=[])
app.conf.update(rpc.celery_config())
rpc.use_app(app)
app.conf.include = [
    "workers.compute.manager",
    "workers.compute.build",
    "workers.compute.power",
    "workers.compute.resize",
]


@signals.worker_ready.connect
def _start_heartbeat(**_kwargs):
    if loaded_forbidden_modules():
        LOG.warning(
            "this compute worker has loaded %s; start it with `python -m workers.compute`",
            loaded_forbidden_modules()[:3],
        )
    from workers.compute import heartbeat, manager

    heartbeat.start(HOST, manager.get_driver)


@signals.worker_shutting_down.connect
def _stop_heartbeat(**_kwargs):
    from workers.compute import heartbeat

    heartbeat.stop()
