"""Version discovery, as Glance answers it: ``/image`` (and ``/image/v2``) are 300 Multiple Choices
with every version, ``/image/versions`` the same list with 200. keystoneauth picks the highest
``v2.x`` and follows its ``self`` link, ``<public URL>/image/v2/``."""

from rest_framework.response import Response

from apps.identity.api.base import base_url
from apps.images.api.base import GlanceView

CURRENT_MINOR = 16


def versions(request) -> list[dict]:
    href = f"{base_url(request)}/image/v2/"
    return [
        {
            "id": f"v2.{minor}",
            "status": "CURRENT" if minor == CURRENT_MINOR else "SUPPORTED",
            "links": [{"rel": "self", "href": href}],
        }
        for minor in range(CURRENT_MINOR, -1, -1)
    ]


class VersionsView(GlanceView):
    """Every Image API version this endpoint serves (no authentication needed)."""

    permission_classes = []
    authentication_classes = []
    status_code = 300

    def get(self, request):
        return Response({"versions": versions(request)}, status=self.status_code)


class VersionListView(VersionsView):
    """``/versions``: the same document with 200."""

    status_code = 200
