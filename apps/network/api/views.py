"""The Networking API v2.0 (a Neutron subset): versions, networks, subnets and ports (security groups
are in ``security_group_views.py``).

Shared networks are visible to every project, others only to their own project (admins see all);
what is not visible is a 404, as in Neutron. A subnet is visible with its network; a port only to
its project. Changing a network, subnet or port needs the member role and ownership (or admin).
"""

import uuid

from django.db import transaction
from rest_framework.response import Response

from apps.network import ipam, security_groups
from apps.network.api import builders, quotas, validation
from apps.network.api.base import (
    NetworkAPIView,
    NeutronError,
    api_url,
    base_url,
    can_modify,
    filter_query,
    find_by_id,
    not_authorized,
    not_found,
    respond,
    respond_list,
)
from apps.network.api.request_schemas import NETWORK_CREATE, PORT_CREATE, PORT_UPDATE, SUBNET_CREATE
from apps.network.models import Network, Port, Subnet

RESOURCES = (("network", "networks"), ("subnet", "subnets"), ("port", "ports"))


class VersionsView(NetworkAPIView):
    """``GET /network/``: the API versions (what client discovery reads first)."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        href = f"{base_url(request)}/network/v2.0/"
        return Response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": href}]}]})


class ResourcesView(NetworkAPIView):
    """``GET /network/v2.0/``: the collections this version serves."""

    permission_classes = []
    authentication_classes = []

    def get(self, request):
        resources = []
        for name, collection in RESOURCES:
            links = [{"rel": "self", "href": api_url(request, f"/{collection}")}]
            resources.append({"name": name, "collection": collection, "links": links})
        return Response({"resources": resources})


class ExtensionsView(NetworkAPIView):
    """``GET /v2.0/extensions``: none, so clients skip every optional feature."""

    def get(self, request):
        return Response({"extensions": []})


class ExtensionView(NetworkAPIView):
    def get(self, request, alias):
        raise NeutronError(404, "HTTPNotFound", f"Extension with alias {alias} does not exist")


# -- networks --------------------------------------------------------------------------------

NETWORK_FILTERS = {
    "id": ("id", "uuid"),
    "name": ("name", "str"),
    "shared": ("shared", "bool"),
    "status": ("status", "str"),
    "admin_state_up": ("admin_state_up", "bool"),
    "router:external": ("router_external", "bool"),
    "project_id": ("project_id", "str"),
    "tenant_id": ("project_id", "str"),
    "mtu": ("mtu", "int"),
}


def get_network(ctx, network_id) -> Network:
    visible = Network.objects.visible_to(ctx.project_id, ctx.is_admin)
    return find_by_id(visible, network_id, not_found("Network", network_id))


def _default_id():
    default = ipam.default_network()
    return default.id if default else None


class NetworkListView(NetworkAPIView):
    """Networks: list (GET, Neutron's filters), create (POST; ``shared`` needs admin)."""

    def get(self, request):
        ctx = self.context()
        networks = filter_query(request, Network.objects.visible_to(ctx.project_id, ctx.is_admin), NETWORK_FILTERS)
        default_id = _default_id()
        bodies = [builders.network_body(n, default_id) for n in networks.prefetch_related("subnets")]
        return respond_list(request, "networks", bodies)

    def post(self, request):
        fields = validation.network_fields(self.context(), NETWORK_CREATE.validate(request)["network"])
        network = Network.objects.create(**fields)
        return respond(request, "network", builders.network_body(network, _default_id()), status=201)


class NetworkView(NetworkAPIView):
    """One network: show (GET), delete (DELETE; 409 while it has ports)."""

    def get(self, request, network_id):
        network = get_network(self.context(), network_id)
        return respond(request, "network", builders.network_body(network, _default_id()))

    def delete(self, request, network_id):
        ctx = self.context()
        network = get_network(ctx, network_id)
        if not can_modify(ctx, network.project_id):
            raise not_authorized("rule:delete_network")
        with transaction.atomic():
            # The subnet locks are what allocate_port takes: no port can appear while we decide.
            list(Subnet.objects.select_for_update().filter(network=network).order_by("created_at", "id"))
            if Port.objects.filter(network=network).exists():
                raise in_use("Network", network.id, ". There are one or more ports still in use on the network.")
            network.delete()
        return Response(status=204)


def in_use(kind: str, ident, reason: str) -> NeutronError:
    """Neutron's 409 for deleting what ports still use: ``NetworkInUse``, ``SubnetInUse``."""
    return NeutronError(409, f"{kind}InUse", f"Unable to complete operation on {kind.lower()} {ident}{reason}")


# -- subnets ---------------------------------------------------------------------------------

SUBNET_FILTERS = {
    "id": ("id", "uuid"),
    "name": ("name", "str"),
    "network_id": ("network_id", "uuid"),
    "cidr": ("cidr", "str"),
    "ip_version": ("ip_version", "int"),
    "gateway_ip": ("gateway_ip", "ip"),
    "enable_dhcp": ("enable_dhcp", "bool"),
    "project_id": ("network__project_id", "str"),
    "tenant_id": ("network__project_id", "str"),
}


def get_subnet(ctx, subnet_id) -> Subnet:
    visible = Subnet.objects.visible_to(ctx.project_id, ctx.is_admin).select_related("network")
    return find_by_id(visible, subnet_id, not_found("Subnet", subnet_id))


class SubnetListView(NetworkAPIView):
    """Subnets: list (GET), create (POST; on a network the caller owns, or any as admin)."""

    def get(self, request):
        ctx = self.context()
        subnets = Subnet.objects.visible_to(ctx.project_id, ctx.is_admin).select_related("network")
        subnets = filter_query(request, subnets, SUBNET_FILTERS)
        return respond_list(request, "subnets", [builders.subnet_body(s) for s in subnets])

    def post(self, request):
        ctx = self.context()
        spec = SUBNET_CREATE.validate(request)["subnet"]
        network = get_network(ctx, spec["network_id"])
        if not can_modify(ctx, network.project_id):
            raise not_authorized("rule:create_subnet")
        with transaction.atomic():
            network = Network.objects.select_for_update().get(pk=network.pk)  # one overlap check at a time
            existing = list(network.subnets.values_list("cidr", flat=True))
            subnet = Subnet.objects.create(network=network, **validation.subnet_fields(spec, existing))
        return respond(request, "subnet", builders.subnet_body(subnet), status=201)


class SubnetView(NetworkAPIView):
    """One subnet: show (GET), delete (DELETE; 409 while ports hold its addresses)."""

    def get(self, request, subnet_id):
        return respond(request, "subnet", builders.subnet_body(get_subnet(self.context(), subnet_id)))

    def delete(self, request, subnet_id):
        ctx = self.context()
        subnet = get_subnet(ctx, subnet_id)
        if not can_modify(ctx, subnet.network.project_id):
            raise not_authorized("rule:delete_subnet")
        with transaction.atomic():
            Subnet.objects.select_for_update().filter(pk=subnet.pk).first()
            if Port.objects.filter(subnet=subnet).exists():
                raise in_use("Subnet", subnet.id, ": One or more ports have an IP allocation from this subnet.")
            subnet.delete()
        return Response(status=204)


# -- ports -----------------------------------------------------------------------------------

PORT_FILTERS = {
    "id": ("id", "uuid"),
    "name": ("name", "str"),
    "network_id": ("network_id", "uuid"),
    "device_id": ("device_id", "str"),
    "device_owner": ("device_owner", "str"),
    "mac_address": ("mac_address", "str"),
    "status": ("status", "str"),
    "project_id": ("project_id", "str"),
    "tenant_id": ("project_id", "str"),
    "security_groups": ("security_groups__id", "uuid"),
}


def get_port(ctx, port_id) -> Port:
    visible = Port.objects.visible_to(ctx.project_id, ctx.is_admin).prefetch_related("security_groups")
    return find_by_id(visible, port_id, not_found("Port", port_id))


def _groups(ctx, project_id, spec: dict):
    """The groups a port body names (validated ids of the port's project), None when it names none."""
    if "security_groups" not in spec:
        return None
    return security_groups.find_by_ids(project_id, spec["security_groups"] or [], ctx.is_admin)


class PortListView(NetworkAPIView):
    """Ports: list (GET; ``fixed_ips`` filters are ignored), create (POST: an address on a network the
    caller may use, and the project's default security group unless ``security_groups`` says otherwise)."""

    def get(self, request):
        ctx = self.context()
        ports = Port.objects.visible_to(ctx.project_id, ctx.is_admin).prefetch_related("security_groups")
        ports = filter_query(request, ports, PORT_FILTERS)
        if "security_groups" in request.query_params:
            ports = ports.distinct()
        return respond_list(request, "ports", [builders.port_body(p) for p in ports])

    def post(self, request):
        ctx = self.context()
        spec = PORT_CREATE.validate(request)["port"]
        fields = validation.port_fields(ctx, spec)
        network = get_network(ctx, spec["network_id"])
        project_id = fields.pop("project_id")
        groups = _groups(ctx, project_id, spec)
        with transaction.atomic():
            if project_id is not None:
                quotas.enforce(project_id, port=1)
            # A fresh device id, so that allocate_port never hands back an existing port; the new port
            # is then unbound, so DOWN (the subnet locks it took are held until this transaction commits).
            port = ipam.allocate_port(instance_uuid=str(uuid.uuid4()), project=project_id, network_id=str(network.id))
            Port.objects.filter(pk=port.pk).update(device_id="", device_owner="", status=Port.Status.DOWN, **fields)
            port.refresh_from_db()
            security_groups.attach_on_create(port, groups)
        return respond(request, "port", builders.port_body(port), status=201)


class PortView(NetworkAPIView):
    """One port: show (GET), update (PUT: name, admin_state_up, security_groups), delete (DELETE)."""

    def get(self, request, port_id):
        return respond(request, "port", builders.port_body(get_port(self.context(), port_id)))

    def put(self, request, port_id):
        ctx = self.context()
        spec = PORT_UPDATE.validate(request)["port"]
        port = get_port(ctx, port_id)
        if not can_modify(ctx, port.project_id):
            raise not_authorized("rule:update_port")
        groups = _groups(ctx, port.project_id, spec)
        with transaction.atomic():
            port = Port.objects.select_for_update().get(pk=port.pk)
            if "name" in spec:
                port.name = spec["name"] or ""
            if "admin_state_up" in spec:
                port.admin_state_up = spec["admin_state_up"]
            port.save()
            if groups is not None:
                security_groups.replace_on_port(port, groups)
        return respond(request, "port", builders.port_body(get_port(ctx, port.pk)))

    def delete(self, request, port_id):
        ctx = self.context()
        port = get_port(ctx, port_id)
        if not can_modify(ctx, port.project_id):
            raise not_authorized("rule:delete_port")
        port.delete()
        return Response(status=204)
