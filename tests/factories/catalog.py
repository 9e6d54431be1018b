from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from catalog import models
from tests.factories.accounts import UserFactory

__all__ = [
    "CollectionFactory",
    "CollectionProductFactory",
    "InventoryAdjustmentFactory",
    "InventoryFactory",
    "InventoryLocationFactory",
    "ProductCategoryFactory",
    "ProductFactory",
    "ProductFaqFactory",
    "ProductQuestionFactory",
    "ProductVariantFactory",
    "ReviewFactory",
    "TagFactory",
    "TierFactory",
    "VariantInventoryAdjustmentFactory",
]

CENT = Decimal("0.01")

FABRICS = ["cotton", "linen", "silk", "wool", "denim", "khadi", "chiffon", "rayon"]
CATEGORIES = ["Men", "Women", "Kids", "Ethnic Wear", "Footwear", "Accessories", "Home"]
FAQ_QUESTIONS = [
    "Is it machine washable?",
    "Does the colour fade after washing?",
    "What is the fit like?",
    "Is the fabric see-through?",
    "How long does delivery take?",
]


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT)


def slug_of(text: str, n: int) -> str:
    """A URL-ready slug for ``text``, numbered so it stays unique across a test run."""
    return f"{slugify(text) or 'item'}-{n}"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = models.Product

    name = factory.Faker("catch_phrase")
    slug = factory.LazyAttributeSequence(lambda o, n: slug_of(o.name, n))
    sku = factory.Sequence(lambda n: f"SKU{n:06d}")
    description = factory.Faker("paragraph", nb_sentences=3)
    short_description = factory.Faker("sentence")
    status = models.ProductStatus.ACTIVE
    image_url = factory.Faker("image_url")
    selling_price = factory.Faker(
        "pydecimal", left_digits=4, right_digits=2, min_value=199, max_value=9999
    )
    # The struck-through list price: 20 % above the selling price.
    compare_at_price = factory.LazyAttribute(lambda o: money(o.selling_price * Decimal("1.2")))
    cost_price = factory.LazyAttribute(lambda o: money(o.selling_price * Decimal("0.55")))
    currency = "INR"
    tags = factory.Faker("random_elements", elements=FABRICS, length=2, unique=True)
    additional_images = factory.List([factory.Faker("image_url"), factory.Faker("image_url")])
    hsn_code = factory.Faker("random_element", elements=["6109", "620520", "62044300"])
    weight_grams = factory.Faker("random_int", min=100, max=2500)
    meta_title = factory.LazyAttribute(lambda o: o.name[:255])
    meta_description = factory.LazyAttribute(lambda o: o.short_description[:500])


class ProductVariantFactory(DjangoModelFactory):
    class Meta:
        model = models.ProductVariant

    product = factory.SubFactory(ProductFactory)
    option_name = "Size"
    # EU sizes, numbered on so that variants of one product never clash (uq_variant_option).
    option_value = factory.Sequence(lambda n: f"EU {36 + n}")
    sku = factory.LazyAttributeSequence(lambda o, n: f"{o.product.sku}-V{n}")
    selling_price = factory.LazyAttribute(lambda o: o.product.selling_price)
    compare_at_price = None
    cost_price = factory.LazyAttribute(lambda o: o.product.cost_price)
    currency = factory.LazyAttribute(lambda o: o.product.currency)
    # No stock: it arrives through the ledger (VariantInventoryAdjustmentFactory,
    # catalog.stock.receive_variant). Stock given here is recorded as received.
    available_quantity = 0
    reserved_quantity = 0
    image_url = factory.Faker("image_url")
    sort_order = factory.Sequence(lambda n: n)


class ProductFaqFactory(DjangoModelFactory):
    class Meta:
        model = models.ProductFaq

    product = factory.SubFactory(ProductFactory)
    question = factory.Faker("random_element", elements=FAQ_QUESTIONS)
    answer = factory.Faker("paragraph", nb_sentences=2)
    sort_order = factory.Sequence(lambda n: n)


class ProductQuestionFactory(DjangoModelFactory):
    """An unanswered customer question; ``answered=True`` gives it the shop's answer."""

    class Meta:
        model = models.ProductQuestion

    class Params:
        answered = factory.Trait(
            answer=factory.Faker("paragraph", nb_sentences=2),
            answered_by=factory.SubFactory(UserFactory, is_staff=True),
            answered_at=factory.LazyFunction(timezone.now),
            status=models.ModerationStatus.PUBLISHED,
        )

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    question = factory.Faker("sentence", nb_words=8)


class CollectionFactory(DjangoModelFactory):
    class Meta:
        model = models.Collection

    name = factory.Faker("catch_phrase")
    slug = factory.LazyAttributeSequence(lambda o, n: slug_of(o.name, n))
    description = factory.Faker("paragraph", nb_sentences=2)
    image_url = factory.Faker("image_url")
    sort_order = factory.Sequence(lambda n: n)
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=30))


class CollectionProductFactory(DjangoModelFactory):
    class Meta:
        model = models.CollectionProduct

    collection = factory.SubFactory(CollectionFactory)
    product = factory.SubFactory(ProductFactory)
    sort_order = factory.Sequence(lambda n: n)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = models.Review

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    rating = factory.Faker("random_int", min=1, max=5)
    title = factory.Faker("sentence", nb_words=5)
    body = factory.Faker("paragraph", nb_sentences=3)
    status = models.ModerationStatus.PUBLISHED
    is_verified_purchase = True


class TagFactory(DjangoModelFactory):
    class Meta:
        model = models.Tag

    name = factory.Faker("random_element", elements=FABRICS)
    slug = factory.LazyAttributeSequence(lambda o, n: slug_of(o.name, n))


class TierFactory(DjangoModelFactory):
    """A top-level category; pass ``parent`` for a sub-category (its level follows)."""

    class Meta:
        model = models.Tier

    name = factory.Faker("random_element", elements=CATEGORIES)
    slug = factory.LazyAttributeSequence(lambda o, n: slug_of(o.name, n))
    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)
    sort_order = factory.Sequence(lambda n: n)
    description = factory.Faker("sentence")


class ProductCategoryFactory(DjangoModelFactory):
    class Meta:
        model = models.ProductCategory

    product = factory.SubFactory(ProductFactory)
    tier = factory.SubFactory(TierFactory)
    is_primary = False
    sort_order = factory.Sequence(lambda n: n)


class InventoryLocationFactory(DjangoModelFactory):
    class Meta:
        model = models.InventoryLocation

    name = factory.LazyAttribute(lambda o: f"{o.city} Warehouse")
    code = factory.Sequence(lambda n: f"WH{n:04d}")
    location_type = models.LocationType.WAREHOUSE
    line1 = factory.Faker("street_address", locale="en_IN")
    city = factory.Faker("city", locale="en_IN")
    state = factory.Faker("state", locale="en_IN")
    postal_code = factory.Faker("numerify", text="######")
    country = "IN"


class InventoryFactory(DjangoModelFactory):
    class Meta:
        model = models.Inventory

    product = factory.SubFactory(ProductFactory)
    location = factory.SubFactory(InventoryLocationFactory)
    # No stock: it arrives through the ledger (InventoryAdjustmentFactory,
    # catalog.stock.receive). Stock given here is recorded as received.
    available_quantity = 0
    reserved_quantity = 0
    low_stock_threshold = 5


def stock_before(quantity: str) -> factory.LazyAttribute:
    """For the stock row made for an entry: the quantity that the entry leaves at *_after."""
    return factory.LazyAttribute(
        lambda o: (
            getattr(o.factory_parent, f"{quantity}_after")
            - getattr(o.factory_parent, f"{quantity}_delta")
        )
    )


class StockAdjustmentFactory(DjangoModelFactory):
    """A ledger entry, a stock receipt by default.

    The database applies the entry to its stock row and computes *_after from the row
    (catalog.stock_ledger). A stock row made for the entry starts with the quantities from
    which the entry arrives at the given *_after; by default just what the entry needs
    (*_after = max(delta, 0)), so an entry taking units finds them.
    """

    class Meta:
        abstract = True

    reason = models.AdjustmentReason.RECEIVED
    available_delta = factory.Faker("random_int", min=10, max=200)
    reserved_delta = 0
    available_after = factory.LazyAttribute(lambda o: max(o.available_delta, 0))
    reserved_after = factory.LazyAttribute(lambda o: max(o.reserved_delta, 0))
    note = factory.Faker("sentence")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        entry = super()._create(model_class, *args, **kwargs)
        entry.refresh_from_db(fields=["available_after", "reserved_after"])
        return entry


class InventoryAdjustmentFactory(StockAdjustmentFactory):
    class Meta:
        model = models.InventoryAdjustment

    inventory = factory.SubFactory(
        InventoryFactory,
        available_quantity=stock_before("available"),
        reserved_quantity=stock_before("reserved"),
    )


class VariantInventoryAdjustmentFactory(StockAdjustmentFactory):
    class Meta:
        model = models.VariantInventoryAdjustment

    variant = factory.SubFactory(
        ProductVariantFactory,
        available_quantity=stock_before("available"),
        reserved_quantity=stock_before("reserved"),
    )
