"""Start a compute worker: ``python -m workers.compute worker -Q compute.<host> [worker options]``.

The same as ``celery -A workers.compute.app worker ...``, but with the import guard installed
before Celery loads, so the process never holds any part of Django.
"""

import sys

from workers.compute.isolation import forbid_imports

forbid_imports()

from celery.bin.celery import main  # noqa: E402 - must come after the guard

if __name__ == "__main__":
    sys.argv = ["celery", "-A", "workers.compute.app", *sys.argv[1:]]
    sys.exit(main())
