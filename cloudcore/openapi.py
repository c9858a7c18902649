"""The OpenAPI 3 schema (drf-spectacular): settings, and the request/response bodies of every endpoint."""

SPECTACULAR_SETTINGS = {
    "TITLE": "cloudcore",
    "DESCRIPTION": "A compute control plane with OpenStack's APIs: Compute v2.1, Identity v3, Image v2 and "
    "Networking v2.0.",
    "VERSION": "2.47",
    "SERVE_INCLUDE_SCHEMA": False,
}
