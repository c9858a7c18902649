"""The operator's admin for images: uploaded through the Image API; here shown, described, and
deleted the way ``DELETE /image/v2/images/<id>`` does (status deleted, data removed on commit)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from apps.images.models import Image, ImageTag
from apps.images.store import discard


def delete_image(image_pk) -> str | None:
    """What the Image API's delete does; returns why it was refused, or None."""
    with transaction.atomic():
        image = Image.objects.select_for_update().get(pk=image_pk)
        if image.protected:
            return f"Image {image.id} is protected and cannot be deleted."
        if image.status == Image.Status.DELETED:
            return None
        path = image.file_path
        Image.objects.filter(pk=image.pk).update(status=Image.Status.DELETED, file_path="", updated_at=timezone.now())
        if path:
            transaction.on_commit(lambda: discard(path))
    return None


class ImageTagInline(admin.TabularInline):
    model = ImageTag
    extra = 0


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "status", "visibility", "owner", "disk_format", "size", "protected", "created_at")
    list_filter = ("status", "visibility", "disk_format", "protected", "os_hidden")
    search_fields = ("name", "id", "checksum", "owner__name")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    readonly_fields = ("id", "status", "disk_format", "container_format", "size", "checksum", "os_hash_algo",
                       "os_hash_value", "file_path", "created_at", "updated_at")  # fmt: skip
    inlines = [ImageTagInline]
    actions = ["delete_images"]

    def has_add_permission(self, request):
        return False  # the data is uploaded through the Image API, which checksums it

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a raw delete would leave the data behind
        return actions

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and not (obj is not None and (obj.protected or obj.status == Image.Status.DELETED))

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        for image in queryset:
            refused = delete_image(image.pk)
            if refused:
                self.message_user(request, refused, level=messages.ERROR)

    @admin.action(description="Delete selected images (as the Image API: protected images are kept)")
    def delete_images(self, request, queryset):
        for image in queryset:
            refused = delete_image(image.pk)
            level, text = (messages.ERROR, refused) if refused else (messages.SUCCESS, f"{image}: deleted")
            self.message_user(request, text, level=level)


@admin.register(ImageTag)
class ImageTagAdmin(admin.ModelAdmin):
    list_display = ("value", "image")
    search_fields = ("value", "image__name", "image__id")
    list_select_related = ("image",)
    autocomplete_fields = ("image",)
