"""Blogs (with their subsections inline) and the registry of uploaded files in the admin."""

from django.contrib import admin
from django.http import HttpRequest

from content.models import Blog, BlogSubsection, Upload
from shop.admin_base import ShopStackedInline, SoftDeleteAdmin

# Where an upload's object is and what it holds: the row describes a stored object, so
# pointing it elsewhere in the admin would make it describe another file.
STORED_OBJECT_FIELDS = (
    "storage_bucket",
    "storage_path",
    "content_type",
    "size_bytes",
    "checksum_sha256",
)


class BlogSubsectionInline(ShopStackedInline):
    model = BlogSubsection
    fields = ("sort_order", "heading", "body", "image_url")
    ordering = ("sort_order",)


@admin.register(Blog)
class BlogAdmin(SoftDeleteAdmin):
    list_display = ("title", "slug", "status", "author", "published_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("author",)
    search_fields = ("title", "slug__exact")
    search_help_text = "Words of the title, or the exact slug."
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_at"
    ordering = ("-created_at",)
    inlines = (BlogSubsectionInline,)


@admin.register(BlogSubsection)
class BlogSubsectionAdmin(SoftDeleteAdmin):
    list_display = ("__str__", "blog", "sort_order", "created_at")
    list_select_related = ("blog",)
    search_fields = ("heading", "blog__slug__exact")
    search_help_text = "Words of the heading, or the exact slug of the blog."
    date_hierarchy = "created_at"
    ordering = ("blog", "sort_order")


@admin.register(Upload)
class UploadAdmin(SoftDeleteAdmin):
    list_display = (
        "original_filename",
        "storage_bucket",
        "storage_path",
        "content_type",
        "size_bytes",
        "purpose",
        "uploaded_by",
        "created_at",
    )
    list_filter = ("purpose",)
    list_select_related = ("uploaded_by",)
    search_fields = ("original_filename", "storage_path", "checksum_sha256__exact")
    search_help_text = "Part of the file name or storage path, or the exact SHA-256."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple:
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*STORED_OBJECT_FIELDS, *fields)
