"""The Compute API's request bodies, one module per resource, each body a ``Body`` of JSON schemas
by microversion (as Nova's ``api/openstack/compute/schemas/``). Views validate with them and the
OpenAPI document shows them: there is no second description."""
