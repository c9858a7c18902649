"""The compose file is valid and runs every process the design names (no Docker engine runs here)."""

import os
import shutil
import subprocess

import pytest
import yaml

from cloudcore.launcher import BASE_DIR
from tests.fixtures.services import _apt_install

COMPOSE = BASE_DIR / "docker" / "compose.yml"


def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None and os.geteuid() == 0:
        _apt_install("docker-compose")
        path = shutil.which("docker-compose")
    if path is None:
        pytest.skip("docker-compose (Debian's package) is not installed and cannot be installed without root")
    return path


def test_compose_file_is_valid_and_complete():
    result = subprocess.run([docker_compose(), "-f", str(COMPOSE), "config"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for name in ("postgres", "redis", "api", "scheduler", "conductor", "compute1", "compute2", "beat", "flower"):
        assert name in services
    for compute in ("compute1", "compute2"):
        assert "DATABASE_URL" not in services[compute]["environment"]
        assert services[compute]["command"][:3] == ["python", "-m", "workers.compute"]
    assert services["api"]["command"][0] == "gunicorn"
