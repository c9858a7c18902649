"""Request ids: every API request gets ``req-<uuid>`` (or keeps a valid incoming one)."""

import re
import uuid

REQUEST_ID_HEADER = "x-openstack-request-id"
_VALID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def request_id_middleware(get_response):
    def middleware(request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if _VALID.match(incoming) else f"req-{uuid.uuid4()}"
        response = get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    return middleware
