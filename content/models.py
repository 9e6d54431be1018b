"""Blog posts with their subsections, and the registry of uploaded files."""

from django.conf import settings
from django.db import models

from shop.db.constraints import (
    choices_check,
    json_array_of_strings,
    slug_check,
    unique_while_alive,
)
from shop.db.models import SoftDeleteModel


class BlogStatus(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Blog(SoftDeleteModel):
    title = models.CharField(max_length=255)
    # No plain index: the partial unique constraint below is the index for slug lookups.
    slug = models.SlugField(
        max_length=255,
        db_index=False,
        db_comment="URL part; unique among live (not deleted) blogs.",
    )
    excerpt = models.TextField(blank=True, default="", db_default="")
    cover_image_url = models.URLField(max_length=2048, blank=True, default="", db_default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blogs",
    )
    status = models.CharField(
        max_length=20, choices=BlogStatus, default=BlogStatus.DRAFT, db_default=BlogStatus.DRAFT
    )
    published_at = models.DateTimeField(
        null=True, blank=True, db_comment="When the blog went public; required once published."
    )
    tags = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        db_comment='JSON array of tag strings, e.g. ["skincare", "how-to"].',
    )
    seo_title = models.CharField(
        max_length=255,
        blank=True,
        default="",
        db_default="",
        db_comment="<title> for search engines; the title is used when empty.",
    )
    seo_description = models.TextField(
        blank=True,
        default="",
        db_default="",
        db_comment="Meta description for search engines; the excerpt is used when empty.",
    )

    class Meta:
        db_table = "blogs"
        db_table_comment = "Blog posts; their body is made of blog_subsections"
        indexes = [
            # Serves: the public list of published blogs, newest first.
            models.Index(
                "status",
                models.F("published_at").desc(),
                condition=models.Q(is_deleted=False),
                name="idx_blogs_status_published_at",
            ),
        ]
        constraints = [
            choices_check("status", BlogStatus, name="blogs_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=BlogStatus.PUBLISHED)
                | models.Q(published_at__isnull=False),
                name="blogs_published_has_published_at",
                violation_error_message="A published blog needs published_at.",
            ),
            # Also the index for "blog by slug" (public pages).
            unique_while_alive("blogs", "slug"),
            slug_check("blogs"),
            json_array_of_strings("tags", name="blogs_tags_array_of_strings"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == BlogStatus.PUBLISHED


class BlogSubsection(SoftDeleteModel):
    # Keeps its own index: the unique constraint below is partial, and ON DELETE CASCADE
    # must find deleted subsections too.
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="subsections")
    heading = models.CharField(max_length=255, blank=True, default="", db_default="")
    body = models.TextField(blank=True, default="", db_default="")
    image_url = models.URLField(max_length=2048, blank=True, default="", db_default="")
    sort_order = models.PositiveIntegerField(
        default=0,
        db_default=0,
        db_comment="Position within the blog, ascending; unique among the blog's live subsections.",
    )

    class Meta:
        db_table = "blog_subsections"
        db_table_comment = "Ordered sections (heading, text, image) that make up a blog post"
        ordering = ["blog", "sort_order"]
        constraints = [
            # Also the index for "subsections of a blog in order".
            unique_while_alive("blog_subsections", "blog", "sort_order"),
        ]

    def __str__(self) -> str:
        return self.heading or f"Section {self.sort_order} of {self.blog_id}"


class UploadPurpose(models.TextChoices):
    PRODUCT_IMAGE = "product_image"
    BLOG_IMAGE = "blog_image"
    INVOICE_PDF = "invoice_pdf"
    AVATAR = "avatar"
    OTHER = "other"


class Upload(SoftDeleteModel):
    storage_bucket = models.CharField(
        max_length=63, db_comment="Storage bucket (Supabase Storage / S3) holding the object."
    )
    storage_path = models.CharField(
        max_length=1024,
        db_comment="Object key inside the bucket; unique per bucket among live uploads.",
    )
    original_filename = models.CharField(
        max_length=255, db_comment="File name as the uploader sent it; display only."
    )
    content_type = models.CharField(max_length=255, db_comment="MIME type, e.g. image/webp.")
    size_bytes = models.PositiveBigIntegerField()
    checksum_sha256 = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        db_comment="Lower-case hex SHA-256 of the content; empty when not computed.",
    )
    purpose = models.CharField(
        max_length=20,
        choices=UploadPurpose,
        default=UploadPurpose.OTHER,
        db_default=UploadPurpose.OTHER,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploads",
    )

    class Meta:
        db_table = "uploads"
        db_table_comment = "Files stored in object storage: where they are and what they are for"
        constraints = [
            choices_check("purpose", UploadPurpose, name="uploads_purpose_valid"),
            # Also the index for "the upload of this storage object".
            unique_while_alive(
                "uploads", "storage_bucket", "storage_path", name="uq_uploads_bucket_path"
            ),
            models.CheckConstraint(
                condition=models.Q(checksum_sha256="")
                | models.Q(checksum_sha256__regex=r"^[0-9a-f]{64}$"),
                name="uploads_checksum_sha256_hex",
                violation_error_message="checksum_sha256 is 64 lower-case hex digits or empty.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.storage_bucket}/{self.storage_path}"
