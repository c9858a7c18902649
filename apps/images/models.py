"""The image registry (a Glance v2 subset): what a server boots from."""

import uuid

from django.db import models


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
    properties = models.JSONField(default=dict, blank=True)
    file_path = models.CharField(max_length=1024, blank=True, help_text="Where the image data lives")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self):
        return self.name or str(self.id)

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
