"""The central table: every operation of the four APIs, keyed by (path template, method), with the
components its schemas refer to, and the tags, error bodies and parameters each API shares."""

from cloudcore.openapi_bodies import compute, compute_devices, compute_servers, hosts, identity, image, network
from cloudcore.openapi_bodies.common import KEYSTONE_ERROR, LINK, NEUTRON_ERROR, NOVA_ERROR, header

MODULES = (compute, compute_servers, compute_devices, hosts, identity, image, network)


def _merged(name: str) -> dict:
    merged: dict = {}
    for module in MODULES:
        table = getattr(module, name)
        clash = set(merged) & set(table)
        assert not clash, f"{name} defined twice: {sorted(clash)}"
        merged.update(table)
    return merged


OPERATIONS = _merged("OPERATIONS")
COMPONENTS = {
    "Link": LINK,
    "NovaError": NOVA_ERROR,
    "KeystoneError": KEYSTONE_ERROR,
    "NeutronError": NEUTRON_ERROR,
    **_merged("COMPONENTS"),
}

# (tag, path prefix, error body component): the first match wins; "/" is the Compute versions document.
APIS = (
    ("compute", "/v2.1", "NovaError"),
    ("identity", "/identity", "KeystoneError"),
    ("image", "/image", "NovaError"),
    ("network", "/network", "NeutronError"),
    ("compute", "/", "NovaError"),
)
TAGS = [
    {
        "name": "compute",
        "description": "Compute API v2.1 (Nova): servers and their actions, flavors, key pairs, quotas, server "
        "groups, and for operators services, hypervisors, aggregates and zones. Microversions 2.1 to 2.47 with "
        "the OpenStack-API-Version header; every path also works as /v2.1/{project_id}/... .",
    },
    {"name": "identity", "description": "Identity API v3 (a Keystone subset): tokens, projects, users and roles."},
    {"name": "image", "description": "Image API v2 (a Glance subset): images, their data and tags."},
    {"name": "network", "description": "Networking API v2.0 (a Neutron subset): networks, subnets, ports, quotas."},
]

_MICROVERSION = r"(2\.([1-9]|[1-3][0-9]|4[0-7])|latest)"  # 2.1 to 2.47
PARAMETERS = {
    "ComputeApiVersion": header(
        "OpenStack-API-Version",
        "The microversion: 'compute 2.X' (2.1 to 2.47) or 'compute latest'; 2.1 when absent. Out of range is "
        "a 406, malformed a 400.",
        {"type": "string", "pattern": f"^compute {_MICROVERSION}$"},
    ),
    "LegacyComputeApiVersion": header(
        "X-OpenStack-Nova-API-Version",
        "The older form of OpenStack-API-Version: '2.X' (that header wins)",
        {"type": "string", "pattern": f"^{_MICROVERSION}$"},
    ),
}
# What any operation taking those headers may answer for a malformed (400) or unsupported (406) version.
MICROVERSION_ERRORS = (400, 406)
COMPUTE_VERSIONED = "/v2.1/"  # paths under it (not the version document itself) take the headers above

PATH_PARAMETERS = {
    "server_id": "The server's id (a UUID)",
    "flavor_id": "The flavor's id",
    "image_id": "The image's id (a UUID)",
    "key": "The metadata or extra spec key",
    "tag": "The tag",
    "network": "The network's name",
    "group_id": "The server group's id (a UUID)",
    "request_id": "The request id of the action (req-...)",
    "volume_id": "The volume's id (a UUID)",
    "project_id": "The project's id",
    "class_name": "The quota class's name ('default': every project's defaults)",
    "name": "The key pair's name",
    "service_id": "The service's id (an integer before 2.53, a UUID from it)",
    "hypervisor_id": "The hypervisor's id (an integer before 2.53, a UUID from it)",
    "pattern": "A part of hypervisor host names",
    "aggregate_id": "The aggregate's id (an integer)",
    "domain_id": "The domain's id: default",
    "user_id": "The user's id",
    "role_id": "The role's id",
    "alias": "The extension's alias",
    "network_id": "The network's id (a UUID)",
    "subnet_id": "The subnet's id (a UUID)",
    "port_id": "The port's id (a UUID)",
    "security_group_id": "The security group's id (a UUID)",
    "security_group_rule_id": "The security group rule's id (a UUID)",
}


def api_of(path: str) -> tuple[str, str]:
    """(tag, error body component) of a path."""
    for tag, prefix, error in APIS:
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return tag, error
    raise ValueError(f"{path} is in none of the APIs")
