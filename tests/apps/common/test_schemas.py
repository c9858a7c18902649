"""Request bodies described once: validated by microversion with Nova's wording, shown as the latest."""

from types import SimpleNamespace

import pytest

from apps.common.exceptions import BadRequest, Conflict
from apps.common.schemas import NAME, Body, closed, envelope

THING = Body(
    {
        "2.1": envelope("thing", closed({"name": NAME}, ["name"])),
        "2.5": envelope("thing", closed({"name": NAME, "size": {"type": "integer", "minimum": 1}}, ["name"])),
    },
    example={"thing": {"name": "a"}},
)


def request(data, version=(2, 1)):
    return SimpleNamespace(data=data, api_version=version)


def test_each_microversion_has_its_schema():
    assert THING.validate(request({"thing": {"name": "a"}})) == {"thing": {"name": "a"}}
    with pytest.raises(BadRequest, match=r"Additional properties are not allowed \('size' was unexpected\)"):
        THING.validate(request({"thing": {"name": "a", "size": 2}}))
    assert THING.validate(request({"thing": {"name": "a", "size": 2}}, (2, 5)))["thing"]["size"] == 2
    assert THING.validate(request({"thing": {"name": "a", "size": 2}}, (2, 40)))


def test_violations_read_as_novas():
    with pytest.raises(BadRequest) as caught:
        THING.validate(request({"thing": {"name": "a", "size": 0}}, (2, 5)))
    assert caught.value.message == "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"
    with pytest.raises(BadRequest) as caught:
        THING.validate(request({}))
    assert caught.value.message == "'thing' is a required property"
    for bad in (" padded", "", "a\x00b", "x" * 256):
        with pytest.raises(BadRequest, match="Invalid input for field/attribute name"):
            THING.validate(request({"thing": {"name": bad}}))


def test_an_api_chooses_its_own_error():
    body = Body({"2.1": closed({"a": {"type": "integer"}})}, error=Conflict, wording=lambda e: f"no: {e.message}")
    with pytest.raises(Conflict, match="no: 'x' is not of type 'integer'"):
        body.validate(request({"a": "x"}))


def test_the_document_shows_the_latest_with_its_history_and_example():
    described = THING.described()
    assert "size" in described["properties"]["thing"]["properties"]
    assert "2.5" in described["description"] and described["examples"] == [{"thing": {"name": "a"}}]
