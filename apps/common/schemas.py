"""Request bodies described once: a JSON schema per operation and microversion validates the request
(with Nova's wording) and is what the OpenAPI document shows.

An API module declares its bodies as ``Body`` objects::

    CREATE = Body({"2.1": create_v21, "2.2": create_v22})   # each schema from its version on

and a view validates with ``CREATE.validate(request)``, which returns the body or raises
``BadRequest("Invalid input for field/attribute name. Value: ... . <what is wrong>")``. Checks a
schema cannot say (a name that must be unique, an image that must exist) stay in the view.
"""

import copy
from collections.abc import Callable

import jsonschema

from apps.common.exceptions import BadRequest
from apps.common.microversion import MAX_VERSION, MIN_VERSION, text

# Formats the schemas use, checked (jsonschema only annotates formats unless told to check them).
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value) -> bool:
    import uuid

    if isinstance(value, str):
        uuid.UUID(value)
    return True


@FORMATS.checks("printable", raises=ValueError)
def _printable(value) -> bool:
    """Text without control characters (a name may hold any other character)."""
    if isinstance(value, str) and not all(ch.isprintable() or ch == " " for ch in value):
        raise ValueError("it must not contain control characters")
    return True


@FORMATS.checks("base64", raises=ValueError)
def _base64(value) -> bool:
    """Base64 text, as Nova checks ``user_data`` (padding required, whitespace ignored)."""
    import base64
    import binascii

    if isinstance(value, str):
        try:
            base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("it is not valid base64") from None
    return True


class Body:
    """The schemas of one request body by microversion (``{"2.1": schema, "2.19": schema}``: each
    applies from its version until the next). APIs without microversions use ``{"2.1": schema}``."""

    def __init__(
        self,
        by_version: dict[str, dict],
        example: dict | None = None,
        error: Callable[[str], Exception] = BadRequest,
        wording: Callable[[jsonschema.ValidationError], str] | None = None,
    ):
        """``error`` makes the exception a violation raises from its message (each API its own: Nova's
        ``BadRequest``, Neutron's ``InvalidInput``...), ``wording`` the message (Nova's by default)."""
        self.by_version = sorted(((_version(v), schema) for v, schema in by_version.items()), key=lambda item: item[0])
        self.example = example
        self.error = error
        self.wording = wording or message
        self._validators = {version: jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
                            for version, schema in self.by_version}  # fmt: skip

    def schema_at(self, version: tuple[int, int]) -> dict:
        chosen = self.by_version[0][1]
        for since, schema in self.by_version:
            if version >= since:
                chosen = schema
        return chosen

    def latest(self) -> dict:
        """The schema at the highest microversion served (what the OpenAPI document shows)."""
        return self.schema_at(MAX_VERSION)

    def validate(self, request, data=None):
        """The request's body (or ``data``), checked against the schema of the request's microversion."""
        version = getattr(request, "api_version", MIN_VERSION)
        body = request.data if data is None else data
        validator = self._validators[self._since(version)]
        error = jsonschema.exceptions.best_match(validator.iter_errors(body))
        if error is not None:
            raise self.error(self.wording(error))
        return body

    def _since(self, version):
        chosen = self.by_version[0][0]
        for since, _schema in self.by_version:
            if version >= since:
                chosen = since
        return chosen

    def described(self) -> dict:
        """The latest schema, annotated with the versions where the body changed (for OpenAPI)."""
        schema = copy.deepcopy(self.latest())
        if changes := [text(v) for v, _ in self.by_version[1:] if v <= MAX_VERSION]:
            versions = ", ".join(changes)
            note = f"The body changed at microversion {versions}; this is the latest."
            schema["description"] = f"{schema.get('description', '')} {note}".strip()
        if self.example is not None:
            schema["examples"] = [self.example]
        return schema


def _version(value: str) -> tuple[int, int]:
    """``"2.19"`` as ``(2, 19)``; a body may be described for a version this cloud does not serve yet."""
    major, minor = value.split(".")
    return int(major), int(minor)


def message(error: jsonschema.ValidationError) -> str:
    """Nova's wording of a schema violation."""
    if error.path:
        field = list(error.path)[-1]
        return f"Invalid input for field/attribute {field}. Value: {error.instance}. {error.message}"
    return error.message


# -- pieces the APIs share ------------------------------------------------------------------------


def closed(properties: dict, required=(), **extra) -> dict:
    """An object with exactly these properties (``required`` lists the ones it must have)."""
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False,
            **extra}  # fmt: skip


def envelope(key: str, inner: dict) -> dict:
    """``{key: inner}``, as every Nova body wraps its object."""
    return closed({key: inner}, [key])


NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^(?! )[^\x00-\x1f\x7f]*(?<! )$",
        "format": "printable"}  # fmt: skip
NULLABLE_NAME = {**NAME, "type": ["string", "null"]}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255, "format": "printable"}
BOOLEAN = {
    "type": ["boolean", "string"],
    "enum": [
        True,
        "True",
        "TRUE",
        "true",
        "1",
        "ON",
        "On",
        "on",
        "YES",
        "Yes",
        "yes",
        False,
        "False",
        "FALSE",
        "false",
        "0",
        "OFF",
        "Off",
        "off",
        "NO",
        "No",
        "no",
    ],
}  # fmt: skip  (Nova's)


def boolean(value) -> bool:
    """A value ``BOOLEAN`` accepted, as a bool."""
    return value if isinstance(value, bool) else value.lower() in ("true", "1", "on", "yes")


UUID = {"type": "string", "format": "uuid"}
NON_NEGATIVE = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 0, "maximum": 2**31 - 1}
TEXT = {"type": "string", "pattern": r"^[^\x00]*$"}  # the database keeps no NUL character
METADATA = {
    "type": "object",
    "patternProperties": {r"^[a-zA-Z0-9-_:. ]{1,255}$": {**TEXT, "maxLength": 255}},
    "additionalProperties": False,
}
