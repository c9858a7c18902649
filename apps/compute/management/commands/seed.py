"""Seed a new cloud: Nova's classic flavors, the demo image, and an admin in project ``admin``."""

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.compute.models import Flavor
from apps.identity.models import Project, Role, RoleAssignment, RoleName, User
from apps.images.demo import boot_sector, digests
from apps.images.models import Image
from apps.images.store import get_store
from apps.network import ipam

CLASSIC_FLAVORS = [
    # flavorid, name, vcpus, memory_mb, root_gb
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
    ("4", "m1.large", 4, 8192, 80),
    ("5", "m1.xlarge", 8, 16384, 160),
]


class Command(BaseCommand):
    help = "Create the classic flavors, the demo image, the default network and the admin user (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get("CLOUDCORE_ADMIN_PASSWORD", "admin")
        with transaction.atomic():
            for flavorid, name, vcpus, ram, disk in CLASSIC_FLAVORS:
                Flavor.objects.get_or_create(
                    flavorid=flavorid, defaults={"name": name, "vcpus": vcpus, "memory_mb": ram, "root_gb": disk}
                )
            project, _ = Project.objects.get_or_create(name="admin", defaults={"description": "The cloud's operators"})
            user = User.objects.filter(username="admin").first()
            if user is None:
                user = User.objects.create_superuser("admin", email="", password=password, default_project=project)
            RoleAssignment.objects.get_or_create(user=user, project=project, role=Role.named(RoleName.ADMIN))
            image = self._demo_image(project)
            network = ipam.ensure_default_network()
        self.stdout.write(f"network {network.name}: {', '.join(s.cidr for s in network.subnets.all())}")
        self.stdout.write(f"flavors: {', '.join(f.name for f in Flavor.objects.all())}")
        self.stdout.write(f"image demo: {image.id}")
        self.stdout.write(f"user admin in project admin ({project.id})")

    def _demo_image(self, project: Project) -> Image:
        image = Image.objects.filter(name="demo", owner=project).first()
        if image is not None:
            return image
        data = boot_sector()
        image = Image(
            name="demo",
            owner=project,
            visibility=Image.Visibility.PUBLIC,
            disk_format="raw",
            container_format="bare",
            properties={"architecture": "x86_64", "hw_serial_console": "true"},
        )
        image.file_path = get_store().put(str(image.id), [data]).path
        image.status = Image.Status.ACTIVE
        for field, value in digests(data).items():
            setattr(image, field, value)
        image.save()
        return image
