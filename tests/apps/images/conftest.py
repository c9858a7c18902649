"""Image API tests: the local image store writes under each test's own directory."""

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """``DATA_DIR`` (and so the local image store, ``DATA_DIR/images``) inside the test's tmp_path."""
    settings.DATA_DIR = tmp_path
    return tmp_path
