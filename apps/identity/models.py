"""Projects, users and role assignments (a Keystone v3 subset)."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


def hex_id() -> str:
    return uuid.uuid4().hex


class Role(models.TextChoices):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    READER = "reader"


class Project(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=hex_id, editable=False)
    name = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person or a service account; ``default_project`` is the project its requests act in."""

    id = models.CharField(primary_key=True, max_length=64, default=hex_id, editable=False)
    default_project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    @property
    def is_cloud_admin(self) -> bool:
        return self.is_staff or self.is_superuser


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "project", "role"], name="unique_role_assignment")]

    def __str__(self):
        return f"{self.user} is {self.role} in {self.project}"
