"""A server's metadata (``/servers/{id}/metadata``) and tags (``/servers/{id}/tags``, 2.26+)."""

from apps.common.schemas import METADATA, TEXT, Body, closed, envelope

MAX_TAGS = 50  # tags one server may carry (Nova's limit)

METADATA_BODY = Body({"2.1": envelope("metadata", METADATA)}, example={"metadata": {"role": "web"}})
METADATA_ITEM = Body(
    {"2.1": envelope("meta", {**METADATA, "minProperties": 1, "maxProperties": 1})},
    example={"meta": {"role": "web"}},
)

TAG = {**TEXT, "minLength": 1, "maxLength": 60, "pattern": r"^[^,/\x00]*$"}
TAGS = Body(
    {"2.1": closed({"tags": {"type": "array", "items": TAG, "maxItems": MAX_TAGS}}, ["tags"])},
    example={"tags": ["web", "prod"]},
)
