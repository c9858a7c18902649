"""The image registry (a Glance v2 subset): what a server boots from."""

import uuid

from django.db import models


class ImageQuerySet(models.QuerySet):
    def visible_to(self, ctx):
        """Every image ``ctx`` (a request context) may show by id: public and community ones, and its
        project's; every image but the deleted ones for an admin."""
        images = self.exclude(status=Image.Status.DELETED)
        if ctx.is_admin:
            return images
        public = models.Q(visibility__in=[Image.Visibility.PUBLIC, Image.Visibility.COMMUNITY])
        return images.filter(public | models.Q(owner_id=ctx.project_id))


class Image(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"  # registered, no data yet
        SAVING = "saving"  # data being written
        ACTIVE = "active"  # data present and checksummed
        KILLED = "killed"  # upload failed
        DELETED = "deleted"

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        PRIVATE = "private"
        SHARED = "shared"
        COMMUNITY = "community"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    owner = models.ForeignKey("identity.Project", null=True, blank=True, on_delete=models.SET_NULL)
    disk_format = models.CharField(max_length=16, default="raw")
    container_format = models.CharField(max_length=16, default="bare")
    size = models.BigIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=32, blank=True, help_text="MD5 of the data, as Glance reports it")
    os_hash_algo = models.CharField(max_length=16, blank=True)
    os_hash_value = models.CharField(max_length=128, blank=True)
    min_disk = models.PositiveIntegerField(default=0)
    min_ram = models.PositiveIntegerField(default=0)
    protected = models.BooleanField(default=False, help_text="A protected image cannot be deleted")
    os_hidden = models.BooleanField(default=False, help_text="Left out of image listings unless asked for")
    properties = models.JSONField(default=dict, blank=True, help_text="Custom properties (strings)")
    file_path = models.CharField(
        max_length=1024, blank=True, help_text="Absolute path of the image data on local disk (the image store)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self):
        return self.name or str(self.id)

    @property
    def tag_list(self) -> list[str]:
        """The image's tags, oldest first (uses a ``prefetch_related("tags")`` when there is one)."""
        return [tag.value for tag in sorted(self.tags.all(), key=lambda tag: tag.pk)]

    def payload(self) -> dict:
        """What a compute node needs to fetch and boot this image."""
        return {
            "id": str(self.id),
            "name": self.name,
            "disk_format": self.disk_format,
            "size": self.size,
            "checksum": self.checksum,
            "file_path": self.file_path,
            "properties": self.properties,
        }


class ImageTag(models.Model):
    """One tag of an image (a table, as Glance keeps them, so listings can filter on tags in SQL)."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="tags")
    value = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["image", "value"], name="unique_image_tag")]
        indexes = [models.Index(fields=["value"])]

    def __str__(self):
        return self.value
