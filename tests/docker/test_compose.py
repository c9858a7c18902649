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
    for name in ("postgres", "redis", "proxy", "api", "scheduler", "conductor", "compute-node1", "compute-node2",
                 "beat", "flower"):  # fmt: skip
        assert name in services
    for host in ("node1", "node2"):
        compute = services[f"compute-{host}"]
        # No database credentials, no control-plane key: the node's own certificate directory only.
        # Its own broker user, not the Redis of results and metrics.
        assert set(compute["environment"]) == {"BROKER_URL", "COMPUTE_DRIVER", "LOG_FORMAT", "CLOUDCORE_HOST",
                                               "HOST_CERT_DIR"}  # fmt: skip
        assert compute["environment"]["BROKER_URL"].startswith(f"amqp://{host}:")
        assert compute["environment"]["HOST_CERT_DIR"].endswith(f"/{host}")
        assert not any("pki" in str(v) for v in compute["volumes"])
        assert "python -m workers.compute worker" in " ".join(compute["command"])
    assert "enroll_node node1 node2" in " ".join(services["migrate"]["command"])
    assert "broker_user node1=" in " ".join(services["migrate"]["command"])
    assert services["broker-users"]["command"] == ["sh", "/setup/users.sh"]
    assert services["api"]["environment"]["BROKER_URL"].startswith("amqp://cloudcore:")
    assert services["flower"]["environment"]["CLOUDCORE_IDENTITY"] == "none"
    assert services["api"]["scale"] == 2
    assert services["api"]["command"][0] == "gunicorn"
    assert services["proxy"]["ports"][0]["published"] in (8000, "8000")
    for name in ("postgres", "redis", "api", "proxy", "scheduler", "conductor", "compute-node1"):
        assert "healthcheck" in services[name], name
    for name in ("migrate", "api", "conductor", "compute-node1"):  # one image store: seed, uploads, snapshot checks
        assert any(str(v).startswith("images:") or "images" in str(v) for v in services[name]["volumes"]), name
    assert "--basic-auth" not in " ".join(services["flower"]["command"])  # the password stays out of ps
    assert services["flower"]["environment"]["FLOWER_BASIC_AUTH"].startswith("admin:")
