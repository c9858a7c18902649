"""The OpenAPI 3 schema (drf-spectacular): settings, and the request/response bodies of every endpoint.

The views have no serializers, so the bodies come from a table in ``cloudcore.openapi_bodies``
that the hooks below apply. This module is imported by the settings: it only names the hooks.
"""

SPECTACULAR_SETTINGS = {
    "TITLE": "cloudcore",
    "DESCRIPTION": "A compute control plane with OpenStack's APIs: Compute v2.1 (`/v2.1`), Identity v3 "
    "(`/identity/v3`), Image v2 (`/image/v2`) and Networking v2.0 (`/network/v2.0`).\n\n"
    "Authenticate with a token: `POST /identity/v3/auth/tokens`, then send its `X-Subject-Token` as "
    '`X-Auth-Token`. Errors have each API\'s own body: Nova\'s `{"<kind>": {"code", "message"}}` for '
    'Compute and Image, Keystone\'s `{"error": {...}}`, Neutron\'s `{"NeutronError": {...}}`.',
    "VERSION": "2.47",
    # JSON Schema 2020-12 in the schema objects: nullable types as ["string", "null"], const.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files from the sidecar package, served locally: the docs work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The paths are the real ones; operation ids and tags come from the table.
    "SCHEMA_PATH_PREFIX": "",
    "PREPROCESSING_HOOKS": ["cloudcore.openapi_bodies.hooks.keep_api_paths"],
    # Replaces drf-spectacular's enum hook: there are no serializers, every schema is written by hand.
    "POSTPROCESSING_HOOKS": ["cloudcore.openapi_bodies.hooks.fill_bodies"],
    "SORT_OPERATIONS": True,
    # Tags start collapsed: with every operation expanded, Swagger UI 5 stops rendering the list part
    # way through a document this size (about 150 operations); one API at a time renders fine.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayOperationId": True, "filter": True, "docExpansion": "none"},
}
