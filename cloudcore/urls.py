from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.compute.api.views import LegacyVersionView, VersionsView
from cloudcore.metrics import metrics_view

urlpatterns = [
    path("", VersionsView.as_view(), name="versions"),
    re_path(r"^v2/?$", LegacyVersionView.as_view(), name="legacy-version"),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("api-auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    re_path(r"^v2\.1", include("apps.compute.api.urls")),
    re_path(r"^identity", include("apps.identity.api.urls")),
    re_path(r"^image", include("apps.images.api.urls")),
    re_path(r"^network", include("apps.network.urls")),
]
