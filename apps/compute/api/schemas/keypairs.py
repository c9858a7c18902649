"""``/os-keypairs``: the create body (``type`` arrived with 2.2, ``user_id`` for admins with 2.10, and
from 2.92 a ``public_key`` is required and a name may also hold '@' and '.'), and the reads' queries."""

from apps.common.query import Query, multi, query_schema
from apps.common.schemas import NAME, Body, closed, envelope
from apps.compute.api.paging import NON_NEGATIVE

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_GENERATED = "Generated (the private key returned once) when absent, until microversion 2.91"
_V2_1 = {"name": _NAME, "public_key": {"type": "string", "description": _GENERATED}}
_V2_2 = {**_V2_1, "type": {"type": "string", "enum": ["ssh", "x509"], "description": "Default ssh"}}
_V2_10 = {**_V2_2, "user_id": {"type": "string", "minLength": 1, "maxLength": 255,
                               "description": "Admins: the user to create it for"}}  # fmt: skip
# 2.92: no more key generation; Nova's name schema, now with '@' and '.' among the safe characters.
NAME_V2_92 = {"allOf": [NAME, {"type": "string", "pattern": r"^[_\-\@\. a-zA-Z0-9]+$", "minLength": 1,
                               "maxLength": 255}]}  # fmt: skip
_V2_92 = {**_V2_10, "name": NAME_V2_92, "public_key": {"type": "string", "description": "The public key to import"}}

CREATE = Body(
    {
        "2.1": envelope("keypair", closed(_V2_1, ["name"])),
        "2.2": envelope("keypair", closed(_V2_2, ["name"])),
        "2.10": envelope("keypair", closed(_V2_10, ["name"])),
        "2.92": envelope("keypair", closed(_V2_92, ["name", "public_key"])),
    },
    example={"keypair": {"name": "me@laptop", "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdOFIEGQgD+PeQB"
                                                            "3ziu7htgZQfCnwlJ8KfxZjf+CJ2t me@laptop"}},
)  # fmt: skip

# The reads' query parameters: ``user_id`` from 2.10, ``limit`` and ``marker`` (the list) from 2.35;
# any other is ignored until 2.74 and a 400 from 2.75.
_USER = {"user_id": multi({"type": "string"}, "Admins: another user's key pairs")}
_PAGE = {
    "limit": multi(NON_NEGATIVE, "The most key pairs to return"),
    "marker": multi({"type": "string"}, "The name of the last key pair of the previous page"),
}  # fmt: skip
ITEM_QUERY = Query({"2.1": query_schema({}, strict=False), "2.10": query_schema(_USER, strict=False),
                    "2.75": query_schema(_USER, strict=True)})  # fmt: skip
INDEX_QUERY = Query({"2.1": query_schema({}, strict=False), "2.10": query_schema(_USER, strict=False),
                     "2.35": query_schema({**_USER, **_PAGE}, strict=False),
                     "2.75": query_schema({**_USER, **_PAGE}, strict=True)})  # fmt: skip
