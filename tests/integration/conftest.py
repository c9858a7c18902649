import pytest

from tests.integration import cloud as cloud_module
from tests.integration.cloud import RunningCloud, create_template, drop_database


@pytest.fixture(scope="session")
def cloud_template(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cloud-data")
    name = create_template(data_dir)
    yield name, data_dir
    drop_database(name)


@pytest.fixture(scope="session")
def cloud_factory(cloud_template, tmp_path_factory):
    """``with cloud_factory(computes={...}, schedulers=2) as cloud:`` runs a cloud for a block."""
    template, data_dir = cloud_template

    def make(**kwargs) -> RunningCloud:
        return RunningCloud(template, data_dir, tmp_path_factory.mktemp("cloud-logs"), **kwargs)

    return make


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and cloud_module.ACTIVE:
        for running in cloud_module.ACTIVE:
            report.sections.append((f"cloud logs ({running.log_dir})", running.logs()))
    return report
