from django.urls import path, re_path

from apps.compute.api import views

urlpatterns = [
    re_path(r"^/?$", views.VersionView.as_view(), name="version"),
    path("/flavors", views.FlavorListView.as_view(), name="flavor-list"),
    path("/flavors/detail", views.FlavorDetailListView.as_view(), name="flavor-detail-list"),
    path("/flavors/<str:flavor_id>", views.FlavorView.as_view(), name="flavor"),
    path("/images", views.ImageListView.as_view(), name="image-list"),
    path("/images/detail", views.ImageDetailListView.as_view(), name="image-detail-list"),
    path("/images/<str:image_id>", views.ImageView.as_view(), name="image"),
    path("/servers", views.ServerListView.as_view(), name="server-list"),
    path("/servers/detail", views.ServerDetailListView.as_view(), name="server-detail-list"),
    path("/servers/<str:server_id>", views.ServerView.as_view(), name="server"),
    path("/servers/<str:server_id>/os-instance-actions", views.InstanceActionListView.as_view(), name="actions"),
    path(
        "/servers/<str:server_id>/os-instance-actions/<str:request_id>",
        views.InstanceActionView.as_view(),
        name="action",
    ),
]
