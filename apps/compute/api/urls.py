from django.urls import path, re_path

from apps.compute.api import (
    flavor_access,
    flavor_extra_specs,
    flavors,
    keypairs,
    quota_classes,
    quotas,
    server_action,
    server_extras,
    server_groups,
    views,
)
from apps.hosts.api import hypervisors
from apps.hosts.api import services as host_services
from apps.hosts.api import views as host_views

urlpatterns = [
    re_path(r"^/?$", views.VersionView.as_view(), name="version"),
    path("/flavors", flavors.FlavorListView.as_view(), name="flavor-list"),
    path("/flavors/detail", flavors.FlavorDetailListView.as_view(), name="flavor-detail-list"),
    path("/flavors/<str:flavor_id>", flavors.FlavorView.as_view(), name="flavor"),
    path("/flavors/<str:flavor_id>/action", flavor_access.FlavorActionView.as_view(), name="flavor-action"),
    path("/flavors/<str:flavor_id>/os-flavor-access", flavor_access.FlavorAccessView.as_view(), name="flavor-access"),
    path("/flavors/<str:flavor_id>/os-extra_specs", flavor_extra_specs.ExtraSpecsView.as_view(), name="extra-specs"),
    path(
        "/flavors/<str:flavor_id>/os-extra_specs/<str:key>",
        flavor_extra_specs.ExtraSpecView.as_view(),
        name="extra-spec",
    ),
    path("/images", views.ImageListView.as_view(), name="image-list"),
    path("/images/detail", views.ImageDetailListView.as_view(), name="image-detail-list"),
    path("/images/<str:image_id>", views.ImageView.as_view(), name="image"),
    path("/servers", views.ServerListView.as_view(), name="server-list"),
    path("/servers/detail", views.ServerDetailListView.as_view(), name="server-detail-list"),
    path("/servers/<str:server_id>", views.ServerView.as_view(), name="server"),
    path("/servers/<str:server_id>/action", server_action.ServerActionView.as_view(), name="server-action"),
    path("/servers/<str:server_id>/metadata", server_extras.MetadataView.as_view(), name="server-metadata"),
    path("/servers/<str:server_id>/metadata/<str:key>", server_extras.MetadataItemView.as_view(), name="metadata-item"),
    path("/servers/<str:server_id>/tags", server_extras.TagsView.as_view(), name="server-tags"),
    path("/servers/<str:server_id>/tags/<str:tag>", server_extras.TagView.as_view(), name="server-tag"),
    path("/servers/<str:server_id>/ips", server_extras.ServerIpsView.as_view(), name="server-ips"),
    path("/servers/<str:server_id>/ips/<str:network>", server_extras.ServerIpsView.as_view(), name="server-ips-one"),
    path("/servers/<str:server_id>/migrations", server_extras.ServerMigrationsView.as_view(), name="server-migrations"),
    path(
        "/servers/<str:server_id>/os-security-groups",
        server_extras.ServerSecurityGroupsView.as_view(),
        name="server-security-groups",
    ),
    path(
        "/servers/<str:server_id>/os-server-password",
        server_extras.ServerPasswordView.as_view(),
        name="server-password",
    ),
    path("/os-migrations", server_extras.MigrationsView.as_view(), name="migrations"),
    path("/os-server-groups", server_groups.ServerGroupListView.as_view(), name="server-groups"),
    path("/os-server-groups/<str:group_id>", server_groups.ServerGroupView.as_view(), name="server-group"),
    path("/limits", quotas.LimitsView.as_view(), name="limits"),
    path("/os-quota-sets/<str:project_id>", quotas.QuotaSetView.as_view(), name="quota-set"),
    path("/os-quota-sets/<str:project_id>/detail", quotas.QuotaSetDetailView.as_view(), name="quota-set-detail"),
    path("/os-quota-sets/<str:project_id>/defaults", quotas.QuotaSetDefaultsView.as_view(), name="quota-defaults"),
    path("/os-quota-class-sets/<str:class_name>", quota_classes.QuotaClassSetView.as_view(), name="quota-class-set"),
    path("/os-keypairs", keypairs.KeyPairListView.as_view(), name="keypairs"),
    path("/os-keypairs/<str:name>", keypairs.KeyPairView.as_view(), name="keypair"),
    path("/os-services", host_services.ServiceListView.as_view(), name="services"),
    path("/os-services/<str:service_id>", host_services.ServiceView.as_view(), name="service"),
    path("/os-hypervisors", hypervisors.HypervisorListView.as_view(), name="hypervisors"),
    path("/os-hypervisors/detail", hypervisors.HypervisorDetailListView.as_view(), name="hypervisors-detail"),
    path("/os-hypervisors/statistics", hypervisors.HypervisorStatisticsView.as_view(), name="hypervisor-stats"),
    path("/os-hypervisors/<str:hypervisor_id>", hypervisors.HypervisorView.as_view(), name="hypervisor"),
    path(
        "/os-hypervisors/<str:hypervisor_id>/uptime",
        hypervisors.HypervisorUptimeView.as_view(),
        name="hypervisor-uptime",
    ),
    path("/os-hypervisors/<str:pattern>/search", hypervisors.HypervisorSearchView.as_view(), name="hypervisor-search"),
    path(
        "/os-hypervisors/<str:pattern>/servers", hypervisors.HypervisorServersView.as_view(), name="hypervisor-servers"
    ),
    path("/os-aggregates", host_views.AggregateListView.as_view(), name="aggregates"),
    path("/os-aggregates/<str:aggregate_id>", host_views.AggregateView.as_view(), name="aggregate"),
    path("/os-aggregates/<str:aggregate_id>/action", host_views.AggregateActionView.as_view(), name="aggregate-action"),
    path("/os-availability-zone", host_views.AvailabilityZoneView.as_view(), name="availability-zones"),
    path(
        "/os-availability-zone/detail", host_views.AvailabilityZoneDetailView.as_view(), name="availability-zone-detail"
    ),
    path("/servers/<str:server_id>/os-instance-actions", views.InstanceActionListView.as_view(), name="actions"),
    path(
        "/servers/<str:server_id>/os-instance-actions/<str:request_id>",
        views.InstanceActionView.as_view(),
        name="action",
    ),
]
