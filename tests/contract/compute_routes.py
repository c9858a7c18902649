"""Which Tempest client call checks each Compute API route: (URL name, method[, action]) -> ``Call``.

The URL names are the ``name=`` of ``apps/compute/api/urls.py`` (``versions`` is the root). A
server action is told apart by its body's one key. Routes Tempest does not cover have a schema of
our own (``OWN``), written from Nova's API reference; ``tests/contract/test_oracle.py`` fails for
any route the API serves that is in neither.
"""

import copy

from tests.contract.tempest_oracle import Call, Pinned, schema_for

S = "ServersClient"
ID = "{id}"


class Amended(Pinned):
    """Tempest's schema for ``call``, amended from microversion ``since`` on by ``amend`` (written
    from Nova's own response schemas), where Tempest has no module for Nova's change."""

    def __init__(self, call: Call, since: str, amend):
        self.call, self.since, self.amend = call, since, amend
        self.client, self.method, self.ranges = call.client, call.method, ()

    def schema(self, version: str) -> dict | None:
        schema = schema_for(self.call, version)
        if schema is None or int(version.split(".")[1]) < int(self.since.split(".")[1]):
            return schema
        return self.amend(copy.deepcopy(schema))

    def __repr__(self):
        return f"Amended({self.call!r}, {self.since})"


def _hypervisor_v2_88(schema: dict) -> dict:
    """Nova's 2.88 detail: the capacity fields gone, ``uptime`` (null when the host does not say)."""
    body = schema["response_body"]["properties"]
    detail = body["hypervisors"]["items"] if "hypervisors" in body else body["hypervisor"]
    for field in ("cpu_info", "current_workload", "disk_available_least", "free_disk_gb", "free_ram_mb", "local_gb",
                  "local_gb_used", "memory_mb", "memory_mb_used", "running_vms", "vcpus", "vcpus_used"):  # fmt: skip
        detail["properties"].pop(field)
        detail["required"] = [name for name in detail["required"] if name != field]
    detail["properties"]["uptime"] = {"type": ["string", "null"]}
    detail["required"].append("uptime")
    return schema


def _migrations_links(schema: dict) -> dict:
    """Nova's 2.59 list: a full page ends with ``migrations_links`` (Tempest forgot it)."""
    schema["response_body"]["properties"]["migrations_links"] = {
        "type": "array",
        "items": {"type": "object", "properties": {"href": {"type": "string", "format": "uri"},
                                                   "rel": {"type": "string"}},
                  "required": ["href", "rel"], "additionalProperties": False},
    }  # fmt: skip
    return schema


def server(method: str, *args, **kwargs) -> Call:
    return Call(S, method, ID, *args, **kwargs)


ROUTES = {
    ("versions", "GET"): Call("VersionsClient", "list_versions"),
    ("version", "GET"): Call("VersionsClient", "get_version_by_url", "/v2.1"),
    ("legacy-version", "GET"): Call("VersionsClient", "get_version_by_url", "/v2"),
    ("flavor-list", "GET"): Call("FlavorsClient", "list_flavors"),
    ("flavor-list", "POST"): Call("FlavorsClient", "create_flavor"),
    ("flavor-detail-list", "GET"): Call("FlavorsClient", "list_flavors", detail=True),
    ("flavor", "GET"): Call("FlavorsClient", "show_flavor", ID),
    ("flavor", "PUT"): Call("FlavorsClient", "update_flavor", ID),
    ("flavor", "DELETE"): Call("FlavorsClient", "delete_flavor", ID),
    ("extra-specs", "GET"): Call("FlavorsClient", "list_flavor_extra_specs", ID),
    ("extra-specs", "POST"): Call("FlavorsClient", "set_flavor_extra_spec", ID),
    ("extra-spec", "GET"): Call("FlavorsClient", "show_flavor_extra_spec", ID, "key"),
    ("extra-spec", "PUT"): Call("FlavorsClient", "update_flavor_extra_spec", ID, "key"),
    ("extra-spec", "DELETE"): Call("FlavorsClient", "unset_flavor_extra_spec", ID, "key"),
    ("flavor-access", "GET"): Call("FlavorsClient", "list_flavor_access", ID),
    ("image-list", "GET"): Call("ImagesClient", "list_images"),
    ("image-detail-list", "GET"): Call("ImagesClient", "list_images", detail=True),
    ("image", "GET"): Call("ImagesClient", "show_image", ID),
    ("server-list", "GET"): Call(S, "list_servers"),
    ("server-list", "POST"): Call(S, "create_server"),
    ("server-detail-list", "GET"): Call(S, "list_servers", detail=True),
    ("server", "GET"): server("show_server"),
    ("server", "PUT"): server("update_server"),
    ("server", "DELETE"): server("delete_server"),
    ("server-metadata", "GET"): server("list_server_metadata"),
    ("server-metadata", "POST"): server("update_server_metadata", {}),
    ("server-metadata", "PUT"): server("set_server_metadata", {}),
    ("metadata-item", "GET"): server("show_server_metadata_item", "key"),
    ("metadata-item", "PUT"): server("set_server_metadata_item", "key", {}),
    ("metadata-item", "DELETE"): server("delete_server_metadata_item", "key"),
    ("server-tags", "GET"): server("list_tags", until="2.98"),
    ("server-tags", "PUT"): server("update_all_tags", [], until="2.98"),
    ("server-tags", "DELETE"): server("delete_all_tags", until="2.98"),
    ("server-tag", "GET"): server("check_tag_existence", "tag", until="2.98"),
    ("server-tag", "PUT"): server("update_tag", "tag", until="2.98"),
    ("server-tag", "DELETE"): server("delete_tag", "tag", until="2.98"),
    ("server-ips", "GET"): server("list_addresses"),
    ("server-ips-one", "GET"): server("list_addresses_by_network", "net"),
    ("server-migrations", "GET"): server("list_in_progress_live_migration"),
    ("server-password", "GET"): server("show_password"),
    ("server-password", "DELETE"): server("delete_password"),
    ("server-security-groups", "GET"): server("list_security_groups_by_server"),
    ("server-diagnostics", "GET"): server("show_server_diagnostics"),
    ("actions", "GET"): server("list_instance_actions"),
    ("action", "GET"): server("show_instance_action", "req"),
    # No volume is ever attached here: the list is empty, the other calls are Nova's 404 (an error body).
    ("volume-attachments", "GET"): server("list_volume_attachments"),
    ("volume-attachments", "POST"): server("attach_volume"),
    ("volume-attachment", "GET"): server("show_volume_attachment", "vol"),
    ("volume-attachment", "PUT"): server("update_attached_volume", "vol"),
    ("volume-attachment", "DELETE"): server("detach_volume", "vol"),
    ("migrations", "GET"): Amended(Call("MigrationsClient", "list_migrations"), "2.59", _migrations_links),
    ("server-groups", "GET"): Call("ServerGroupsClient", "list_server_groups"),
    ("server-groups", "POST"): Call("ServerGroupsClient", "create_server_group"),
    ("server-group", "GET"): Call("ServerGroupsClient", "show_server_group", ID),
    ("server-group", "DELETE"): Call("ServerGroupsClient", "delete_server_group", ID),
    ("limits", "GET"): Call("LimitsClient", "show_limits"),
    ("quota-set", "GET"): Call("QuotasClient", "show_quota_set", ID),
    ("quota-set", "PUT"): Call("QuotasClient", "update_quota_set", ID),
    ("quota-set", "DELETE"): Call("QuotasClient", "delete_quota_set", ID),
    ("quota-set-detail", "GET"): Call("QuotasClient", "show_quota_set", ID, detail=True),
    ("quota-defaults", "GET"): Call("QuotasClient", "show_default_quota_set", ID),
    ("quota-class-set", "GET"): Call("QuotaClassesClient", "show_quota_class_set", ID),
    ("quota-class-set", "PUT"): Call("QuotaClassesClient", "update_quota_class_set", ID),
    ("keypairs", "GET"): Call("KeyPairsClient", "list_keypairs"),
    ("keypairs", "POST"): Call("KeyPairsClient", "create_keypair"),
    ("keypair", "GET"): Call("KeyPairsClient", "show_keypair", ID),
    ("keypair", "DELETE"): Call("KeyPairsClient", "delete_keypair", ID),
    ("services", "GET"): Call("ServicesClient", "list_services"),
    ("service", "PUT"): Call("ServicesClient", "update_service", ID),
    ("hypervisors", "GET"): Call("HypervisorClient", "list_hypervisors"),
    ("hypervisors-detail", "GET"): Amended(
        Call("HypervisorClient", "list_hypervisors", detail=True), "2.88", _hypervisor_v2_88
    ),
    ("hypervisor-stats", "GET"): Call("HypervisorClient", "show_hypervisor_statistics"),
    ("hypervisor", "GET"): Amended(Call("HypervisorClient", "show_hypervisor", ID), "2.88", _hypervisor_v2_88),
    ("hypervisor-uptime", "GET"): Call("HypervisorClient", "show_hypervisor_uptime", ID),
    ("hypervisor-search", "GET"): Call("HypervisorClient", "search_hypervisor", "pattern"),
    ("hypervisor-servers", "GET"): Call("HypervisorClient", "list_servers_on_hypervisor", "pattern"),
    ("aggregates", "GET"): Call("AggregatesClient", "list_aggregates"),
    ("aggregates", "POST"): Call("AggregatesClient", "create_aggregate"),
    ("aggregate", "GET"): Call("AggregatesClient", "show_aggregate", ID),
    ("aggregate", "PUT"): Call("AggregatesClient", "update_aggregate", ID),
    ("aggregate", "DELETE"): Call("AggregatesClient", "delete_aggregate", ID),
    ("availability-zones", "GET"): Call("AvailabilityZoneClient", "list_availability_zones"),
    ("availability-zone-detail", "GET"): Call("AvailabilityZoneClient", "list_availability_zones", detail=True),
}

# POST /servers/{id}/action, by the body's key.
SERVER_ACTIONS = {
    "os-start": server("start_server"),
    "os-stop": server("stop_server"),
    "pause": server("pause_server"),
    "unpause": server("unpause_server"),
    "suspend": server("suspend_server"),
    "resume": server("resume_server"),
    "reboot": server("reboot_server", type="HARD"),
    "rebuild": server("rebuild_server", "image"),
    "resize": server("resize_server", "flavor"),
    "confirmResize": server("confirm_resize_server"),
    "revertResize": server("revert_resize_server"),
    "migrate": server("migrate_server"),
    "createImage": Call("ImagesClient", "create_image", ID),
    "os-getConsoleOutput": server("get_console_output"),
    "lock": server("lock_server"),
    "unlock": server("unlock_server"),
    "os-resetState": server("reset_state"),
    "forceDelete": server("force_delete_server"),
    "restore": server("restore_soft_deleted_server"),
    "injectNetworkInfo": server("inject_network_info"),
    "addSecurityGroup": server("add_security_group"),
    "removeSecurityGroup": server("remove_security_group"),
    # Tempest's client compares microversions as strings ('2.2' < '2.14' is False) and so expects no
    # password from 2.2; Nova returns it until 2.14, as Tempest's own schemas for 2.1 and 2.14 say.
    "evacuate": Pinned(
        ("2.1", "v2_1.servers:evacuate_server_with_admin_pass"), ("2.14", "v2_1.servers:evacuate_server")
    ),
}

# POST /os-aggregates/{id}/action, by the body's key.
AGGREGATE_ACTIONS = {
    "add_host": Call("AggregatesClient", "add_host", ID),
    "remove_host": Call("AggregatesClient", "remove_host", ID),
    "set_metadata": Call("AggregatesClient", "set_metadata", ID),
}

# POST /flavors/{id}/action, by the body's key.
FLAVOR_ACTIONS = {
    "addTenantAccess": Call("FlavorsClient", "add_flavor_access", ID, "tenant"),
    "removeTenantAccess": Call("FlavorsClient", "remove_flavor_access", ID, "tenant"),
}

# PUT /os-services/{id} before 2.53: the id names the action (Nova's pre-2.53 paths).
SERVICE_ACTIONS = {
    "enable": Call("ServicesClient", "enable_service"),
    "disable": Call("ServicesClient", "disable_service"),
    "disable-log-reason": Call("ServicesClient", "disable_log_reason"),
    "force-down": Call("ServicesClient", "update_forced_down"),
}

# What Tempest has no client call for, from Nova's API reference: (name, method) -> {version range: schema}.
NO_CONTENT = {"status_code": [204]}
# POST /servers with return_reservation_id: Nova answers with the reservation alone.
RESERVATION = {
    "status_code": [202],
    "response_body": {"type": "object", "properties": {"reservation_id": {"type": "string"}},
                      "required": ["reservation_id"], "additionalProperties": False},
}  # fmt: skip
# GET /servers/{id}/topology (2.78): Nova's index_response (schemas/server_topology.py); Tempest has no client call.
_TOPOLOGY_NODE = {
    "type": "object",
    "properties": {
        "cpu_pinning": {"type": "object", "patternProperties": {"^[0-9]+$": {"type": "integer"}},
                        "additionalProperties": False},
        "host_node": {"type": "integer"},
        "memory_mb": {"type": "integer"},
        "siblings": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "vcpu_set": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["memory_mb", "siblings", "vcpu_set"],
    "additionalProperties": False,
}  # fmt: skip
TOPOLOGY = {
    "status_code": [200],
    "response_body": {"type": "object",
                      "properties": {"nodes": {"type": "array", "items": _TOPOLOGY_NODE},
                                     "pagesize_kb": {"type": ["integer", "null"]}},
                      "required": ["nodes", "pagesize_kb"], "additionalProperties": False},
}  # fmt: skip
OWN = {
    ("server-topology", "GET"): TOPOLOGY,
    ("service", "DELETE"): NO_CONTENT,
    ("aggregate-images", "POST"): {"status_code": [202]},  # 2.81; Nova answers without a body
}


def call_for(name: str, method: str, path_kwargs: dict, body) -> Call | dict | None:
    """The Tempest call (or our own schema) that checks a response to this request; None if none."""
    key = body and isinstance(body, dict) and len(body) == 1 and next(iter(body))
    server = body.get("server") if isinstance(body, dict) else None
    if (name, method) == ("server-list", "POST") and isinstance(server, dict) and server.get("return_reservation_id"):
        return RESERVATION
    if (name, method) == ("server-action", "POST"):
        return SERVER_ACTIONS.get(key)
    if (name, method) == ("aggregate-action", "POST"):
        return AGGREGATE_ACTIONS.get(key)
    if (name, method) == ("flavor-action", "POST"):
        return FLAVOR_ACTIONS.get(key)
    if (name, method) == ("service", "PUT") and path_kwargs.get("service_id") in SERVICE_ACTIONS:
        return SERVICE_ACTIONS[path_kwargs["service_id"]]
    return ROUTES.get((name, method)) or OWN.get((name, method))
