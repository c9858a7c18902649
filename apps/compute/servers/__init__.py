"""What can be done to a server, one module per kind of operation. Each function takes the caller's
``RequestContext`` and the server's id, raises a ``CloudError`` (409 for a wrong state) before
anything is written, and returns once the work is queued.

- ``lookup``: finding what a request names (servers, flavors, images), as the caller may see it;
- ``create``, ``delete``;
- ``operation``: starting an operation on a server's host (the state table, the compare-and-swap);
- ``power``, ``rebuild``, ``snapshot``, ``move`` (resize, migrate, evacuate);
- ``state``: what changes at once in the database (lock, reset-state);
- ``console``: what the API asks a host and waits for.
"""
