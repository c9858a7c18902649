"""The operator's pages in a real headless Chromium (Debian's), driven by Playwright: the Django
admin (log in, a server's page with its actions, the "stop" admin action), the browsable API, the
API docs and Flower. Screenshots go to ``var/test-output/browser/``."""

import shutil

import pytest

from cloudcore.launcher import BASE_DIR
from tests.fixtures.polling import wait_until

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = BASE_DIR / "var" / "test-output" / "browser"


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    with cloud_factory(computes={"node1": {}, "node2": {}}, schedulers=1, flower=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_admin_stops_a_server_and_the_other_pages_render(cloud, browser):
    server_id = cloud.create_server("browsed")
    cloud.wait_for_status(server_id, "ACTIVE")
    page = browser.new_page(viewport={"width": 1400, "height": 900})

    page.goto(cloud.url("/admin/login/?next=/admin/"))
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    shot(page, "01-admin-index")

    page.goto(cloud.url(f"/admin/compute/instance/{server_id}/change/"))
    body = page.inner_text("body")
    assert "browsed" in body and "create" in body  # the server, and its create action inline
    assert "compute_build_and_run_instance" in body  # that action's events
    shot(page, "02-server-page")

    page.goto(cloud.url("/admin/compute/instance/"))
    page.check(f"input[name=_selected_action][value='{server_id}']")
    page.select_option("select[name=action]", "stop_servers")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    assert "stopping" in page.inner_text(".messagelist")
    cloud.wait_for_status(server_id, "SHUTOFF")
    page.reload()
    assert "SHUTOFF" in page.inner_text("#result_list")
    shot(page, "03-servers-after-stop")

    page.goto(cloud.url("/v2.1/servers/detail"))  # the browsable API, on the admin's session
    assert server_id in page.inner_text("body") and "SHUTOFF" in page.inner_text("body")
    shot(page, "04-browsable-api")

    page.goto(cloud.url("/api/docs/"))
    page.wait_for_selector("#operations-tag-compute", timeout=30_000)  # one section per API, collapsed
    page.click("#operations-tag-compute")
    page.wait_for_function("document.body.innerText.includes('/v2.1/servers/{server_id}/action')", timeout=30_000)
    assert "/v2.1/servers" in page.inner_text("body")
    shot(page, "05-api-docs")

    flower = browser.new_context(http_credentials={"username": "admin", "password": "admin"}).new_page()
    flower.goto(f"http://127.0.0.1:{cloud.config.flower_port}/tasks")
    flower.fill("input[type=search]", "compute.build_and_run_instance")  # heartbeats fill the first pages
    wait_until(lambda: "compute.build_and_run_instance" in flower.inner_text("#tasks-table"), timeout=30,
               message="Flower to list the build task")  # fmt: skip
    shot(flower, "06-flower-tasks")
    workers = "".join(flower.inner_text("#tasks-table").split())  # the column wraps long names
    assert "compute-node1@" in workers or "compute-node2@" in workers  # the worker of each node's queue
    assert sorted(p.name for p in SHOTS.glob("*.png"))[:6] == [
        "01-admin-index.png", "02-server-page.png", "03-servers-after-stop.png",
        "04-browsable-api.png", "05-api-docs.png", "06-flower-tasks.png",
    ]  # fmt: skip
