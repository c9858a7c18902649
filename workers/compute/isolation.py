"""Keep Django and the database layer out of the compute process.

Some libraries import Django opportunistically when it is installed (kombu's JSON encoder does).
The compute entry point installs this guard first, so such imports fail as if Django were absent,
and an accidental import of ``apps`` or ``cloudcore`` fails loudly instead of reaching the database.
"""

import importlib.abc
import sys

FORBIDDEN = ("django", "rest_framework", "apps", "cloudcore")


class _Forbidden(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in FORBIDDEN:
            raise ModuleNotFoundError(f"{fullname} may not be imported in a compute worker", name=fullname)
        return None


def forbid_imports() -> None:
    """Install the guard (once). Must run before Celery or kombu are imported."""
    if not any(isinstance(finder, _Forbidden) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Forbidden())


def loaded_forbidden_modules() -> list[str]:
    return sorted(name for name in sys.modules if name.partition(".")[0] in FORBIDDEN)
