"""Compute API v2.1: versions, flavors with their extra specs and access lists, Nova's image proxy,
key pairs, quota sets and classes, limits and server groups (``apps/compute/api/views.py``,
``flavors.py``, ``flavor_extra_specs.py``, ``flavor_access.py``, ``keypairs.py``, ``quotas.py``,
``quota_classes.py``, ``server_groups.py``, ``builders.py``)."""

from apps.compute.api.schemas import flavors as flavor_schemas
from apps.compute.api.schemas import keypairs as keypair_schemas
from apps.compute.api.schemas import quota_classes as quota_class_schemas
from apps.compute.api.schemas import quota_sets as quota_schemas
from apps.compute.api.schemas import server_groups as group_schemas
from cloudcore.openapi_bodies.common import (
    BOOL,
    DATE_TIME,
    INT,
    LIMIT,
    LINKS,
    NULLABLE_INT,
    NUMBER,
    STR,
    STRING_MAP,
    TIMESTAMP,
    UUID,
    Op,
    Reply,
    array,
    described,
    enum,
    envelope,
    listing,
    marker,
    obj,
    op,
    query,
    ref,
)

VERSION = obj(
    {
        "id": STR,
        "status": STR,
        "version": described(STR, "The highest microversion served"),
        "min_version": described(STR, "The lowest microversion served"),
        "updated": DATE_TIME,
        "links": LINKS,
        "media-types": array(obj({"base": STR, "type": STR}, "all")),
    },
    "all",
)

FLAVOR_DESCRIPTION = described({"type": ["string", "null"]}, "From microversion 2.55")
FLAVOR_BRIEF = obj({"id": STR, "name": STR, "links": LINKS, "description": FLAVOR_DESCRIPTION},
                   ["id", "name", "links"])  # fmt: skip
FLAVOR = obj(
    {
        "id": STR,
        "name": STR,
        "links": LINKS,
        "description": FLAVOR_DESCRIPTION,
        "ram": described(INT, "MiB"),
        "vcpus": INT,
        "disk": described(INT, "Root disk, GiB"),
        "OS-FLV-EXT-DATA:ephemeral": described(INT, "GiB"),
        "swap": {"oneOf": [INT, {"const": ""}], "description": "MiB: an empty string for none until 2.74, 0 from 2.75"},
        "rxtx_factor": described(NUMBER, "Until microversion 2.101"),
        "os-flavor-access:is_public": BOOL,
        "OS-FLV-DISABLED:disabled": described(BOOL, "Until microversion 2.101"),
        "extra_specs": described(STRING_MAP, "From microversion 2.61, to those the policy lets list them"),
    },
    ["id", "name", "links", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap", "os-flavor-access:is_public"],
)
FLAVOR_LINKS = described(LINKS, "The next page, when a page is as long as the limit allowed")
FLAVOR_ACCESS = envelope(
    "flavor_access",
    array(obj({"flavor_id": STR, "tenant_id": described(STR, "A project allowed to use the flavor")}, "all")),
)
EXTRA_SPECS = envelope("extra_specs", STRING_MAP)
SPEC_CHECKS = ("From microversion 2.86 a spec in a namespace Nova knows (hw:, quota:, trait:, resources:...) "
               "must be one Nova registers, with a valid value (else 400); other namespaces are free.")  # fmt: skip
EXTRA_SPEC = {**STRING_MAP, "minProperties": 1, "maxProperties": 1, "description": "{<key>: <value>}"}

IMAGE_BRIEF = obj({"id": UUID, "name": STR, "links": LINKS}, "all")
IMAGE = obj(
    {
        "id": UUID,
        "name": STR,
        "links": LINKS,
        "status": enum("ACTIVE", "SAVING", "ERROR", "DELETED", "UNKNOWN"),
        "progress": INT,
        "minDisk": INT,
        "minRam": INT,
        "created": DATE_TIME,
        "updated": DATE_TIME,
        "metadata": STRING_MAP,
        "OS-EXT-IMG-SIZE:size": NULLABLE_INT,
    },
    "all",
)

KEYPAIR_SUMMARY_PROPERTIES = {"name": STR, "public_key": STR, "fingerprint": STR,
                              "type": described(enum("ssh", "x509"), "From microversion 2.2")}  # fmt: skip
KEYPAIR_REQUIRED = ["name", "public_key", "fingerprint"]
KEYPAIR_SUMMARY = obj(KEYPAIR_SUMMARY_PROPERTIES, KEYPAIR_REQUIRED)
KEYPAIR = obj(
    {
        **KEYPAIR_SUMMARY_PROPERTIES,
        "user_id": STR,
        "id": INT,
        "created_at": TIMESTAMP,
        "deleted": BOOL,
        "deleted_at": {"type": "null"},
        "updated_at": {"type": "null"},
    },
    [*KEYPAIR_REQUIRED, "user_id", "id", "created_at", "deleted", "deleted_at", "updated_at"],
)
KEYPAIR_CREATED = obj(
    {
        **KEYPAIR_SUMMARY_PROPERTIES,
        "user_id": STR,
        "private_key": described(STR, "Only when the key was generated (until 2.91): shown once, never stored"),
    },
    [*KEYPAIR_REQUIRED, "user_id"],
)
KEYPAIR_CREATE = keypair_schemas.CREATE.described()
KEYPAIR_USER = query(
    "user_id", "Admins: another user's key pairs", {"type": "string", "minLength": 1, "maxLength": 255}
)

# What Nova's 2.1 quota set shows; microversion 2.36 drops the network ones, 2.57 the injected files.
NETWORK_QUOTAS = ("fixed_ips", "floating_ips", "security_group_rules", "security_groups")
INJECTED_FILE_QUOTAS = ("injected_file_content_bytes", "injected_file_path_bytes", "injected_files")
QUOTA_KEYS = ("cores", "fixed_ips", "floating_ips", "injected_file_content_bytes", "injected_file_path_bytes",
              "injected_files", "instances", "key_pairs", "metadata_items", "ram", "security_group_rules",
              "security_groups", "server_group_members", "server_groups")  # fmt: skip
ALWAYS_SHOWN = [k for k in QUOTA_KEYS if k not in (*NETWORK_QUOTAS, *INJECTED_FILE_QUOTAS)]
QUOTA_LIMIT = described(INT, "-1 for unlimited")
QUOTA_VALUES = {k: QUOTA_LIMIT for k in QUOTA_KEYS}
QUOTAS_BY_VERSION = "The network quotas until 2.35, the injected files' until 2.56"
QUOTA_SET = obj({"id": STR, **QUOTA_VALUES}, ["id", *ALWAYS_SHOWN], description=QUOTAS_BY_VERSION)
QUOTA_USAGE = obj({"in_use": INT, "limit": QUOTA_LIMIT, "reserved": INT}, "all")
QUOTA_SET_DETAIL = obj(
    {"id": STR, **{k: ref("QuotaUsage") for k in QUOTA_KEYS}},
    ["id", *ALWAYS_SHOWN],
    description=QUOTAS_BY_VERSION,
)
# A quota class shows the network quotas and no server group ones until 2.49, the other way from 2.50,
# and no injected files from 2.57.
SERVER_GROUP_QUOTAS = ("server_groups", "server_group_members")
QUOTA_CLASS_SET = obj(
    {"id": STR, **QUOTA_VALUES},
    ["id", *(k for k in ALWAYS_SHOWN if k not in SERVER_GROUP_QUOTAS)],
    description="The network quotas until 2.49; server_groups and server_group_members from 2.50; the injected "
    "files' until 2.56",
)
ABSOLUTE = ("maxTotalInstances", "maxTotalCores", "maxTotalRAMSize", "maxTotalKeypairs", "maxServerMeta",
            "maxImageMeta", "maxPersonality", "maxPersonalitySize", "maxServerGroups", "maxServerGroupMembers",
            "maxTotalFloatingIps", "maxSecurityGroups", "maxSecurityGroupRules", "totalInstancesUsed",
            "totalCoresUsed", "totalRAMUsed", "totalServerGroupsUsed", "totalFloatingIpsUsed",
            "totalSecurityGroupsUsed")  # fmt: skip
PERSONALITY_LIMITS = ("maxPersonality", "maxPersonalitySize")
NETWORK_LIMITS = ("maxTotalFloatingIps", "maxSecurityGroups", "maxSecurityGroupRules", "totalFloatingIpsUsed",
                  "totalSecurityGroupsUsed")  # fmt: skip
LIMITS = envelope(
    "limits",
    obj(
        {
            "rate": array(obj({}, closed=False), maxItems=0, description="Always empty"),
            "absolute": obj(
                {k: INT for k in ABSOLUTE},
                [k for k in ABSOLUTE if k not in (*NETWORK_LIMITS, "maxImageMeta", *PERSONALITY_LIMITS)],
                description="The network limits until microversion 2.35, maxImageMeta until 2.38, "
                "maxPersonality and maxPersonalitySize until 2.56",
            ),
        },
        "all",
    ),
)

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
SERVER_GROUP = obj(
    {
        "id": UUID,
        "name": STR,
        "policies": described(array(enum(*POLICIES), minItems=1, maxItems=1), "Until microversion 2.63"),
        "policy": described(enum(*POLICIES), "From microversion 2.64"),
        "rules": described(obj({"max_server_per_host": {"type": "integer", "minimum": 1}}), "From microversion 2.64"),
        "members": array(UUID),
        "metadata": obj({}, description="Always empty; until microversion 2.63"),
        "project_id": described(STR, "From microversion 2.13"),
        "user_id": described(STR, "From microversion 2.13"),
    },
    ["id", "name", "members"],
)
NO_STORE = {"Cache-Control": ("no-store", STR)}

COMPONENTS = {
    "ComputeVersion": VERSION,
    "Flavor": FLAVOR,
    "FlavorBrief": FLAVOR_BRIEF,
    "ComputeImage": IMAGE,
    "ComputeImageBrief": IMAGE_BRIEF,
    "KeypairSummary": KEYPAIR_SUMMARY,
    "Keypair": KEYPAIR,
    "QuotaSet": QUOTA_SET,
    "QuotaUsage": QUOTA_USAGE,
    "QuotaClassSet": QUOTA_CLASS_SET,
    "ServerGroup": SERVER_GROUP,
}

FLAVOR_LIST = ("An admin sees the public flavors and its project's private ones, or chooses with is_public; "
               "anyone else sees the enabled flavors that are public or shared with its project.")  # fmt: skip
PROXY = "Nova's image proxy: removed at microversion 2.36 (404 from then on); use the Image API."
FLAVOR_ENVELOPE = envelope("flavor", ref("Flavor"))
QUOTA_SET_ENVELOPE = envelope("quota_set", ref("QuotaSet"))
SERVER_GROUP_ENVELOPE = envelope("server_group", ref("ServerGroup"))

OPERATIONS = {
    ("/", "GET"): op("List Compute API versions", envelope("versions", array(ref("ComputeVersion")))),
    ("/v2.1/", "GET"): op("Show the Compute API version", envelope("version", ref("ComputeVersion"))),
    ("/v2/", "GET"): op(
        "Show the legacy v2.0 version (listed as SUPPORTED)", envelope("version", ref("ComputeVersion"))
    ),
    ("/v2.1/flavors", "GET"): op(
        "List flavors",
        listing("flavors", ref("FlavorBrief"), flavors_links=FLAVOR_LINKS),
        parameters=flavor_schemas.INDEX_QUERY.described(),
        errors=(400,),
        description=FLAVOR_LIST,
    ),
    ("/v2.1/flavors", "POST"): op(
        "Create a flavor",
        FLAVOR_ENVELOPE,
        request=flavor_schemas.CREATE.described(),
        errors=(403, 409),
        description="Admins only.",
    ),
    ("/v2.1/flavors/detail", "GET"): op(
        "List flavors with details",
        listing("flavors", ref("Flavor"), flavors_links=FLAVOR_LINKS),
        parameters=flavor_schemas.INDEX_QUERY.described(),
        errors=(400,),
        description=FLAVOR_LIST,
    ),
    ("/v2.1/flavors/{flavor_id}", "GET"): op("Show a flavor", FLAVOR_ENVELOPE),
    ("/v2.1/flavors/{flavor_id}", "PUT"): op(
        "Update a flavor's description",
        FLAVOR_ENVELOPE,
        request=flavor_schemas.UPDATE.described(),
        errors=(403,),
        description="Admins only; from microversion 2.55 (404 before).",
    ),
    ("/v2.1/flavors/{flavor_id}", "DELETE"): op("Delete a flavor", status=202, errors=(403,)),
    ("/v2.1/flavors/{flavor_id}/action", "POST"): op(
        "Add or remove a project's access to a private flavor",
        FLAVOR_ACCESS,
        request=flavor_schemas.access_actions_described(),
        errors=(403, 409),
        description="Admins only: addTenantAccess (400 for an unknown project; 409 if it already has access, or "
        "from 2.7 for a public flavor) or removeTenantAccess (404 if it has none).",
    ),
    ("/v2.1/flavors/{flavor_id}/os-flavor-access", "GET"): op(
        "List the projects with access to a private flavor",
        FLAVOR_ACCESS,
        errors=(403,),
        description="Admins only; 404 for a public flavor, which has no access list.",
    ),
    ("/v2.1/flavors/{flavor_id}/os-extra_specs", "GET"): op("List a flavor's extra specs", EXTRA_SPECS),
    ("/v2.1/flavors/{flavor_id}/os-extra_specs", "POST"): op(
        "Create or update flavor extra specs",
        EXTRA_SPECS,
        request=flavor_schemas.EXTRA_SPECS.described(),
        errors=(403,),
        description=f"Admins only. {SPEC_CHECKS}",
    ),
    ("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", "GET"): op("Show a flavor extra spec", EXTRA_SPEC),
    ("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", "PUT"): op(
        "Update a flavor extra spec",
        EXTRA_SPEC,
        request=flavor_schemas.EXTRA_SPEC.described(),
        errors=(403,),
        description=f"Admins only. The one key in the body must be the key in the path. {SPEC_CHECKS}",
    ),
    ("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", "DELETE"): op(
        "Delete a flavor extra spec", reply="Deleted, no body", errors=(403,)
    ),
    ("/v2.1/images", "GET"): op(
        "List images (proxy)",
        listing("images", ref("ComputeImageBrief")),
        description=PROXY,
        deprecated=True,
        errors=(404,),
    ),
    ("/v2.1/images/detail", "GET"): op(
        "List images with details (proxy)",
        listing("images", ref("ComputeImage")),
        description=PROXY,
        deprecated=True,
        errors=(404,),
    ),
    ("/v2.1/images/{image_id}", "GET"): op(
        "Show an image (proxy)", envelope("image", ref("ComputeImage")), description=PROXY, deprecated=True
    ),
    ("/v2.1/os-keypairs", "GET"): op(
        "List key pairs",
        listing("keypairs", envelope("keypair", ref("KeypairSummary"))),
        parameters=(KEYPAIR_USER, LIMIT, marker("name")),
        errors=(400, 403),
    ),
    ("/v2.1/os-keypairs", "POST"): Op(
        "Create or import a key pair",
        {
            status: Reply(f"Created ({when})", envelope("keypair", KEYPAIR_CREATED), headers=NO_STORE)
            for status, when in ((200, "microversion 2.1"), (201, "from microversion 2.2"))
        },
        request=KEYPAIR_CREATE,
        errors=(403, 409),
    ),
    ("/v2.1/os-keypairs/{name}", "GET"): op(
        "Show a key pair", envelope("keypair", ref("Keypair")), parameters=(KEYPAIR_USER,), errors=(400, 403)
    ),
    ("/v2.1/os-keypairs/{name}", "DELETE"): Op(
        "Delete a key pair",
        {202: Reply("Deleted (microversion 2.1)"), 204: Reply("Deleted (from microversion 2.2)")},
        parameters=(KEYPAIR_USER,),
        errors=(400, 403),
    ),
    ("/v2.1/limits", "GET"): op(
        "Show the project's limits and usage",
        LIMITS,
        parameters=(query("tenant_id", "Admins: another project's"),),
        errors=(403,),
    ),
    ("/v2.1/os-quota-sets/{project_id}", "GET"): op(
        "Show a project's quotas", QUOTA_SET_ENVELOPE, errors=(403,), description="Admins may see other projects'."
    ),
    ("/v2.1/os-quota-sets/{project_id}", "PUT"): op(
        "Update a project's quotas",
        envelope("quota_set", obj(QUOTA_VALUES, ALWAYS_SHOWN)),
        request=quota_schemas.UPDATE.described(),
        errors=(403,),
        description="Admins only. A limit below the usage is a 400 unless force is true.",
    ),
    ("/v2.1/os-quota-sets/{project_id}", "DELETE"): op(
        "Revert a project's quotas to the defaults", status=202, errors=(403,)
    ),
    ("/v2.1/os-quota-sets/{project_id}/detail", "GET"): op(
        "Show a project's quotas with usage", envelope("quota_set", QUOTA_SET_DETAIL), errors=(403,)
    ),
    ("/v2.1/os-quota-sets/{project_id}/defaults", "GET"): op(
        "Show the default quotas", QUOTA_SET_ENVELOPE, description="The default quota class over the settings."
    ),
    ("/v2.1/os-quota-class-sets/{class_name}", "GET"): op(
        "Show a quota class",
        envelope("quota_class_set", ref("QuotaClassSet")),
        errors=(403,),
        description="Admins only. What the class does not set is the settings' default.",
    ),
    ("/v2.1/os-quota-class-sets/{class_name}", "PUT"): op(
        "Create or update a quota class",
        envelope("quota_class_set", obj(QUOTA_VALUES, QUOTA_CLASS_SET["required"][1:])),
        request=quota_class_schemas.UPDATE.described(),
        errors=(403,),
        description="Admins only. The default class's limits are every project's defaults.",
    ),
    ("/v2.1/os-server-groups", "GET"): op(
        "List server groups",
        listing("server_groups", ref("ServerGroup")),
        parameters=(query("all_projects", "Admins: every project's groups", BOOL),),
    ),
    ("/v2.1/os-server-groups", "POST"): op(
        "Create a server group", SERVER_GROUP_ENVELOPE, request=group_schemas.CREATE.described(), errors=(403,)
    ),
    ("/v2.1/os-server-groups/{group_id}", "GET"): op("Show a server group", SERVER_GROUP_ENVELOPE),
    ("/v2.1/os-server-groups/{group_id}", "DELETE"): op("Delete a server group", status=204),
}
