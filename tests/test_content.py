"""content: the database's rules on blogs, their subsections and uploads."""

import pytest

from content.models import Blog, BlogSubsection, Upload
from tests.factories import BlogFactory, BlogSubsectionFactory, UploadFactory, UserFactory
from tests.support import execute, fetch, fetch_one, violates

pytestmark = pytest.mark.django_db


def test_blog_status_is_one_of_the_choices_and_published_needs_published_at():
    with violates("blogs_status_valid"):
        BlogFactory(status="scheduled")
    with violates("blogs_published_has_published_at"):
        BlogFactory(status="published", published_at=None)
    with violates("blogs_published_has_published_at"):
        execute(
            "UPDATE blogs SET status = 'published' WHERE id = %s", [BlogFactory(status="draft").pk]
        )

    published = BlogFactory(published=True)
    draft = BlogFactory()
    archived = BlogFactory(status="archived", published_at=None)
    assert fetch(
        "SELECT status, published_at IS NOT NULL FROM blogs "
        "WHERE id IN (%s, %s, %s) ORDER BY status",
        [published.pk, draft.pk, archived.pk],
    ) == [("archived", False), ("draft", False), ("published", True)]


def test_blog_slugs_are_url_ready():
    for bad in (
        "Skin-Care",
        "skin care",
        "skin--care",
        "-skin-care",
        "skin-care-",
        "skin_care",
        "",
    ):
        with violates("blogs_slug_format"):
            BlogFactory(slug=bad)
    assert BlogFactory(slug="vitamin-c-serum-2024").slug == "vitamin-c-serum-2024"


def test_a_soft_deleted_blogs_slug_can_be_reused_but_a_live_ones_cannot():
    live = BlogFactory(slug="summer-routine")
    with violates("uq_blogs_slug"):
        BlogFactory(slug="summer-routine")

    live.delete()
    again = BlogFactory(slug="summer-routine")
    assert fetch(
        "SELECT id, is_deleted FROM blogs WHERE slug = 'summer-routine' ORDER BY is_deleted DESC"
    ) == [
        (live.pk, True),
        (again.pk, False),
    ]
    assert list(Blog.objects.filter(slug="summer-routine")) == [again]


def test_blog_tags_are_an_array_of_strings():
    for bad in ({"tag": "skincare"}, "skincare", ["skincare", 1], ["skincare", ["how-to"]], [None]):
        with violates("blogs_tags_array_of_strings"):
            BlogFactory(tags=bad)
    assert BlogFactory(tags=[]).tags == []
    blog = BlogFactory(tags=["skincare", "how-to"])
    assert Blog.objects.get(pk=blog.pk).tags == ["skincare", "how-to"]


def test_subsection_sort_order_is_non_negative_and_unique_among_a_blogs_live_subsections():
    blog = BlogFactory()
    with violates("blog_subsections_sort_order_check"):
        BlogSubsectionFactory(blog=blog, sort_order=-1)

    first = BlogSubsectionFactory(blog=blog, sort_order=1)
    with violates("uq_blog_subsections_blog_sort_order"):
        BlogSubsectionFactory(blog=blog, sort_order=1)
    # Another blog may use the same position.
    assert BlogSubsectionFactory(sort_order=1).sort_order == 1

    first.delete()
    replacement = BlogSubsectionFactory(blog=blog, sort_order=1)
    assert list(BlogSubsection.objects.filter(blog=blog)) == [replacement]
    assert BlogSubsection.all_objects.filter(blog=blog, sort_order=1).count() == 2


def test_upload_purpose_size_and_checksum_are_checked():
    with violates("uploads_purpose_valid"):
        UploadFactory(purpose="banner")
    with violates("uploads_size_bytes_check"):
        UploadFactory(size_bytes=-1)
    for bad in ("A" * 64, "0" * 63, "0" * 63 + "g"):
        with violates("uploads_checksum_sha256_hex"):
            UploadFactory(checksum_sha256=bad)

    unhashed = UploadFactory(checksum_sha256="", size_bytes=0, purpose="blog_image")
    hashed = UploadFactory(checksum_sha256="0123456789abcdef" * 4)
    assert fetch(
        "SELECT checksum_sha256, size_bytes FROM uploads WHERE id IN (%s, %s) ORDER BY size_bytes",
        [unhashed.pk, hashed.pk],
    ) == [("", 0), ("0123456789abcdef" * 4, hashed.size_bytes)]


def test_a_storage_object_has_one_live_upload():
    upload = UploadFactory(storage_bucket="media", storage_path="blogs/cover.webp")
    with violates("uq_uploads_bucket_path"):
        UploadFactory(storage_bucket="media", storage_path="blogs/cover.webp")
    # The same path in another bucket is another object.
    UploadFactory(storage_bucket="invoices", storage_path="blogs/cover.webp")

    upload.delete()
    again = UploadFactory(storage_bucket="media", storage_path="blogs/cover.webp")
    assert list(
        Upload.objects.filter(storage_path="blogs/cover.webp").order_by("storage_bucket")
    ) == [
        Upload.objects.get(storage_bucket="invoices"),
        again,
    ]


def test_deleting_a_blog_in_sql_deletes_its_subsections_live_and_soft_deleted():
    blog = BlogFactory()
    other = BlogSubsectionFactory()
    BlogSubsectionFactory(blog=blog)
    BlogSubsectionFactory(blog=blog).delete()
    assert fetch_one("SELECT count(*) FROM blog_subsections WHERE blog_id = %s", [blog.pk]) == 2

    execute("DELETE FROM blogs WHERE id = %s", [blog.pk])

    assert fetch_one("SELECT count(*) FROM blog_subsections WHERE blog_id = %s", [blog.pk]) == 0
    assert fetch("SELECT id FROM blog_subsections WHERE id = %s", [other.pk]) == [(other.pk,)]


def test_deleting_a_user_in_sql_keeps_their_blogs_and_uploads_without_them():
    user = UserFactory(is_staff=True)
    blog = BlogFactory(author=user, published=True)
    upload = UploadFactory(uploaded_by=user)
    kept = BlogFactory()

    execute("DELETE FROM users WHERE id = %s", [user.pk])

    assert fetch("SELECT author_id, status FROM blogs WHERE id = %s", [blog.pk]) == [
        (None, "published")
    ]
    assert fetch("SELECT uploaded_by_id FROM uploads WHERE id = %s", [upload.pk]) == [(None,)]
    assert fetch("SELECT author_id FROM blogs WHERE id = %s", [kept.pk]) == [(kept.author_id,)]
