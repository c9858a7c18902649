"""Roles become rows (Keystone's /roles); assignments point at them."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

import apps.identity.models

DEFAULT_ROLES = ("admin", "manager", "member", "reader")


def create_roles(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    Assignment = apps.get_model("identity", "RoleAssignment")
    for name in DEFAULT_ROLES:
        Role.objects.get_or_create(name=name, defaults={"id": uuid.uuid4().hex})
    for assignment in Assignment.objects.all():
        assignment.role_ref = Role.objects.get_or_create(name=assignment.role, defaults={"id": uuid.uuid4().hex})[0]
        assignment.save(update_fields=["role_ref"])


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Role",
            fields=[
                ("id", models.CharField(default=apps.identity.models.hex_id, editable=False, max_length=64,
                                        primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=255, unique=True)),
                ("description", models.TextField(blank=True)),
            ],
        ),
        migrations.RemoveConstraint(model_name="roleassignment", name="unique_role_assignment"),
        migrations.AddField(
            model_name="roleassignment",
            name="role_ref",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="assignments", to="identity.role"),
        ),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RemoveField(model_name="roleassignment", name="role"),
        migrations.RenameField(model_name="roleassignment", old_name="role_ref", new_name="role"),
        migrations.AlterField(
            model_name="roleassignment",
            name="role",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="assignments",
                                    to="identity.role"),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.UniqueConstraint(fields=("user", "project", "role"), name="unique_role_assignment"),
        ),
        migrations.CreateModel(
            name="Token",
            fields=[
                ("digest", models.CharField(help_text="SHA-256 of the token", max_length=64, primary_key=True,
                                            serialize=False)),
                ("methods", models.JSONField(default=list)),
                ("audit_id", models.CharField(max_length=32)),
                ("issued_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("project", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                              related_name="tokens", to="identity.project")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tokens",
                                           to="identity.user")),
            ],
        ),
    ]
