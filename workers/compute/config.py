"""A compute node's configuration: read once from the environment when the worker starts.

The compute worker reads its configuration nowhere else, so every module imports (and every task
runs in a test) without ``CLOUDCORE_HOST`` set.
"""

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

# Environment variables handed to the driver as its options.
DRIVER_OPTION_PREFIXES = ("FAKE_", "LIBVIRT_", "INSTANCES_PATH", "IMAGES_PATH", "CLOUDCORE_DATA_DIR")


class ConfigError(Exception):
    """The environment cannot run a compute node; the message names what to change."""


@dataclasses.dataclass(frozen=True)
class NodeConfig:
    host: str
    driver: str = "fake.FakeDriver"
    driver_options: Mapping[str, str] = dataclasses.field(default_factory=dict)
    images_path: Path = Path("var/images")
    # The node's key, certificate and the CA's certificate (``manage.py enroll_node`` writes them).
    cert_dir: Path = Path("var/pki/hosts/node")
    report_interval: float = 10.0
    sync_interval: float = 60.0
    cpu_allocation_ratio: float = 16.0
    ram_allocation_ratio: float = 1.5
    disk_allocation_ratio: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "NodeConfig":
        """The node's configuration from ``environ`` (the process environment by default).

        ``CLOUDCORE_HOST`` is required; ``DATABASE_URL`` must not be set (a compute node holds no
        database credentials). ``COMPUTE_DRIVER``, ``IMAGES_PATH`` (default
        ``CLOUDCORE_DATA_DIR/images``), ``HOST_CERT_DIR`` (default
        ``CLOUDCORE_DATA_DIR/pki/hosts/<host>``), ``REPORT_INTERVAL``, ``SYNC_POWER_STATE_INTERVAL`` and
        the ``*_ALLOCATION_RATIO`` settings are optional.
        """
        env = os.environ if environ is None else environ
        host = env.get("CLOUDCORE_HOST", "")
        if not host:
            raise ConfigError("CLOUDCORE_HOST is not set: a compute worker needs the name of the host it manages")
        if env.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL is set: a compute worker must hold no database credentials; unset it")
        data_dir = Path(env.get("CLOUDCORE_DATA_DIR") or "var")
        try:
            return cls(
                host=host,
                driver=env.get("COMPUTE_DRIVER") or "fake.FakeDriver",
                driver_options={k: v for k, v in env.items() if k.startswith(DRIVER_OPTION_PREFIXES)},
                images_path=Path(env.get("IMAGES_PATH") or data_dir / "images"),
                cert_dir=Path(
                    env.get("HOST_CERT_DIR") or Path(env.get("CLOUDCORE_PKI_DIR") or data_dir / "pki") / "hosts" / host
                ),
                report_interval=float(env.get("REPORT_INTERVAL", 10)),
                sync_interval=float(env.get("SYNC_POWER_STATE_INTERVAL", 60)),
                cpu_allocation_ratio=float(env.get("CPU_ALLOCATION_RATIO", 16.0)),
                ram_allocation_ratio=float(env.get("RAM_ALLOCATION_RATIO", 1.5)),
                disk_allocation_ratio=float(env.get("DISK_ALLOCATION_RATIO", 1.0)),
            )
        except ValueError as exc:
            raise ConfigError(f"a compute worker setting is not a number: {exc}") from None
