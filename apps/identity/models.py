"""Projects, users, roles, role assignments and tokens (a Keystone v3 subset, one domain)."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

DEFAULT_DOMAIN = {"id": "default", "name": "Default"}


def hex_id() -> str:
    return uuid.uuid4().hex


class RoleName(models.TextChoices):
    """The roles cloudcore's policy knows (Nova's current defaults); each implies the ones below it."""

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


class Role(models.Model):
    """A Keystone role. The four of ``RoleName`` always exist; operators may add their own, which
    the policy ignores."""

    id = models.CharField(primary_key=True, max_length=64, default=hex_id, editable=False)
    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(blank=True)

    def __str__(self):
        return self.name

    @classmethod
    def named(cls, name: str) -> "Role":
        return cls.objects.get_or_create(name=name)[0]


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "project", "role"], name="unique_role_assignment")]

    def __str__(self):
        return f"{self.user} is {self.role} in {self.project}"


class Token(models.Model):
    """An issued token. Only a SHA-256 of it is kept; it dies with its user or its project."""

    digest = models.CharField(primary_key=True, max_length=64, help_text="SHA-256 of the token")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens")
    methods = models.JSONField(default=list)
    audit_id = models.CharField(max_length=32)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"token {self.audit_id} of {self.user_id}"
