"""Start a compute worker: ``python -m workers.compute worker -Q compute.<host> [worker options]``.

Any ``celery`` command works the same way (``inspect ping``, say). The import guard goes in before
Celery loads, so the process never holds any part of Django; then the node's configuration is read
once from the environment, and a missing or wrong setting stops the start with a message that
names it.
"""

import sys

from workers.compute.isolation import forbid_imports

forbid_imports()

from core import pki  # noqa: E402
from workers.compute import app  # noqa: E402 - must come after the guard
from workers.compute.config import ConfigError, NodeConfig  # noqa: E402
from workers.compute.node import Node  # noqa: E402


def main(argv: list[str]) -> int:
    try:
        config = NodeConfig.from_env()
    except ConfigError as exc:
        print(f"cannot start a compute worker: {exc}", file=sys.stderr)
        return 2
    try:
        pki.load_identity(config.cert_dir)
    except pki.CertificateError as exc:
        enroll = f"manage.py enroll_node {config.host} --address <its address>"
        print(f"cannot start a compute worker: no identity for {config.host} in {config.cert_dir} ({exc}); enroll "
              f"the node on the control plane with `{enroll}` and copy the files it writes to HOST_CERT_DIR",
              file=sys.stderr)  # fmt: skip
        return 2
    return app.create(Node(config)).start(argv) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
