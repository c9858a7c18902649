from django.contrib import admin

from apps.images.models import Image


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "status", "visibility", "size", "disk_format")
    list_filter = ("status", "visibility")
