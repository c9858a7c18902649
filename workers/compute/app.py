"""The compute worker's own Celery app, built from the node's configuration when the worker starts.

``python -m workers.compute worker -Q compute.<host>`` reads the configuration (``NodeConfig``),
configures the node and builds this app. Nothing here runs on import: the task modules register
themselves with whichever app is current, so tests import and run them with a node of their own.
The worker holds no database credentials and reports everything through conductor tasks.
"""

import logging

from celery import Celery, signals

from core import names, observability, pki, rpc, signing  # noqa: F401 - observability connects its signals
from workers.compute.isolation import loaded_forbidden_modules
from workers.compute.node import Node, configure

LOG = logging.getLogger(__name__)

TASK_MODULES = [
    "workers.compute.build",
    "workers.compute.power",
    "workers.compute.resize",
    "workers.compute.snapshot",
    "workers.compute.queries",
    "workers.compute.images",
]


def create(node: Node) -> Celery:
    """The worker's Celery app, running its tasks on ``node`` (and its heartbeat once ready)."""
    configure(node)
    identity = pki.IdentityFiles(node.config.cert_dir)
    # No fixups: Celery's Django fixup would import Django whenever DJANGO_SETTINGS_MODULE is set.
    app = signing.SigningCelery(names.COMPUTE_BINARY, fixups=[], task_cls="workers.compute.orders:OrderTask")
    app.configure_signing(identity=identity, ca=lambda: identity().ca)
    app.declares_queues = False
    app.conf.update(rpc.celery_config())
    app.conf.include = TASK_MODULES
    rpc.use_app(app)

    @signals.worker_ready.connect(weak=False)
    def start_heartbeat(**_kwargs):
        if loaded_forbidden_modules():
            LOG.warning("this compute worker has loaded %s; start it with `python -m workers.compute`",
                        loaded_forbidden_modules()[:3])  # fmt: skip
        from workers.compute import heartbeat

        heartbeat.start(node)

    @signals.worker_shutting_down.connect(weak=False)
    def stop_heartbeat(**_kwargs):
        from workers.compute import heartbeat

        heartbeat.stop()

    return app
