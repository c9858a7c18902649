"""``POST /os-keypairs``: ``type`` arrived with 2.2, ``user_id`` (admins) with 2.10."""

from apps.common.schemas import Body, closed, envelope

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_V2_1 = {"name": _NAME, "public_key": {"type": "string", "description": "Generated (the private key returned once) "
                                                                         "when absent"}}  # fmt: skip
_V2_2 = {**_V2_1, "type": {"type": "string", "enum": ["ssh", "x509"], "description": "Default ssh"}}
_V2_10 = {**_V2_2, "user_id": {"type": "string", "minLength": 1, "maxLength": 255,
                               "description": "Admins: the user to create it for"}}  # fmt: skip

CREATE = Body(
    {
        "2.1": envelope("keypair", closed(_V2_1, ["name"])),
        "2.2": envelope("keypair", closed(_V2_2, ["name"])),
        "2.10": envelope("keypair", closed(_V2_10, ["name"])),
    },
    example={"keypair": {"name": "mykey"}},
)
