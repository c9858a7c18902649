"""A flat network (a Neutron subset): networks, subnets with an address pool, ports and security groups.

Mounted at ``/network``: ``/network/`` is the versions document, ``/network/v2.0/...`` the API.
"""

from django.urls import re_path

from apps.network.api import quotas, security_group_views, views

ID = r"(?P<{}>[^/]+)"

urlpatterns = [
    re_path(r"^/?$", views.VersionsView.as_view(), name="neutron-versions"),
    re_path(r"^/v2\.0/?$", views.ResourcesView.as_view(), name="neutron-resources"),
    re_path(r"^/v2\.0/extensions/?$", views.ExtensionsView.as_view(), name="neutron-extensions"),
    re_path(rf"^/v2\.0/extensions/{ID.format('alias')}$", views.ExtensionView.as_view(), name="neutron-extension"),
    re_path(r"^/v2\.0/networks/?$", views.NetworkListView.as_view(), name="neutron-network-list"),
    re_path(rf"^/v2\.0/networks/{ID.format('network_id')}$", views.NetworkView.as_view(), name="neutron-network"),
    re_path(r"^/v2\.0/subnets/?$", views.SubnetListView.as_view(), name="neutron-subnet-list"),
    re_path(rf"^/v2\.0/subnets/{ID.format('subnet_id')}$", views.SubnetView.as_view(), name="neutron-subnet"),
    re_path(
        rf"^/v2\.0/quotas/{ID.format('project_id')}/details(\.json)?$",
        quotas.QuotaDetailView.as_view(),
        name="neutron-quota-details",
    ),
    re_path(rf"^/v2\.0/quotas/{ID.format('project_id')}$", quotas.QuotaView.as_view(), name="neutron-quota"),
    re_path(r"^/v2\.0/ports/?$", views.PortListView.as_view(), name="neutron-port-list"),
    re_path(rf"^/v2\.0/ports/{ID.format('port_id')}$", views.PortView.as_view(), name="neutron-port"),
    re_path(
        r"^/v2\.0/security-groups/?$",
        security_group_views.SecurityGroupListView.as_view(),
        name="neutron-security-group-list",
    ),
    re_path(
        rf"^/v2\.0/security-groups/{ID.format('security_group_id')}$",
        security_group_views.SecurityGroupView.as_view(),
        name="neutron-security-group",
    ),
    re_path(
        r"^/v2\.0/security-group-rules/?$",
        security_group_views.SecurityGroupRuleListView.as_view(),
        name="neutron-security-group-rule-list",
    ),
    re_path(
        rf"^/v2\.0/security-group-rules/{ID.format('security_group_rule_id')}$",
        security_group_views.SecurityGroupRuleView.as_view(),
        name="neutron-security-group-rule",
    ),
]
