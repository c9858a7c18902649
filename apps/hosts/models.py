"""Services, compute nodes, and the allocations instances hold on them."""

import uuid

from django.db import models
from django.utils import timezone


class Service(models.Model):
    """A running cloudcore process on a host, known by its heartbeats."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    host = models.CharField(max_length=255)
    binary = models.CharField(max_length=64)
    topic = models.CharField(max_length=255, blank=True)
    disabled = models.BooleanField(default=False)
    disabled_reason = models.CharField(max_length=255, blank=True)
    forced_down = models.BooleanField(default=False)
    last_seen_up = models.DateTimeField(null=True, blank=True)
    report_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True, help_text="Last change by an operator")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "binary"], name="unique_service_host_binary")]
        ordering = ["host", "binary"]

    def __str__(self):
        return f"{self.binary}@{self.host}"

    def is_up(self, down_time: int, now=None) -> bool:
        """Up when not forced down and the last heartbeat is newer than ``down_time`` seconds."""
        if self.forced_down or self.last_seen_up is None:
            return False
        return ((now or timezone.now()) - self.last_seen_up).total_seconds() <= down_time


class ComputeNode(models.Model):
    """One hypervisor's capacity. Totals come from the node's reports; ``*_used`` only from claims."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="compute_nodes")
    host = models.CharField(max_length=255)
    hypervisor_hostname = models.CharField(max_length=255, unique=True)
    hypervisor_type = models.CharField(max_length=32, blank=True)
    hypervisor_version = models.BigIntegerField(default=0)
    vcpus = models.PositiveIntegerField(default=0)
    memory_mb = models.PositiveBigIntegerField(default=0)
    local_gb = models.PositiveBigIntegerField(default=0)
    vcpus_used = models.BigIntegerField(default=0)
    memory_mb_used = models.BigIntegerField(default=0)
    local_gb_used = models.BigIntegerField(default=0)
    cpu_allocation_ratio = models.FloatField(default=16.0)
    ram_allocation_ratio = models.FloatField(default=1.5)
    disk_allocation_ratio = models.FloatField(default=1.0)
    running_vms = models.PositiveIntegerField(default=0, help_text="As last reported by the hypervisor")
    cpu_arch = models.CharField(max_length=32, blank=True, help_text="The host's CPU architecture, e.g. x86_64")
    failed_builds = models.PositiveIntegerField(default=0, help_text="Builds failed since the last success")
    capabilities = models.JSONField(
        default=dict, blank=True, help_text="What the node's driver can do (core.capabilities), as it last reported"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["hypervisor_hostname"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vcpus_used__gte=0, memory_mb_used__gte=0, local_gb_used__gte=0),
                name="compute_node_usage_not_negative",
            )
        ]

    def __str__(self):
        return self.hypervisor_hostname


class Allocation(models.Model):
    """The resources one instance holds on one node, written in the same transaction as the claim."""

    instance = models.ForeignKey("compute.Instance", on_delete=models.CASCADE, related_name="allocations")
    node = models.ForeignKey(ComputeNode, on_delete=models.PROTECT, related_name="allocations")
    vcpus = models.PositiveIntegerField()
    memory_mb = models.PositiveBigIntegerField()
    disk_gb = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "node"], name="unique_allocation_instance_node")]

    def __str__(self):
        return f"{self.instance_id} on {self.node}"


class Aggregate(models.Model):
    """A set of hosts sharing metadata; ``availability_zone`` in the metadata makes it a zone."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, unique=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get("availability_zone")


class AggregateHost(models.Model):
    aggregate = models.ForeignKey(Aggregate, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["aggregate", "host"], name="unique_aggregate_host")]

    def __str__(self):
        return f"{self.host} in {self.aggregate}"


class HostCertificate(models.Model):
    """A certificate the cloud's CA issued a compute host (``manage.py enroll_node``).

    The conductor believes a host's signed report only if its certificate is recorded here, names
    the same host and is not revoked; revoking (``manage.py revoke_node``) refuses everything the
    certificate signs afterwards. Deleting a service does not revoke its host, as in Nova."""

    serial = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, db_index=True)
    address = models.CharField(max_length=255, blank=True, default="")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the certificate (DER), hex")
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["host", "-not_after"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "valid"
        return f"{self.host} {self.serial} ({state} until {self.not_after:%Y-%m-%d})"
