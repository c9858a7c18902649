"""Flavors, instances, and the trail each instance leaves: actions, events and faults."""

import uuid

from django.db import models
from django.utils import timezone

from apps.compute.states import VmState
from core.power_state import PowerState


class FlavorQuerySet(models.QuerySet):
    def visible_to(self, ctx):
        """Every flavor for an admin; for anyone else the public flavors and the private ones its
        project was given (os-flavor-access), as Nova's flavor queries."""
        if ctx.is_admin:
            return self
        if ctx.project_id is None:
            return self.filter(is_public=True)
        shared = FlavorAccess.objects.filter(project_id=ctx.project_id).values("flavor_id")
        return self.filter(models.Q(is_public=True) | models.Q(pk__in=shared))


class Flavor(models.Model):
    """A size of server. The API shows ``flavorid`` as the flavor's ``id``."""

    flavorid = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255, unique=True)
    vcpus = models.PositiveIntegerField()
    memory_mb = models.PositiveIntegerField()
    root_gb = models.PositiveIntegerField()
    ephemeral_gb = models.PositiveIntegerField(default=0)
    swap = models.PositiveIntegerField(default=0)
    rxtx_factor = models.FloatField(default=1.0)
    is_public = models.BooleanField(default=True)
    disabled = models.BooleanField(default=False)
    description = models.TextField(blank=True, null=True)
    extra_specs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FlavorQuerySet.as_manager()

    class Meta:
        ordering = ["memory_mb", "flavorid"]

    def __str__(self):
        return self.name

    def snapshot(self) -> dict:
        """The copy an instance keeps, so editing or deleting the flavor never changes it."""
        return {
            "id": self.pk,
            "flavorid": self.flavorid,
            "name": self.name,
            "vcpus": self.vcpus,
            "memory_mb": self.memory_mb,
            "root_gb": self.root_gb,
            "ephemeral_gb": self.ephemeral_gb,
            "swap": self.swap,
            "extra_specs": dict(self.extra_specs),
        }


class FlavorAccess(models.Model):
    """A project allowed to see and boot a private flavor (os-flavor-access)."""

    flavor = models.ForeignKey(Flavor, on_delete=models.CASCADE, related_name="access")
    project_id = models.CharField(max_length=255)

    class Meta:
        ordering = ["project_id"]
        constraints = [models.UniqueConstraint(fields=["flavor", "project_id"], name="unique_flavor_access")]

    def __str__(self):
        return f"{self.flavor_id} for {self.project_id}"


class InstanceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Every change moves ``updated_at`` (``auto_now`` alone only covers ``save()``): the
        reconciler and the power-state sync rely on it to tell fresh rows from stale ones."""
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)

    def visible_to(self, ctx, all_projects: bool = False, with_deleted: bool = False):
        """The instances ``ctx`` (a request context) may see: its project's; every project's for an
        admin who asks (``all_projects``, Nova's ``all_tenants``). Deleted ones only ``with_deleted``."""
        instances = self if with_deleted else self.filter(deleted_at__isnull=True)
        if ctx.is_admin and all_projects:
            return instances
        return instances.filter(project_id=ctx.project_id)


class Instance(models.Model):
    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True, null=True)
    project = models.ForeignKey("identity.Project", on_delete=models.PROTECT, related_name="instances")
    user = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="instances")
    flavor = models.JSONField(help_text="Snapshot of the flavor at boot (Flavor.snapshot())")
    image = models.ForeignKey("images.Image", null=True, blank=True, on_delete=models.SET_NULL)
    image_ref = models.CharField(max_length=64, blank=True, help_text="The image id asked for, kept if the image goes")
    key_name = models.CharField(max_length=255, blank=True, null=True)
    key_data = models.TextField(blank=True, null=True, help_text="The key pair's public key, handed to the host")
    metadata = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    locked = models.BooleanField(default=False)
    locked_by = models.CharField(max_length=16, blank=True, null=True, help_text="owner or admin")
    locked_reason = models.CharField(max_length=255, blank=True, null=True)
    availability_zone = models.CharField(max_length=255, blank=True, null=True)
    host = models.CharField(max_length=255, blank=True, null=True, db_index=True)
    node = models.CharField(max_length=255, blank=True, null=True)
    vm_state = models.CharField(max_length=32, default=VmState.BUILDING, db_index=True)
    task_state = models.CharField(max_length=32, blank=True, null=True)
    power_state = models.PositiveSmallIntegerField(default=PowerState.NOSTATE)
    reservation_id = models.CharField(max_length=64, blank=True, db_index=True)
    request_spec = models.JSONField(
        default=dict, blank=True, help_text="What placement asked for: scheduler hints, group, forced host, min_count"
    )
    attempt_id = models.UUIDField(null=True, blank=True, help_text="The scheduling attempt now in flight")
    task_id = models.UUIDField(null=True, blank=True, help_text="The operation now in flight (reports must name it)")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Hosts tried so far")
    alternate_hosts = models.JSONField(default=list, blank=True, help_text="Hosts left to retry a failed build on")
    launched_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    soft_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When a deferred delete began; reclaimed after reclaim_instance_interval"
    )
    disk_config = models.CharField(max_length=6, default="MANUAL", help_text="OS-DCF:diskConfig: AUTO or MANUAL")
    access_ip_v4 = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    access_ip_v6 = models.GenericIPAddressField(protocol="IPv6", null=True, blank=True)
    password = models.TextField(
        blank=True, default="", help_text="The encrypted password the guest posted to the metadata service"
    )
    hostname = models.CharField(max_length=255, blank=True, default="", help_text="The guest's hostname (2.90)")
    user_data = models.TextField(null=True, blank=True, help_text="Base64 user data as sent, for the metadata service")
    image_properties = models.JSONField(default=dict, blank=True, help_text="The image's properties at boot (2.98)")
    scheduler_hints = models.JSONField(default=dict, blank=True, help_text="The hints as sent at create (2.100)")
    trusted_image_certificates = models.JSONField(
        null=True, blank=True, help_text="Certificate ids the image's signature must chain to (2.63)"
    )
    pinned_availability_zone = models.CharField(
        max_length=255, null=True, blank=True, help_text="The zone the user asked for, if any (2.96)"
    )

    objects = InstanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "uuid"]
        indexes = [models.Index(fields=["project", "deleted_at"], name="instance_project_deleted")]

    def __str__(self):
        return f"{self.name} ({self.uuid})"

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def network_info(self) -> list[dict]:
        """The instance's ports, as its host needs them to plug the guest in."""
        from apps.network.models import Port

        ports = Port.objects.filter(device_id=str(self.uuid)).select_related("network").order_by("created_at")
        return [{"mac": p.mac_address, "ip": p.fixed_ip, "network": p.network.name} for p in ports]

    def payload(self) -> dict:
        """What a compute node is told about this instance: no secrets, no database ids."""
        return {
            "uuid": str(self.uuid),
            "name": self.name,
            "project_id": self.project_id,
            "flavor": self.flavor,
            "image": self.image.payload() if self.image else {"id": self.image_ref},
            "metadata": self.metadata,
            "key_name": self.key_name,
            "key_data": self.key_data,
            "network_info": self.network_info(),
            "task_id": str(self.task_id) if self.task_id else None,
            # A build that should end stopped (an evacuation at 2.95, or of a stopped server).
            "leave_stopped": bool((self.request_spec or {}).get("leave_stopped")),
        }


class KeyPair(models.Model):
    """A user's public key (Nova keeps key pairs per user, not per project)."""

    class Type(models.TextChoices):
        SSH = "ssh"
        X509 = "x509"

    user = models.ForeignKey("identity.User", on_delete=models.CASCADE, related_name="keypairs")
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=8, choices=Type.choices, default=Type.SSH)
    public_key = models.TextField()
    fingerprint = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_keypair_name")]

    def __str__(self):
        return f"{self.name} ({self.user_id})"


class QuotaLimit(models.Model):
    """A project's limit for one resource, where it differs from the default in settings."""

    project = models.ForeignKey("identity.Project", on_delete=models.CASCADE, related_name="quota_limits")
    resource = models.CharField(max_length=64)
    hard_limit = models.IntegerField(help_text="-1 for unlimited")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "resource"], name="unique_quota_limit")]

    def __str__(self):
        return f"{self.resource}={self.hard_limit} for {self.project_id}"


class QuotaClass(models.Model):
    """A quota class's limit for one resource (os-quota-class-sets). The ``default`` class's rows
    override the defaults in settings; other classes are kept and shown, as Nova does."""

    class_name = models.CharField(max_length=255)
    resource = models.CharField(max_length=64)
    hard_limit = models.IntegerField(help_text="-1 for unlimited")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["class_name", "resource"], name="unique_quota_class")]

    def __str__(self):
        return f"{self.resource}={self.hard_limit} in class {self.class_name}"


class InstanceAction(models.Model):
    """One user-visible request on an instance (create, delete, reboot...)."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=64)
    request_id = models.CharField(max_length=64, db_index=True)
    user_id = models.CharField(max_length=64, blank=True)
    project_id = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=255, blank=True, null=True)
    start_time = models.DateTimeField()
    finish_time = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_time", "-id"]

    def __str__(self):
        return f"{self.action} {self.instance_id} ({self.request_id})"


class InstanceActionEvent(models.Model):
    """One step of an action, on one service: scheduling, a build attempt, a reschedule..."""

    action = models.ForeignKey(InstanceAction, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=64)
    host = models.CharField(max_length=255, blank=True, null=True)
    start_time = models.DateTimeField()
    finish_time = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=16, blank=True, null=True)
    traceback = models.TextField(blank=True, null=True)
    details = models.TextField(blank=True, null=True)

    class Meta:
        ordering = ["start_time", "id"]

    def __str__(self):
        return f"{self.event} {self.result or 'running'}"


class InstanceFault(models.Model):
    """Why an instance went to ERROR, shown as the server's ``fault``."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="faults")
    code = models.PositiveSmallIntegerField(default=500)
    message = models.CharField(max_length=255)
    details = models.TextField(blank=True)
    host = models.CharField(max_length=255, blank=True, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message


class Migration(models.Model):
    """A resize or cold migration: where from, where to, which flavors, and how far it got."""

    class Status(models.TextChoices):
        PRE_MIGRATING = "pre-migrating"  # waiting for the scheduler
        MIGRATING = "migrating"  # the source host is moving the disk
        POST_MIGRATING = "post-migrating"  # the destination host is finishing
        FINISHED = "finished"  # waiting for confirm or revert
        CONFIRMING = "confirming"
        CONFIRMED = "confirmed"
        REVERTING = "reverting"
        REVERTED = "reverted"
        ERROR = "error"

    class Type(models.TextChoices):
        RESIZE = "resize"
        MIGRATION = "migration"

    #: Statuses of a migration still in progress (the guest may be on both hosts).
    OPEN = ("pre-migrating", "migrating", "post-migrating", "finished", "confirming", "reverting")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="migrations")
    migration_type = models.CharField(max_length=16, choices=Type.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PRE_MIGRATING)
    source_compute = models.CharField(max_length=255)
    source_node = models.CharField(max_length=255)
    dest_compute = models.CharField(max_length=255, blank=True, null=True)
    dest_node = models.CharField(max_length=255, blank=True, null=True)
    old_flavor = models.JSONField()
    new_flavor = models.JSONField()
    power_on = models.BooleanField(default=True, help_text="Whether the server was running when it started")
    request_id = models.CharField(max_length=64, blank=True)
    user_id = models.CharField(max_length=64, blank=True, default="", help_text="Who asked for it (2.80)")
    project_id = models.CharField(max_length=64, blank=True, default="", help_text="For which project (2.80)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.migration_type} of {self.instance_id}: {self.status}"

    def payload(self) -> dict:
        return {
            "id": self.id,
            "uuid": str(self.uuid),
            "migration_type": self.migration_type,
            "source_compute": self.source_compute,
            "source_node": self.source_node,
            "dest_compute": self.dest_compute,
            "dest_node": self.dest_node,
            "old_flavor": self.old_flavor,
            "new_flavor": self.new_flavor,
            "power_on": self.power_on,
        }


class ServerGroupQuerySet(models.QuerySet):
    def visible_to(self, ctx, all_projects: bool = False):
        """The server groups ``ctx`` may see: its project's; every project's for an admin who asks."""
        return self if ctx.is_admin and all_projects else self.filter(project_id=ctx.project_id)


class ServerGroup(models.Model):
    """Servers that should share hosts (affinity) or avoid sharing them (anti-affinity)."""

    class Policy(models.TextChoices):
        AFFINITY = "affinity"
        ANTI_AFFINITY = "anti-affinity"
        SOFT_AFFINITY = "soft-affinity"
        SOFT_ANTI_AFFINITY = "soft-anti-affinity"

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    project = models.ForeignKey("identity.Project", on_delete=models.CASCADE, related_name="server_groups")
    user = models.ForeignKey("identity.User", on_delete=models.CASCADE, related_name="server_groups")
    policy = models.CharField(max_length=32, choices=Policy.choices)
    rules = models.JSONField(default=dict, blank=True)
    members = models.ManyToManyField(Instance, related_name="server_groups", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServerGroupQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "uuid"]

    def __str__(self):
        return f"{self.name} ({self.policy})"
