"""The compute API's host routes (under /v2.1, included by ``apps.compute.api.urls``)."""

from django.urls import path

from apps.hosts.api import hypervisors as hyper
from apps.hosts.api import services as host_services
from apps.hosts.api import views as hosts

urlpatterns = [
    path("/os-services", host_services.ServiceListView.as_view(), name="services"),
    path("/os-services/<service_id>", host_services.ServiceView.as_view(), name="service"),
    path("/os-hypervisors", hyper.HypervisorListView.as_view(), name="hypervisors"),
    path("/os-hypervisors/detail", hyper.HypervisorDetailListView.as_view(), name="hypervisors-detail"),
    path("/os-hypervisors/statistics", hyper.HypervisorStatisticsView.as_view(), name="hypervisor-stats"),
    path("/os-hypervisors/<hypervisor_id>", hyper.HypervisorView.as_view(), name="hypervisor"),
    path("/os-hypervisors/<hypervisor_id>/uptime", hyper.HypervisorUptimeView.as_view(), name="hypervisor-uptime"),
    path("/os-hypervisors/<pattern>/search", hyper.HypervisorSearchView.as_view(), name="hypervisor-search"),
    path("/os-hypervisors/<pattern>/servers", hyper.HypervisorServersView.as_view(), name="hypervisor-servers"),
    path("/os-aggregates", hosts.AggregateListView.as_view(), name="aggregates"),
    path("/os-aggregates/<aggregate_id>", hosts.AggregateView.as_view(), name="aggregate"),
    path("/os-aggregates/<aggregate_id>/action", hosts.AggregateActionView.as_view(), name="aggregate-action"),
    path("/os-aggregates/<aggregate_id>/images", hosts.AggregateImagesView.as_view(), name="aggregate-images"),
    path("/os-availability-zone", hosts.AvailabilityZoneView.as_view(), name="availability-zones"),
    path("/os-availability-zone/detail", hosts.AvailabilityZoneDetailView.as_view(), name="availability-zone-detail"),
]
