"""``/os-quota-class-sets/{class}`` (admins): show and update a quota class.

The ``default`` class's limits are every project's defaults (``/os-quota-sets/{p}/defaults``, and
what is enforced for a project without its own limits); a class shows the settings' defaults for
what it does not set. As in Nova, the keys depend on the microversion: until 2.49 nova-network's
limits and no server group ones; from 2.50 the other way round; from 2.57 no injected files.
"""

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import BadRequest
from apps.compute import quotas
from apps.compute.api.quotas import shown
from apps.compute.api.schemas import quota_classes as class_schemas
from apps.compute.api.schemas.quota_sets import INJECTED_FILES, NETWORK, RESOURCES, without
from apps.compute.models import QuotaClass
from apps.identity import policy
from apps.identity.auth import request_context

SERVER_GROUPS = ("server_groups", "server_group_members")
SHOWN = {
    "2.1": without(RESOURCES, SERVER_GROUPS),
    "2.50": without(RESOURCES, NETWORK),
    "2.57": without(RESOURCES, (*NETWORK, *INJECTED_FILES)),
}
MAX_NAME = 255


class QuotaClassSetView(APIView):
    def get(self, request, class_name):
        policy.enforce(request_context(request), "os_compute_api:os-quota-class-sets:show")
        limits = shown(quotas.class_limits(class_name), request, SHOWN)
        return Response({"quota_class_set": {"id": class_name, **limits}})

    def put(self, request, class_name):
        body = class_schemas.UPDATE.validate(request)["quota_class_set"]  # the body first, as in Nova
        policy.enforce(request_context(request), "os_compute_api:os-quota-class-sets:update")
        if len(class_name) > MAX_NAME:
            raise BadRequest(f"quota_class_name has {len(class_name)} characters, more than {MAX_NAME}.")
        with transaction.atomic():
            for resource, limit in body.items():
                QuotaClass.objects.update_or_create(
                    class_name=class_name, resource=resource, defaults={"hard_limit": int(limit)}
                )
        # Nova's update answers without the class's id.
        return Response({"quota_class_set": shown(quotas.class_limits(class_name), request, SHOWN)})
