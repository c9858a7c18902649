"""How drf-spectacular inspects the API views, without touching them.

The views are plain ``APIView`` classes without serializers: drf-spectacular's ``AutoSchema`` would
guess a serializer for each and fail (one error per operation). ``TableSchema`` guesses nothing;
``hooks.fill_bodies`` then writes every body from the table. ``ApiViewSchemas`` gives every view of
``apps`` that schema class for schema generation only (a view extension: drf-spectacular's way of
annotating views one cannot edit), so ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` may stay
drf-spectacular's own; pointing it at ``TableSchema`` works as well. The authentication extensions
describe ``X-Auth-Token`` and the quick start's HTTP Basic.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.settings import api_settings


class TableSchema(AutoSchema):
    """An ``AutoSchema`` that leaves the bodies to the table (``hooks.fill_bodies``)."""

    def get_request_serializer(self):
        return None

    def get_response_serializers(self):
        return None

    def _get_request_body(self, direction="request"):
        return None

    def _get_response_bodies(self, direction="response"):
        return {}

    def get_description(self):
        """Nothing: the descriptions are the table's (view docstrings describe every method of a view at once)."""
        return ""


class ApiViewSchemas(OpenApiViewExtension):
    """Every API view (a class of ``apps``), described with ``TableSchema``."""

    target_class = "rest_framework.views.APIView"
    match_subclasses = True

    @classmethod
    def _matches(cls, target) -> bool:
        return super()._matches(target) and target.__module__.split(".")[0] == "apps"

    def view_replacement(self):
        view = self.target
        if issubclass(api_settings.DEFAULT_SCHEMA_CLASS, TableSchema):
            return view
        attributes = {"schema": TableSchema(), "__doc__": view.__dict__.get("__doc__"), "__module__": view.__module__}
        return type(view.__name__, (view,), attributes)


class KeystoneTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.identity.auth.KeystoneTokenAuthentication"
    name = "keystoneToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Auth-Token",
            "description": "A token from POST /identity/v3/auth/tokens (its X-Subject-Token response header)",
        }


class QuickStartBasicScheme(OpenApiAuthenticationExtension):
    target_class = "apps.identity.auth.QuickStartBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "User name and password; accepted only while ALLOW_BASIC_AUTH is true (the quick start)",
        }
