import mimetypes

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from content import models
from tests.factories.accounts import UserFactory

__all__ = ["BlogFactory", "BlogSubsectionFactory", "UploadFactory"]


class BlogFactory(DjangoModelFactory):
    """A draft blog; ``BlogFactory(published=True)`` makes a published one."""

    class Meta:
        model = models.Blog

    class Params:
        published = factory.Trait(
            status=models.BlogStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )

    title = factory.Faker("sentence", nb_words=6, variable_nb_words=True)
    slug = factory.Sequence(lambda n: f"skincare-guide-{n}")
    excerpt = factory.Faker("paragraph", nb_sentences=2)
    cover_image_url = factory.Sequence(lambda n: f"https://cdn.example.com/blogs/cover-{n}.webp")
    author = factory.SubFactory(UserFactory, is_staff=True)
    status = models.BlogStatus.DRAFT
    published_at = None
    tags = factory.Faker(
        "random_elements",
        elements=["skincare", "how-to", "ingredients", "routine", "news"],
        length=2,
        unique=True,
    )
    seo_title = factory.LazyAttribute(lambda o: o.title[:60])
    seo_description = factory.Faker("sentence", nb_words=15)


class BlogSubsectionFactory(DjangoModelFactory):
    class Meta:
        model = models.BlogSubsection

    blog = factory.SubFactory(BlogFactory)
    heading = factory.Faker("sentence", nb_words=4)
    body = factory.Faker("paragraph", nb_sentences=5)
    image_url = factory.Sequence(lambda n: f"https://cdn.example.com/blogs/section-{n}.webp")
    # Unique among a blog's live subsections: a sequence keeps factory-made ones apart.
    sort_order = factory.Sequence(lambda n: n)


class UploadFactory(DjangoModelFactory):
    class Meta:
        model = models.Upload

    storage_bucket = "media"
    original_filename = factory.Faker("file_name", category="image", extension="jpg")
    storage_path = factory.Sequence(lambda n: f"products/{n:06d}.jpg")
    content_type = factory.LazyAttribute(
        lambda o: mimetypes.guess_type(o.original_filename)[0] or "application/octet-stream"
    )
    size_bytes = factory.Faker("random_int", min=10_000, max=5_000_000)
    checksum_sha256 = factory.Faker("sha256")
    purpose = models.UploadPurpose.PRODUCT_IMAGE
    uploaded_by = factory.SubFactory(UserFactory, is_staff=True)
