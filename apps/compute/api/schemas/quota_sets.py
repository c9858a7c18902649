"""``PUT /os-quota-sets/{project}``: each limit from -1 (unlimited); nova-network's until 2.35, the
injected files' until 2.56, as in Nova. Also the query parameters of the quota sets and of ``/limits``.

The limits are integers or strings of digits, and Nova holds both to the same bounds: a string
``"-2"`` is refused as the integer -2 is (``LimitBody``).
"""

import jsonschema

from apps.common.query import multi, strict_from
from apps.common.schemas import BOOLEAN, FORMATS, Body, closed, envelope
from apps.compute.api.paging import ANY

MAX_LIMIT = 2**31 - 1  # the database's integer, as Nova's db.MAX_INT
LIMIT = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$", "minimum": -1, "maximum": MAX_LIMIT}
# Nova's quota resources (``nova.quota.QUOTAS``), by when the API stopped showing them.
COMPUTE = ("instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups", "server_group_members")
INJECTED_FILES = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")  # until 2.56
NETWORK = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")  # until 2.35 (2.49 in classes)
RESOURCES = (*COMPUTE, *INJECTED_FILES, *NETWORK)


def _number(value):
    """A string of digits as the number it spells (else the value itself)."""
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
    return value


def _bound(keyword: str):
    check = jsonschema.Draft202012Validator.VALIDATORS[keyword]

    def bound(validator, limit, instance, schema):
        yield from check(validator, limit, _number(instance), schema)

    return bound


_LimitValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"minimum": _bound("minimum"), "maximum": _bound("maximum")}
)


class LimitBody(Body):
    """A ``Body`` whose ``minimum`` and ``maximum`` hold for numbers written as strings too."""

    def __init__(self, by_version: dict[str, dict], **options):
        super().__init__(by_version, **options)
        self._validators = {version: _LimitValidator(schema, format_checker=FORMATS)
                            for version, schema in self.by_version}  # fmt: skip


def limits(names, **more) -> dict:
    """``{name: LIMIT}`` for each of ``names``, plus ``more``."""
    return {**{name: LIMIT for name in names}, **more}


def without(names, gone) -> tuple:
    return tuple(name for name in names if name not in gone)


def _quota_set(names) -> dict:
    return envelope("quota_set", closed(limits(names, force=BOOLEAN)))


UPDATE = LimitBody(
    {
        "2.1": _quota_set(RESOURCES),
        "2.36": _quota_set(without(RESOURCES, NETWORK)),
        "2.57": _quota_set(without(RESOURCES, (*NETWORK, *INJECTED_FILES))),
    },
    example={"quota_set": {"instances": 20, "cores": 40}},
)

# A quota set's reads, update and revert name ``user_id`` (Nova's per-user quotas, which this cloud
# does not keep: it is accepted and has no effect); from 2.75 any other parameter is a 400. The
# defaults take any parameter at every version (Nova defines a strict 2.102 schema for them but
# never applies it).
QUOTA_SET_QUERY = strict_from("2.75", {"user_id": multi({"type": "string"}, "Per-user quotas (not kept here)")})
DEFAULTS_QUERY = ANY
# GET /limits: ``tenant_id`` (admins: another project's); from 2.75 any other parameter is a 400.
LIMITS_QUERY = strict_from("2.75", {"tenant_id": multi({"type": "string"}, "Admins: another project's limits")})
