"""``PUT /os-quota-sets/{project}``: each limit from -1 (unlimited); the network ones until 2.35."""

from apps.common.schemas import BOOLEAN, Body, closed, envelope

MAX_LIMIT = 2**31 - 1
_LIMIT = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$", "minimum": -1, "maximum": MAX_LIMIT}
_COMPUTE = ("instances", "cores", "ram", "key_pairs", "server_groups", "server_group_members", "metadata_items",
            "injected_files", "injected_file_content_bytes", "injected_file_path_bytes")  # fmt: skip
_NETWORK = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules", "networks")


def _quota_set(names) -> dict:
    return envelope("quota_set", closed({**{name: _LIMIT for name in names}, "force": BOOLEAN}))


UPDATE = Body(
    {"2.1": _quota_set((*_COMPUTE, *_NETWORK)), "2.36": _quota_set(_COMPUTE)},
    example={"quota_set": {"instances": 20, "cores": 40}},
)
