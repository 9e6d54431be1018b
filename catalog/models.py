"""The catalogue and its stock: products and variants, categories (tiers), collections, tags,
reviews and questions, inventory locations, inventory and the stock ledgers."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q

from catalog.stock_ledger import (
    INVENTORY_LEDGER,
    VARIANT_LEDGER,
    ledger_triggers,
    record_in_ledger,
)
from shop.db.constraints import (
    choices_check,
    json_array_of_strings,
    slug_check,
    unique_while_alive,
)
from shop.db.fields import CurrencyField, MoneyField
from shop.db.indexes import newest_first
from shop.db.models import AuditedModel, BaseModel, SoftDeleteModel
from shop.db.triggers import EndUsersMayChangeOnly, Trigger

# Text search configuration of products.search_vector: 'simple' lower-cases but does not stem,
# so product names and SKUs are matched as written. Queries must use the same configuration:
# SearchQuery("...", config=SEARCH_CONFIG).
SEARCH_CONFIG = "simple"


def compare_at_above_selling(table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=F("selling_price")),
        name=f"{table}_compare_at_above_selling",
        violation_error_message="compare_at_price, when set, is above selling_price.",
    )


# --- Products --------------------------------------------------------------------------------


class ProductStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Product(SoftDeleteModel):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, db_index=False)
    sku = models.CharField(max_length=64, db_comment="Stock keeping unit of the base product.")
    description = models.TextField(blank=True, default="", db_default="")
    short_description = models.CharField(max_length=500, blank=True, default="", db_default="")
    status = models.CharField(
        max_length=20,
        choices=ProductStatus,
        default=ProductStatus.DRAFT,
        db_default=ProductStatus.DRAFT,
        db_comment="Only active products are shown in the storefront.",
    )
    featured = models.BooleanField(default=False, db_default=False)
    image_url = models.URLField(max_length=2048, blank=True, default="", db_default="")
    selling_price = MoneyField()
    compare_at_price = MoneyField(
        null=True, blank=True, db_comment="Former / list price shown struck through; above selling."
    )
    cost_price = MoneyField(db_comment="What the shop pays for one unit; for margins, never shown.")
    currency = CurrencyField()
    tags = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        db_comment='JSON array of tag strings, e.g. ["cotton", "summer"]; searched (weight B).',
    )
    additional_images = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        db_comment="JSON array of image URLs shown after image_url, in order.",
    )
    hsn_code = models.CharField(
        max_length=8,
        blank=True,
        default="",
        db_default="",
        db_comment="Indian GST HSN code: 4, 6 or 8 digits; empty until classified.",
    )
    weight_grams = models.PositiveIntegerField(
        null=True, blank=True, db_comment="Shipping weight of one unit in grams."
    )
    meta_title = models.CharField(max_length=255, blank=True, default="", db_default="")
    meta_description = models.CharField(max_length=500, blank=True, default="", db_default="")
    search_vector = models.GeneratedField(
        # name A; sku and tags B; description C. 'simple' config passed explicitly as regconfig,
        # so the expression is immutable (a generated column requires it). jsonb::text of tags
        # parses to the tag words.
        expression=(
            SearchVector("name", config=SEARCH_CONFIG, weight="A")
            + SearchVector("sku", "tags", config=SEARCH_CONFIG, weight="B")
            + SearchVector("description", config=SEARCH_CONFIG, weight="C")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
        db_comment="Generated tsvector for full-text search",
    )

    class Meta:
        db_table = "products"
        db_table_comment = "Core product catalog with variants support"
        indexes = [
            # Serves: full-text search, search_vector @@ to_tsquery('simple', ...).
            GinIndex(fields=["search_vector"], name="idx_products_search_vector"),
            # Serves: storefront lists — active (featured first) products, newest first.
            models.Index(
                fields=["status", "featured", "-created_at"],
                condition=Q(is_deleted=False),
                name="idx_products_composite",
            ),
        ]
        constraints = [
            choices_check("status", ProductStatus, name="products_status_valid"),
            unique_while_alive("products", "slug"),
            unique_while_alive("products", "sku"),
            slug_check("products"),
            models.CheckConstraint(
                condition=~Q(sku=""),
                name="products_sku_not_empty",
                violation_error_message="sku must not be empty.",
            ),
            compare_at_above_selling("products"),
            models.CheckConstraint(
                condition=Q(hsn_code="") | Q(hsn_code__regex=r"^([0-9]{4}|[0-9]{6}|[0-9]{8})$"),
                name="products_hsn_code_format",
                violation_error_message="hsn_code is empty or 4, 6 or 8 digits.",
            ),
            json_array_of_strings("tags", name="check_tags_array"),
            json_array_of_strings("additional_images", name="check_additional_images"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductVariant(SoftDeleteModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    option_name = models.CharField(max_length=100, db_comment="The option varied, e.g. Size.")
    option_value = models.CharField(max_length=100, db_comment="This variant's value, e.g. XL.")
    sku = models.CharField(max_length=64)
    selling_price = MoneyField()
    compare_at_price = MoneyField(null=True, blank=True)
    cost_price = MoneyField()
    currency = CurrencyField()
    available_quantity = models.IntegerField(
        default=0, db_default=0, db_comment="Units that can still be sold (not reserved)."
    )
    reserved_quantity = models.IntegerField(
        default=0, db_default=0, db_comment="Units held for carts / unpaid orders."
    )
    image_url = models.URLField(max_length=2048, blank=True, default="", db_default="")
    sort_order = models.PositiveIntegerField(default=0, db_default=0)
    is_active = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "product_variants"
        db_table_comment = "Purchasable options of a product (size, colour, ...) with their stock"
        constraints = [
            # Partial: a soft-deleted variant does not block re-creating the same option.
            models.UniqueConstraint(
                fields=["product", "option_name", "option_value"],
                condition=Q(is_deleted=False),
                name="uq_variant_option",
            ),
            unique_while_alive("product_variants", "sku"),
            models.CheckConstraint(
                condition=~Q(sku=""),
                name="product_variants_sku_not_empty",
                violation_error_message="sku must not be empty.",
            ),
            models.CheckConstraint(
                condition=Q(selling_price__gt=0),
                name="check_selling_price_positive",
                violation_error_message="selling_price must be above zero.",
            ),
            compare_at_above_selling("product_variants"),
            models.CheckConstraint(
                condition=Q(available_quantity__gte=0, reserved_quantity__gte=0),
                name="product_variants_stock_non_negative",
                violation_error_message="Stock quantities never go below zero.",
            ),
        ]
        # Stock changes through variant_inventory_adjustments (catalog.stock_ledger).
        triggers = [record_in_ledger(VARIANT_LEDGER)]

    def __str__(self) -> str:
        return f"{self.sku} ({self.option_name}: {self.option_value})"


class ProductFaq(SoftDeleteModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=500)
    answer = models.TextField()
    sort_order = models.PositiveIntegerField(default=0, db_default=0)
    is_published = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "product_faqs"
        verbose_name = "product FAQ"
        db_table_comment = "Frequently asked questions written by the shop for a product"

    def __str__(self) -> str:
        return self.question


class ModerationStatus(models.TextChoices):
    """Review and customer-question moderation."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class ProductQuestion(SoftDeleteModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="questions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="product_questions",
        db_comment="Who asked; NULL once that account is removed.",
    )
    question = models.TextField()
    answer = models.TextField(blank=True, default="", db_default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_product_questions",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=ModerationStatus,
        default=ModerationStatus.PENDING,
        db_default=ModerationStatus.PENDING,
    )

    class Meta:
        db_table = "product_questions"
        db_table_comment = "Questions customers ask about a product, and the shop's answers"
        constraints = [
            choices_check("status", ModerationStatus, name="product_questions_status_valid"),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True)
                | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="product_questions_answered_at_matches_answer",
                violation_error_message="answered_at is set exactly when there is an answer.",
            ),
        ]
        triggers = [
            # The asker edits the question, which sends it back to moderation; the answer and
            # its moderation are the shop's.
            EndUsersMayChangeOnly(
                name="product_questions_customer_columns",
                fields=("question",),
                resets={"status": "'pending'"},
            ),
        ]

    def __str__(self) -> str:
        return self.question[:80]


# --- Collections, reviews, tags --------------------------------------------------------------


class Collection(SoftDeleteModel):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, db_index=False)
    description = models.TextField(blank=True, default="", db_default="")
    image_url = models.URLField(max_length=2048, blank=True, default="", db_default="")
    is_active = models.BooleanField(default=True, db_default=True)
    sort_order = models.PositiveIntegerField(default=0, db_default=0)
    starts_at = models.DateTimeField(
        null=True, blank=True, db_comment="Shown from this time on; NULL: no start limit."
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, db_comment="Shown until this time; NULL: no end."
    )
    products = models.ManyToManyField(
        Product, through="CollectionProduct", related_name="collections", blank=True
    )

    class Meta:
        db_table = "collections"
        db_table_comment = "Curated groups of products (seasonal edits, campaigns, ...)"
        constraints = [
            unique_while_alive("collections", "slug"),
            slug_check("collections"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="collections_ends_after_starts",
                violation_error_message="ends_at is after starts_at.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CollectionProduct(BaseModel):
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="collection_products", db_index=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="collection_products"
    )
    sort_order = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "collection_products"
        db_table_comment = "Which products are in which collection, in display order"
        constraints = [
            # Also the index for "products of a collection" (collection_id leads).
            models.UniqueConstraint(
                fields=["collection", "product"], name="uq_collection_products"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.collection_id}"


class Review(SoftDeleteModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        db_comment="The author; NULL once the account is removed (shown as Deleted User).",
    )
    rating = models.SmallIntegerField(db_comment="1 to 5 stars.")
    title = models.CharField(max_length=200, blank=True, default="", db_default="")
    body = models.TextField(blank=True, default="", db_default="")
    status = models.CharField(
        max_length=20,
        choices=ModerationStatus,
        default=ModerationStatus.PENDING,
        db_default=ModerationStatus.PENDING,
    )
    is_verified_purchase = models.BooleanField(
        default=False,
        db_default=False,
        db_comment="The author had bought the product when writing the review.",
    )

    class Meta:
        db_table = "reviews"
        db_table_comment = "Product ratings and reviews written by customers"
        constraints = [
            choices_check("status", ModerationStatus, name="reviews_status_valid"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="reviews_rating_range",
                violation_error_message="rating is from 1 to 5.",
            ),
            # One review per user and product (reviews of removed users, user NULL, never clash).
            unique_while_alive("reviews", "product", "user"),
        ]
        triggers = [
            # The author edits the text, which sends it back to moderation; moderation status
            # and the verified-purchase badge are the shop's.
            EndUsersMayChangeOnly(
                name="reviews_customer_columns",
                fields=("rating", "title", "body"),
                resets={"status": "'pending'"},
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.product_id}"


class Tag(SoftDeleteModel):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, db_index=False)

    class Meta:
        db_table = "tags"
        db_table_comment = "Vocabulary of product tags (products.tags holds the tag strings)"
        constraints = [
            unique_while_alive("tags", "slug"),
            slug_check("tags"),
        ]

    def __str__(self) -> str:
        return self.name


# --- Categories ------------------------------------------------------------------------------

TIER_MAX_LEVEL = 4


class Tier(SoftDeleteModel):
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, db_index=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="children",
        db_comment="The parent category; NULL for a top-level (level 1) category.",
    )
    level = models.SmallIntegerField(
        default=1, db_default=1, db_comment=f"Depth in the tree: 1 (top) to {TIER_MAX_LEVEL}."
    )
    sort_order = models.PositiveIntegerField(default=0, db_default=0)
    is_active = models.BooleanField(default=True, db_default=True)
    description = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "tiers"
        db_table_comment = "Product categories, a tree of up to four levels"
        constraints = [
            unique_while_alive("tiers", "slug"),
            slug_check("tiers"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=TIER_MAX_LEVEL),
                name="tiers_level_range",
                violation_error_message=f"level is from 1 to {TIER_MAX_LEVEL}.",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, level=1) | Q(parent__isnull=False, level__gt=1),
                name="tiers_level_matches_parent",
                violation_error_message="level is 1 exactly when there is no parent.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="tiers_not_own_parent",
                violation_error_message="A category cannot be its own parent.",
            ),
        ]
        triggers = [
            # A CHECK cannot look at another row, so the tree's shape is kept by a trigger:
            # a tier sits one level below its parent (so the four-level limit holds for the
            # whole tree), and only a tier without children may move. Together they make a
            # cycle impossible: closing one would mean moving a tier that has children.
            Trigger(
                name="tiers_keep_tree_shape",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("parent_id", "level"),
                declare=[("parent_level", "smallint")],
                func="""
                -- Django's save() writes every column; only a real move or re-level counts.
                IF TG_OP = 'UPDATE' AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id
                   AND NEW.level = OLD.level THEN
                    RETURN NEW;
                END IF;
                IF NEW.parent_id IS NOT NULL THEN
                    SELECT level INTO parent_level FROM public.tiers WHERE id = NEW.parent_id;
                    IF NEW.level IS DISTINCT FROM parent_level + 1 THEN
                        RAISE EXCEPTION 'tier level % must be one below its parent''s level %',
                            NEW.level, parent_level
                            USING ERRCODE = 'check_violation',
                                  CONSTRAINT = 'tiers_level_follows_parent';
                    END IF;
                END IF;
                IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM public.tiers WHERE parent_id = NEW.id)
                THEN
                    RAISE EXCEPTION 'tier % has children: move or re-level them first', NEW.id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'tiers_move_leaf_only';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductCategory(AuditedModel):
    pk = models.CompositePrimaryKey("product", "tier")
    # The primary key (product_id, tier_id) is its index.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="product_categories", db_index=False
    )
    # Indexed by idx_product_categories_tier (Meta.indexes).
    tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="product_categories", db_index=False
    )
    is_primary = models.BooleanField(
        default=False, db_default=False, db_comment="The product's main category (at most one)."
    )
    sort_order = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "product_categories"
        db_table_comment = "Which categories (tiers) each product belongs to"
        indexes = [
            # Serves: products of a category, and ON DELETE CASCADE from tiers.
            models.Index(fields=["tier"], name="idx_product_categories_tier"),
        ]
        constraints = [
            # At most one primary category per product.
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_primary=True),
                name="uq_product_categories_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.tier_id}"


# --- Inventory -------------------------------------------------------------------------------


class LocationType(models.TextChoices):
    WAREHOUSE = "warehouse"
    STORE = "store"
    DROPSHIP = "dropship"


class InventoryLocation(SoftDeleteModel):
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=32, db_comment="Short unique code, e.g. BLR-WH1.")
    location_type = models.CharField(
        max_length=20,
        choices=LocationType,
        default=LocationType.WAREHOUSE,
        db_default=LocationType.WAREHOUSE,
    )
    line1 = models.CharField(max_length=255, blank=True, default="", db_default="")
    line2 = models.CharField(max_length=255, blank=True, default="", db_default="")
    city = models.CharField(max_length=100, blank=True, default="", db_default="")
    state = models.CharField(max_length=100, blank=True, default="", db_default="")
    postal_code = models.CharField(max_length=20, blank=True, default="", db_default="")
    country = models.CharField(
        max_length=2, default="IN", db_default="IN", db_comment="ISO 3166-1 alpha-2 code."
    )
    is_active = models.BooleanField(default=True, db_default=True)
    is_default = models.BooleanField(
        default=False,
        db_default=False,
        db_comment="The location stock is taken from unless told otherwise (at most one).",
    )

    class Meta:
        db_table = "inventory_locations"
        db_table_comment = "Warehouses, stores and dropship suppliers that hold stock"
        constraints = [
            choices_check("location_type", LocationType, name="inventory_locations_type_valid"),
            unique_while_alive("inventory_locations", "code"),
            models.CheckConstraint(
                condition=~Q(code=""),
                name="inventory_locations_code_not_empty",
                violation_error_message="code must not be empty.",
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"),
                name="inventory_locations_country_iso",
                violation_error_message="country is a two-letter ISO 3166-1 code.",
            ),
            # At most one default location.
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True, is_deleted=False),
                name="uq_inventory_locations_default",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(is_active=True),
                name="inventory_locations_default_is_active",
                violation_error_message="The default location must be active.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class InventoryStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCONTINUED = "discontinued"


class InventoryCondition(models.TextChoices):
    NEW = "new"
    REFURBISHED = "refurbished"
    USED = "used"
    DAMAGED = "damaged"


class Inventory(BaseModel):
    # Indexed by uq_inventory_product_location (product_id leads).
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="inventory_records", db_index=False
    )
    # Indexed by idx_inventory_composite (location_id leads).
    location = models.ForeignKey(
        InventoryLocation,
        on_delete=models.RESTRICT,
        related_name="inventory_records",
        db_index=False,
    )
    available_quantity = models.IntegerField(
        default=0, db_default=0, db_comment="Units that can still be sold (not reserved)."
    )
    reserved_quantity = models.IntegerField(
        default=0,
        db_default=0,
        db_comment="Units held for carts / unpaid orders; reserving moves units from available.",
    )
    low_stock_threshold = models.PositiveIntegerField(
        default=0,
        db_default=0,
        db_comment="Alert when available_quantity falls to this or below; 0 turns it off.",
    )
    status = models.CharField(
        max_length=20,
        choices=InventoryStatus,
        default=InventoryStatus.ACTIVE,
        db_default=InventoryStatus.ACTIVE,
    )
    condition = models.CharField(
        max_length=20,
        choices=InventoryCondition,
        default=InventoryCondition.NEW,
        db_default=InventoryCondition.NEW,
    )

    class Meta:
        db_table = "inventory"
        db_table_comment = "Real-time inventory tracking across multiple locations"
        verbose_name_plural = "inventory"
        indexes = [
            # Serves: stock of a location filtered by status and condition (and the location FK).
            models.Index(
                fields=["location", "status", "condition"], name="idx_inventory_composite"
            ),
        ]
        constraints = [
            # Also the index for "stock of a product" (the plan's idx_inventory_product_location).
            models.UniqueConstraint(
                fields=["product", "location"], name="uq_inventory_product_location"
            ),
            # notes §4: stock never negative; reserving moves units out of available.
            models.CheckConstraint(
                condition=Q(available_quantity__gte=0, reserved_quantity__gte=0),
                name="check_inventory_reserved",
                violation_error_message="Stock quantities never go below zero.",
            ),
            choices_check("status", InventoryStatus, name="inventory_status_valid"),
            choices_check("condition", InventoryCondition, name="inventory_condition_valid"),
        ]
        # Stock changes through inventory_adjustments (catalog.stock_ledger).
        triggers = [record_in_ledger(INVENTORY_LEDGER)]

    def __str__(self) -> str:
        return f"{self.product_id} at {self.location_id}: {self.available_quantity}"


class AdjustmentReason(models.TextChoices):
    RECEIVED = "received"
    SOLD = "sold"
    RETURNED = "returned"
    DAMAGED = "damaged"
    CORRECTION = "correction"
    RESERVED = "reserved"
    RELEASED = "released"
    COMMITTED = "committed"
    EXPIRED = "expired"


class StockAdjustment(BaseModel):
    """One change of a stock row: an append-only ledger entry (inventory or variant stock)."""

    available_delta = models.IntegerField(db_comment="Change of available_quantity (+/-).")
    reserved_delta = models.IntegerField(db_comment="Change of reserved_quantity (+/-).")
    available_after = models.IntegerField(
        db_comment="available_quantity after this change; a mismatch with the stock row is drift."
    )
    reserved_after = models.IntegerField(
        db_comment="reserved_quantity after this change; a mismatch with the stock row is drift."
    )
    reason = models.CharField(max_length=20, choices=AdjustmentReason)
    reference_type = models.CharField(
        max_length=50,
        blank=True,
        default="",
        db_default="",
        db_comment="Kind of row that caused the change, e.g. order, cart; empty for none.",
    )
    reference_id = models.UUIDField(
        null=True, blank=True, db_comment="Id of that row (of the table named by reference_type)."
    )
    note = models.TextField(blank=True, default="", db_default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.reason}: {self.available_delta:+d} / {self.reserved_delta:+d}"


def stock_adjustment_constraints(table: str, stock: str) -> list[models.BaseConstraint]:
    """The rules of a StockAdjustment table, named after it; ``stock`` is its stock row field."""
    return [
        choices_check("reason", AdjustmentReason, name=f"{table}_reason_valid"),
        models.CheckConstraint(
            condition=~Q(available_delta=0, reserved_delta=0),
            name=f"{table}_changes_something",
            violation_error_message="An adjustment changes available or reserved quantity.",
        ),
        models.CheckConstraint(
            condition=Q(available_after__gte=0, reserved_after__gte=0),
            name=f"{table}_after_non_negative",
            violation_error_message="Stock after an adjustment is never below zero.",
        ),
        models.CheckConstraint(
            condition=Q(reference_type="", reference_id__isnull=True)
            | (~Q(reference_type="") & Q(reference_id__isnull=False)),
            name=f"{table}_reference_complete",
            violation_error_message="reference_type and reference_id are set together.",
        ),
        # An order takes a stock row's units in one committed entry (catalog.stock), so a
        # retried checkout cannot sell them twice.
        models.UniqueConstraint(
            fields=[stock, "reference_id"],
            condition=Q(reason=AdjustmentReason.COMMITTED),
            name=f"uq_{table}_committed_once",
            violation_error_message="An order's stock is committed once per stock row.",
        ),
    ]


class InventoryAdjustment(StockAdjustment):
    # Indexed by idx_inv_adjustments_history (inventory_id leads).
    inventory = models.ForeignKey(
        Inventory, on_delete=models.CASCADE, related_name="adjustments", db_index=False
    )

    class Meta:
        db_table = "inventory_adjustments"
        db_table_comment = "Ledger of every change to inventory quantities"
        indexes = [
            newest_first("inventory_adjustments"),
            # Serves: history of one stock row, newest first (and the inventory FK).
            models.Index(fields=["inventory", "-created_at"], name="idx_inv_adjustments_history"),
        ]
        constraints = stock_adjustment_constraints("inventory_adjustments", "inventory")
        triggers = ledger_triggers(INVENTORY_LEDGER)


class VariantInventoryAdjustment(StockAdjustment):
    # Indexed by idx_variant_inv_adj_history (variant_id leads).
    variant = models.ForeignKey(
        ProductVariant,
        on_delete=models.CASCADE,
        related_name="inventory_adjustments",
        db_index=False,
    )

    class Meta:
        db_table = "variant_inventory_adjustments"
        db_table_comment = "Ledger of every change to product variant stock quantities"
        indexes = [
            newest_first("variant_inventory_adjustments"),
            # Serves: history of one variant's stock, newest first (and the variant FK).
            models.Index(fields=["variant", "-created_at"], name="idx_variant_inv_adj_history"),
        ]
        constraints = stock_adjustment_constraints("variant_inventory_adjustments", "variant")
        triggers = ledger_triggers(VARIANT_LEDGER)
