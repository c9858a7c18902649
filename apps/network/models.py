"""A flat network (a Neutron subset): networks, subnets with an address pool, ports and security groups."""

import uuid

from django.db import models


class NetworkQuerySet(models.QuerySet):
    def visible_to(self, project_id, is_admin: bool = False):
        """The networks a project may see and use: the shared ones and its own (all, for an admin)."""
        if is_admin:
            return self
        if project_id is None:
            return self.filter(shared=True)
        return self.filter(models.Q(shared=True) | models.Q(project_id=project_id))


class Network(models.Model):
    """A layer-2 network. Shared networks are visible to every project, others only to their own."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    project = models.ForeignKey(
        "identity.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="networks"
    )
    shared = models.BooleanField(default=False)
    admin_state_up = models.BooleanField(default=True)
    status = models.CharField(max_length=16, default="ACTIVE")
    mtu = models.PositiveIntegerField(default=1500)
    router_external = models.BooleanField(default=False, help_text="Neutron's router:external")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name or '-'} ({self.id})"


class SubnetQuerySet(models.QuerySet):
    def visible_to(self, project_id, is_admin: bool = False):
        """The subnets of the networks the project may see (``Network.objects.visible_to``)."""
        return self.filter(network__in=Network.objects.visible_to(project_id, is_admin))


class Subnet(models.Model):
    """An address range on a network; ports take their address from ``[pool_start, pool_end]``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="subnets")
    name = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    cidr = models.CharField(max_length=64)
    ip_version = models.PositiveSmallIntegerField(default=4)
    gateway_ip = models.GenericIPAddressField(null=True, blank=True)
    pool_start = models.GenericIPAddressField()
    pool_end = models.GenericIPAddressField()
    enable_dhcp = models.BooleanField(default=True)
    dns_nameservers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubnetQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name or '-'} {self.cidr} ({self.id})"


class ProjectOwnedQuerySet(models.QuerySet):
    def visible_to(self, project_id, is_admin: bool = False):
        """The project's own rows (every row for an admin; none without a project)."""
        if is_admin:
            return self
        return self.filter(project_id=project_id) if project_id else self.none()


class Port(models.Model):
    """One address on a subnet, held by an instance (``device_id``) until the instance goes."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        DOWN = "DOWN"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255, blank=True)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="ports")
    subnet = models.ForeignKey(Subnet, on_delete=models.CASCADE, related_name="ports")
    mac_address = models.CharField(max_length=17)
    fixed_ip = models.GenericIPAddressField()
    device_id = models.CharField(max_length=255, blank=True, db_index=True, help_text="The instance's uuid")
    device_owner = models.CharField(max_length=255, blank=True, default="compute:nova")
    project = models.ForeignKey(
        "identity.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="ports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    admin_state_up = models.BooleanField(default=True)
    security_groups = models.ManyToManyField("SecurityGroup", blank=True, related_name="ports")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subnet", "fixed_ip"], name="network_port_unique_subnet_ip"),
            models.UniqueConstraint(fields=["network", "mac_address"], name="network_port_unique_network_mac"),
        ]

    def __str__(self):
        return f"{self.fixed_ip} {self.mac_address} ({self.device_id or 'unbound'})"


class SecurityGroup(models.Model):
    """A project's named set of rules, applied to ports. Names need not be unique; each project has at
    most one ``is_default`` group (named ``default``), created on first need (``security_groups.py``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("identity.Project", on_delete=models.CASCADE, related_name="security_groups")
    name = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    stateful = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, editable=False, help_text="The project's default group")
    revision_number = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(is_default=True), name="network_secgroup_one_default"
            ),
        ]

    def __str__(self):
        return f"{self.name or '-'} ({self.id})"


class SecurityGroupRuleQuerySet(models.QuerySet):
    def visible_to(self, project_id, is_admin: bool = False):
        """The rules of the project's groups and the rules it owns (every rule for an admin)."""
        if is_admin:
            return self
        if not project_id:
            return self.none()
        return self.filter(models.Q(project_id=project_id) | models.Q(security_group__project_id=project_id))


class SecurityGroupRule(models.Model):
    """One allowed flow: a direction, an ethertype, optionally a protocol and a port range (or ICMP type
    and code), and a remote side that is an address prefix, another group, or anything."""

    class Direction(models.TextChoices):
        INGRESS = "ingress"
        EGRESS = "egress"

    class Ethertype(models.TextChoices):
        IPV4 = "IPv4"
        IPV6 = "IPv6"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    security_group = models.ForeignKey(SecurityGroup, on_delete=models.CASCADE, related_name="rules")
    project = models.ForeignKey("identity.Project", on_delete=models.CASCADE, related_name="security_group_rules")
    direction = models.CharField(max_length=7, choices=Direction.choices)
    ethertype = models.CharField(max_length=4, choices=Ethertype.choices, default=Ethertype.IPV4)
    protocol = models.CharField(max_length=40, null=True, blank=True, help_text="A name (tcp) or a number (6)")
    port_range_min = models.PositiveIntegerField(null=True, blank=True)
    port_range_max = models.PositiveIntegerField(null=True, blank=True)
    remote_ip_prefix = models.CharField(max_length=64, null=True, blank=True)
    remote_group = models.ForeignKey(
        SecurityGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="remote_rules"
    )
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SecurityGroupRuleQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        remote = self.remote_ip_prefix or (f"group {self.remote_group_id}" if self.remote_group_id else "any")
        ports = f" {self.port_range_min}-{self.port_range_max}" if self.port_range_min is not None else ""
        return f"{self.direction} {self.ethertype} {self.protocol or 'any'}{ports} from {remote}"
