"""Request ids: every API request gets ``req-<uuid>`` (or keeps a valid incoming one)."""

import re
import uuid

from core.observability import REQUEST_ID

REQUEST_ID_HEADER = "x-openstack-request-id"
# Nova's own name for the same id, which the Compute API sends beside the common one.
COMPUTE_REQUEST_ID_HEADER = "x-compute-request-id"
_VALID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def request_id_middleware(get_response):
    def middleware(request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if _VALID.match(incoming) else f"req-{uuid.uuid4()}"
        token = REQUEST_ID.set(request.request_id)  # log lines and tasks sent from here carry it
        try:
            response = get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        if request.path.startswith("/v2"):
            response[COMPUTE_REQUEST_ID_HEADER] = request.request_id
        return response

    return middleware


_PROJECT_PREFIX = re.compile(r"^/v2\.1/(?P<project>[0-9a-f]{32})(?P<rest>/.*)?$")


def project_prefix_middleware(get_response):
    """Nova's optional ``/v2.1/{project_id}/...`` form: served as ``/v2.1/...``, the project remembered
    so the policy can check it is the caller's (``request.url_project_id``)."""

    def middleware(request):
        match = _PROJECT_PREFIX.match(request.path_info)
        if match:
            request.url_project_id = match.group("project")
            request.path_info = "/v2.1" + (match.group("rest") or "/")
        return get_response(request)

    return middleware
