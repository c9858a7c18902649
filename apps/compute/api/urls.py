"""The compute API under ``/v2.1``: Nova's paths, grouped by resource."""

from django.urls import include, path, re_path

from apps.compute.api import (
    flavor_access,
    flavor_extra_specs,
    flavors,
    instance_actions,
    keypairs,
    migration_views,
    quota_classes,
    quotas,
    server_action,
    server_groups,
    views,
)
from apps.compute.api import server_devices as devices
from apps.compute.api import server_extras as extras

flavor_routes = [
    path("", flavors.FlavorView.as_view(), name="flavor"),
    path("/action", flavor_access.FlavorActionView.as_view(), name="flavor-action"),
    path("/os-flavor-access", flavor_access.FlavorAccessView.as_view(), name="flavor-access"),
    path("/os-extra_specs", flavor_extra_specs.ExtraSpecsView.as_view(), name="extra-specs"),
    path("/os-extra_specs/<key>", flavor_extra_specs.ExtraSpecView.as_view(), name="extra-spec"),
]

server_routes = [
    path("", views.ServerView.as_view(), name="server"),
    path("/action", server_action.ServerActionView.as_view(), name="server-action"),
    path("/metadata", extras.MetadataView.as_view(), name="server-metadata"),
    path("/metadata/<key>", extras.MetadataItemView.as_view(), name="metadata-item"),
    path("/tags", extras.TagsView.as_view(), name="server-tags"),
    path("/tags/<tag>", extras.TagView.as_view(), name="server-tag"),
    path("/ips", extras.ServerIpsView.as_view(), name="server-ips"),
    path("/ips/<network>", extras.ServerIpsView.as_view(), name="server-ips-one"),
    path("/migrations", migration_views.ServerMigrationsView.as_view(), name="server-migrations"),
    path("/os-security-groups", extras.ServerSecurityGroupsView.as_view(), name="server-security-groups"),
    path("/os-server-password", extras.ServerPasswordView.as_view(), name="server-password"),
    path("/os-instance-actions", instance_actions.InstanceActionListView.as_view(), name="actions"),
    path("/os-instance-actions/<request_id>", instance_actions.InstanceActionView.as_view(), name="action"),
    path("/os-volume_attachments", devices.VolumeAttachmentsView.as_view(), name="volume-attachments"),
    path("/os-volume_attachments/<volume_id>", devices.VolumeAttachmentView.as_view(), name="volume-attachment"),
    path("/topology", devices.ServerTopologyView.as_view(), name="server-topology"),
    path("/diagnostics", devices.ServerDiagnosticsView.as_view(), name="server-diagnostics"),
]

quota_routes = [
    path("/os-quota-sets/<project_id>", quotas.QuotaSetView.as_view(), name="quota-set"),
    path("/os-quota-sets/<project_id>/detail", quotas.QuotaSetDetailView.as_view(), name="quota-set-detail"),
    path("/os-quota-sets/<project_id>/defaults", quotas.QuotaSetDefaultsView.as_view(), name="quota-defaults"),
    path("/os-quota-class-sets/<class_name>", quota_classes.QuotaClassSetView.as_view(), name="quota-class-set"),
    path("/limits", quotas.LimitsView.as_view(), name="limits"),
]

urlpatterns = [
    re_path(r"^/?$", views.VersionView.as_view(), name="version"),
    path("/flavors", flavors.FlavorListView.as_view(), name="flavor-list"),
    path("/flavors/detail", flavors.FlavorDetailListView.as_view(), name="flavor-detail-list"),
    path("/flavors/<flavor_id>", include(flavor_routes)),
    path("/images", views.ImageListView.as_view(), name="image-list"),
    path("/images/detail", views.ImageDetailListView.as_view(), name="image-detail-list"),
    path("/images/<image_id>", views.ImageView.as_view(), name="image"),
    path("/servers", views.ServerListView.as_view(), name="server-list"),
    path("/servers/detail", views.ServerDetailListView.as_view(), name="server-detail-list"),
    path("/servers/<server_id>", include(server_routes)),
    path("/os-migrations", migration_views.MigrationsView.as_view(), name="migrations"),
    path("/os-server-groups", server_groups.ServerGroupListView.as_view(), name="server-groups"),
    path("/os-server-groups/<group_id>", server_groups.ServerGroupView.as_view(), name="server-group"),
    path("/os-keypairs", keypairs.KeyPairListView.as_view(), name="keypairs"),
    path("/os-keypairs/<name>", keypairs.KeyPairView.as_view(), name="keypair"),
    path("", include(quota_routes)),
    path("", include("apps.hosts.api.urls")),  # services, hypervisors, aggregates, availability zones
]
