"""drf-spectacular hooks (named in ``SPECTACULAR_SETTINGS``): which endpoints the schema shows and
under which paths, then every operation's summary, parameters and bodies from the table."""

import re

from drf_spectacular.drainage import warn

# Imported for their side effect: they register the view and authentication extensions, before
# drf-spectacular inspects the first view (preprocessing hooks are loaded first).
from cloudcore.openapi_bodies import schema as _extensions  # noqa: F401
from cloudcore.openapi_bodies.common import ERROR_DESCRIPTIONS, JSON, Op
from cloudcore.openapi_bodies.table import (
    COMPONENTS,
    COMPUTE_VERSIONED,
    MICROVERSION_ERRORS,
    OPERATIONS,
    PARAMETERS,
    PATH_PARAMETERS,
    TAGS,
    api_of,
)

API_PREFIXES = ("/v2.1", "/identity", "/image", "/network")
UNNAMED_GROUP = "{var}"  # how DRF writes an unnamed regex group, e.g. Neutron's optional ".json"


def is_api_path(path: str) -> bool:
    return path in ("/", "/v2/") or any(path == prefix or path.startswith(f"{prefix}/") for prefix in API_PREFIXES)


def schema_path(path: str, path_regex: str) -> str:
    """The path the schema shows: without unnamed groups, and without the optional trailing slash of
    collections (``/network/v2.0/networks/?``); version documents keep theirs, as clients follow it."""
    path = path.replace(UNNAMED_GROUP, "")
    depth = len([part for part in path.split("/") if part])
    if path_regex.endswith("/?$") and path.endswith("/") and depth >= 3:
        path = path.rstrip("/")
    return path


def keep_api_paths(endpoints):
    """Preprocessing: only the four APIs (and the Compute versions document at ``/``), not the admin,
    the browsable API's login, nor the schema and docs views themselves."""
    return [
        (schema_path(path, path_regex), path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if is_api_path(path)
    ]


ORDER = (
    "operationId",
    "summary",
    "description",
    "tags",
    "parameters",
    "requestBody",
    "responses",
    "security",
    "deprecated",
)
FILLER_WORDS = {"a", "an", "the"}


def operation_id(entry: Op) -> str:
    """The entry's, or camelCase from its summary: "Show a server's tags" is showServerTags."""
    if entry.operation_id:
        return entry.operation_id
    words = [w for w in re.findall(r"[A-Za-z0-9]+", entry.summary.replace("'s ", " ")) if w not in FILLER_WORDS]
    return words[0].lower() + "".join(word[:1].upper() + word[1:] for word in words[1:])


def _content(media_type: str, schema: dict) -> dict:
    return {media_type: {"schema": schema}}


def _responses(path: str, operation: dict, entry: Op, error: str) -> dict:
    responses = {}
    for status, reply in entry.responses.items():
        response = {"description": reply.description}
        if reply.schema is not None:
            response["content"] = _content(reply.media_type, reply.schema)
        if reply.headers:
            response["headers"] = {
                name: {"description": text, "schema": schema} for name, (text, schema) in reply.headers.items()
            }
        responses[str(status)] = response
    errors = set(entry.errors)
    if "requestBody" in operation:
        errors.add(400)
    if any(p.get("in") in ("path", "query") for p in operation.get("parameters", [])):
        errors.add(400)  # a parameter the database cannot hold (a NUL character), if nothing else
    if "{" in path:
        errors.add(404)
    if path.startswith(COMPUTE_VERSIONED) and path != COMPUTE_VERSIONED:
        errors.update(MICROVERSION_ERRORS)
    security = operation.get("security")
    if security and {} not in security:
        errors.add(401)
    for status in sorted(errors):
        responses[str(status)] = {"description": ERROR_DESCRIPTIONS[status], "content": _content(JSON, ref(error))}
    return responses


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def apply_entry(path: str, method: str, operation: dict, entry: Op) -> None:
    """Fill one operation from its table entry (in place)."""
    tag, error = api_of(path)
    operation["operationId"] = operation_id(entry)
    operation["summary"] = entry.summary
    if entry.description:
        operation["description"] = entry.description
    operation["tags"] = [tag]
    parameters = [
        {**p, "description": PATH_PARAMETERS.get(p["name"], "")} if p["in"] == "path" else p
        for p in operation.get("parameters", [])
    ]
    parameters.extend(entry.parameters)
    if path.startswith(COMPUTE_VERSIONED) and path != COMPUTE_VERSIONED:
        parameters.extend({"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS)
    if parameters:
        operation["parameters"] = parameters
    if entry.request is not None:
        body = {"required": True, "content": {}}
        for media_type in entry.request_media_types:
            body["content"].update(_content(media_type, entry.request))
        if entry.request_description:
            body["description"] = entry.request_description
        operation["requestBody"] = body
    else:
        operation.pop("requestBody", None)
    operation["responses"] = _responses(path, operation, entry, error)
    if entry.deprecated:
        operation["deprecated"] = True
    ordered = {key: operation.pop(key) for key in ORDER if key in operation}
    rest = dict(operation)
    operation.clear()
    operation.update({**ordered, **rest})


def fill_bodies(result, generator, request, public):
    """Postprocessing: every operation's bodies from the table, and the components they use. An
    operation the table lacks, or an entry no operation matches, is a warning (so ``spectacular
    --fail-on-warn`` notices a view added or removed without its table entry)."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(COMPONENTS)
    components.setdefault("parameters", {}).update(PARAMETERS)
    seen = set()
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            key = (path, method.upper())
            entry = OPERATIONS.get(key)
            if entry is None:
                warn(f"the OpenAPI table (cloudcore/openapi_bodies) has no entry for {method.upper()} {path}")
                if not operation.get("responses"):
                    operation["responses"] = {"default": {"description": "Not documented"}}
                continue
            seen.add(key)
            apply_entry(path, method, operation, entry)
    for path, method in sorted(set(OPERATIONS) - seen):
        if public:  # a user's partial view of the API (SERVE_PUBLIC off) is no reason to warn
            warn(f"the OpenAPI table (cloudcore/openapi_bodies) documents {method} {path}, which is not served")
    result["tags"] = TAGS
    return result
