"""The Image API v2 under ``/image`` (mounted as ``re_path(r"^image", ...)``): Glance's paths."""

from django.urls import path

from apps.images.api import data, schemas, versions, views

urlpatterns = [
    path("", versions.VersionsView.as_view(), name="image-versions"),
    path("/", versions.VersionsView.as_view(), name="image-versions-root"),
    path("/versions", versions.VersionListView.as_view(), name="image-version-list"),
    path("/v2", versions.VersionsView.as_view(), name="image-v2-root"),
    path("/v2/", versions.VersionsView.as_view(), name="image-v2-root-slash"),
    path("/v2/images", views.ImagesView.as_view(), name="image-v2-images"),
    path("/v2/images/<str:image_id>", views.ImageView.as_view(), name="image-v2-image"),
    path("/v2/images/<str:image_id>/file", data.ImageFileView.as_view(), name="image-v2-image-file"),
    path("/v2/images/<str:image_id>/tags/<str:tag>", views.ImageTagView.as_view(), name="image-v2-image-tag"),
    path("/v2/schemas/image", schemas.ImageSchemaView.as_view(), name="image-v2-schema-image"),
    path("/v2/schemas/images", schemas.ImagesSchemaView.as_view(), name="image-v2-schema-images"),
]
