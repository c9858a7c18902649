"""The request and response bodies of every API endpoint, for the OpenAPI schema (drf-spectacular).

The API views are plain ``APIView`` classes without serializers, so nothing can be introspected:
each API's module (``compute``, ``hosts``, ``identity``, ``image``, ``network``) holds a table of
its operations, keyed by (path template, method), with the JSON schemas of the bodies, written from
the views and their builders. ``hooks`` applies the table to the generated schema and ``schema``
keeps drf-spectacular from guessing serializers. Everything here is data or schema generation:
nothing is imported by the API at run time.
"""
