"""Bad input over real HTTP: a Nova-style 400 or 404, no row written, no task queued."""

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(cloud_factory):
    # Only the API: nothing consumes the scheduler queue, so a queued task would stay visible.
    with cloud_factory(computes=None) as running:
        yield running


def counts(cloud) -> tuple[int, int]:
    rows = cloud.query(
        "SELECT (SELECT count(*) FROM compute_instance) AS i, (SELECT count(*) FROM compute_instanceaction) AS a"
    )
    return rows[0]["i"], rows[0]["a"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"server": {"name": "vm1", "flavorRef": "1",', "Malformed request body"),
        ('{"server": {"flavorRef": "1", "imageRef": "IMAGE", "networks": "none"}}', "'name' is a required property"),
        ('{"server": {"name": "vm1", "flavorRef": "42", "imageRef": "IMAGE"}}', "Flavor 42 could not be found."),
        (
            '{"server": {"name": "vm1", "flavorRef": "1", "imageRef": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}}',
            "Image 3fa85f64-5717-4562-b3fc-2c963f66afa6 could not be found.",
        ),
    ],
)
def test_bad_create_is_400_and_leaves_no_trace(cloud, data, message):
    before = counts(cloud)

    response = cloud.post(
        "/v2.1/servers",
        data=data.replace("IMAGE", cloud.demo_image_id()),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["badRequest"] and body["badRequest"]["code"] == 400
    assert message in body["badRequest"]["message"]
    assert counts(cloud) == before
    assert cloud.queue_length("scheduler") == 0


def test_a_good_create_does_queue_one_task(cloud):
    """The control for the test above: the queue check can see a task."""
    before = counts(cloud)
    cloud.create_server("queued")
    assert counts(cloud) == (before[0] + 1, before[1] + 1)
    assert cloud.queue_length("scheduler") == 1


def test_unknown_server_is_404_item_not_found(cloud):
    response = cloud.get("/v2.1/servers/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert response.status_code == 404
    assert response.json()["itemNotFound"]["code"] == 404
