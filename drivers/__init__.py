"""Hypervisor drivers. Nothing here imports Django, the apps or the workers."""

import importlib

from drivers.base import ComputeDriver


def load_driver(name: str, host: str, options: dict | None = None) -> ComputeDriver:
    """Build the driver named ``module.Class`` (as in ``COMPUTE_DRIVER``) for ``host``."""
    module_name, _, class_name = name.rpartition(".")
    if not module_name:
        raise ValueError(f"COMPUTE_DRIVER must look like 'module.Class', got {name!r}")
    module = importlib.import_module(f"drivers.{module_name}")
    cls = getattr(module, class_name)
    if not (isinstance(cls, type) and issubclass(cls, ComputeDriver)):
        raise ValueError(f"COMPUTE_DRIVER {name!r} is not a ComputeDriver")
    return cls(host=host, options=options or {})
