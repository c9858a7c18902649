"""A flat network (a Neutron subset): networks, subnets with an address pool, and ports."""

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

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.name or '-'} {self.cidr} ({self.id})"


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subnet", "fixed_ip"], name="network_port_unique_subnet_ip"),
            models.UniqueConstraint(fields=["network", "mac_address"], name="network_port_unique_network_mac"),
        ]

    def __str__(self):
        return f"{self.fixed_ip} {self.mac_address} ({self.device_id or 'unbound'})"
