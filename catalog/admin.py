"""The catalogue and its stock in the admin.

- A product's page carries its variants, FAQs and collections inline, and its categories.
- Stock balances (``available_quantity`` / ``reserved_quantity``) are the ledger's
  (catalog.stock_ledger): shown read-only, and never written back by a save.
- The stock ledgers are append-only: stock is adjusted by adding an entry (received, returned,
  damaged, correction), never by editing one; the newest entries show inline on their stock row.
- Reviews and customer questions are moderated: publish or reject the selected ones.

``ProductCategory`` has a composite primary key, which Django 5.2's admin can neither register
(``AdminSite.register`` refuses it) nor edit inline (a formset posts the key back as text it
cannot read: a server error). A product's categories are two fields of its form instead.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db.models import F, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone

from catalog.models import (
    AdjustmentReason,
    Collection,
    CollectionProduct,
    Inventory,
    InventoryAdjustment,
    InventoryLocation,
    ModerationStatus,
    Product,
    ProductCategory,
    ProductFaq,
    ProductQuestion,
    ProductVariant,
    Review,
    Tag,
    Tier,
    VariantInventoryAdjustment,
)
from catalog.selectors import matches_words
from shop.admin_base import (
    ShopModelAdmin,
    ShopStackedInline,
    ShopTabularInline,
    SoftDeleteAdmin,
    ViewOnlyInline,
    money,
    save_changed_columns,
)

# --- Stock rows and their ledgers ------------------------------------------------------------

BALANCES = ("available_quantity", "reserved_quantity")

# A busy stock row has thousands of entries (every cart hold is two): its page shows the newest.
LEDGER_INLINE_ENTRIES = 20

LEDGER_COLUMNS = (
    "created_at",
    "reason",
    "available_delta",
    "reserved_delta",
    "available_after",
    "reserved_after",
    "reference_type",
    "reference_id",
    "note",
)


class StockRowAdmin(ShopModelAdmin):
    """A stock table's admin: its balances move only through the ledger. (Saves write only
    the changed columns, so a page open during a sale does not write stale balances back.)"""

    readonly_fields = BALANCES


class NewestEntriesFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset().order_by("-created_at")[:LEDGER_INLINE_ENTRIES]
        return self._queryset


class LedgerInline(ViewOnlyInline):
    """The newest ledger entries of a stock row, view only (the database refuses edits)."""

    formset = NewestEntriesFormSet
    fields = LEDGER_COLUMNS
    readonly_fields = LEDGER_COLUMNS
    verbose_name_plural = f"Newest {LEDGER_INLINE_ENTRIES} ledger entries"


class InventoryLedgerInline(LedgerInline):
    model = InventoryAdjustment


class VariantLedgerInline(LedgerInline):
    model = VariantInventoryAdjustment


# What staff book by hand; holds, sales and expiries are the stock services' to write.
STAFF_REASONS = (
    AdjustmentReason.RECEIVED,
    AdjustmentReason.RETURNED,
    AdjustmentReason.DAMAGED,
    AdjustmentReason.CORRECTION,
)


class LedgerEntryForm(forms.ModelForm):
    reason = forms.ChoiceField(choices=[(reason.value, reason.label) for reason in STAFF_REASONS])
    available_delta = forms.IntegerField(
        label="change of available quantity",
        help_text="+ for stock in (received, returned), - for stock out (damaged).",
    )


class LedgerAdmin(ShopModelAdmin):
    """Stock is adjusted by adding an entry (the ledger's trigger moves the balance, and refuses
    a move below zero by name); entries are never edited or deleted (the database refuses)."""

    list_display = LEDGER_COLUMNS[:-1]
    list_filter = (
        "reason",
        # Not date_hierarchy: its year links are a DISTINCT over the whole, ever-growing ledger.
        ("created_at", admin.DateFieldListFilter),
    )
    ordering = ("-created_at",)
    form = LedgerEntryForm

    def get_fields(self, request: HttpRequest, obj=None) -> tuple:
        if obj is None:
            return (self.stock_field, "reason", "available_delta", "note")
        return (self.stock_field, *LEDGER_COLUMNS)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple:
        return () if obj is None else (self.stock_field, *LEDGER_COLUMNS)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        obj.reserved_delta = 0
        obj.available_after = obj.reserved_after = 0  # computed by the ledger's trigger
        super().save_model(request, obj, form, change)


@admin.register(InventoryAdjustment)
class InventoryAdjustmentAdmin(LedgerAdmin):
    stock_field = "inventory"
    list_display = ("created_at", "product_sku", "location_code", *LEDGER_COLUMNS[1:-1])
    list_select_related = ("inventory__product", "inventory__location")
    list_filter = (*LedgerAdmin.list_filter, "inventory__location")
    # Served by uq_products_sku / uq_inventory_locations_code, then idx_inv_adjustments_history.
    search_fields = ("inventory__product__sku__exact", "inventory__location__code__exact")
    search_help_text = "Exact SKU of the product, or exact location code."

    @admin.display(description="product", ordering="inventory__product__sku")
    def product_sku(self, obj: InventoryAdjustment) -> str:
        return obj.inventory.product.sku

    @admin.display(description="location", ordering="inventory__location__code")
    def location_code(self, obj: InventoryAdjustment) -> str:
        return obj.inventory.location.code


@admin.register(VariantInventoryAdjustment)
class VariantInventoryAdjustmentAdmin(LedgerAdmin):
    stock_field = "variant"
    list_display = ("created_at", "variant", *LEDGER_COLUMNS[1:-1])
    list_select_related = ("variant",)
    search_fields = ("variant__sku__exact", "variant__product__sku__exact")
    search_help_text = "Exact SKU of the variant or of its product."


class LowStockFilter(admin.SimpleListFilter):
    """Rows at or below their alert threshold (a threshold of 0 turns the alert off)."""

    title = "stock level"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return (("low", "Low (at or below threshold)"),)

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(
                low_stock_threshold__gt=0, available_quantity__lte=F("low_stock_threshold")
            )
        return queryset


@admin.register(Inventory)
class InventoryAdmin(StockRowAdmin):
    list_display = (
        "product_sku",
        "location",
        "available_quantity",
        "reserved_quantity",
        "low_stock_threshold",
        "status",
        "condition",
        "updated_at",
    )
    list_filter = (LowStockFilter, "status", "condition", "location")
    list_select_related = ("product", "location")
    autocomplete_fields = ("location",)
    search_fields = ("product__sku__exact", "location__code__exact")
    search_help_text = "Exact SKU of the product, or exact location code."
    date_hierarchy = "created_at"
    ordering = ("-updated_at",)
    inlines = (InventoryLedgerInline,)

    @admin.display(description="product", ordering="product__sku")
    def product_sku(self, obj: Inventory) -> str:
        return obj.product.sku


@admin.register(InventoryLocation)
class InventoryLocationAdmin(SoftDeleteAdmin):
    list_display = (
        "code",
        "name",
        "location_type",
        "city",
        "country",
        "is_active",
        "is_default",
    )
    list_filter = ("location_type", "is_active", "is_default")
    search_fields = ("code", "name", "city")
    date_hierarchy = "created_at"
    ordering = ("code",)


# --- Products --------------------------------------------------------------------------------


class ProductVariantInline(ShopTabularInline):
    model = ProductVariant
    fields = (
        "sku",
        "option_name",
        "option_value",
        "selling_price",
        "compare_at_price",
        "cost_price",
        "currency",
        *BALANCES,
        "sort_order",
        "is_active",
    )
    readonly_fields = BALANCES
    ordering = ("sort_order", "sku")


class ProductFaqInline(ShopStackedInline):
    model = ProductFaq
    fields = ("question", "answer", "sort_order", "is_published")
    ordering = ("sort_order",)


class CollectionProductInline(ShopTabularInline):
    model = CollectionProduct
    fields = ("collection", "product", "sort_order")
    ordering = ("sort_order",)


class CollectionsOfProductInline(CollectionProductInline):
    fields = ("collection", "sort_order")
    autocomplete_fields = ("collection",)
    verbose_name_plural = "collections"


def tier_picker(widget: type[AutocompleteSelect]) -> AutocompleteSelect:
    return widget(ProductCategory._meta.get_field("tier"), admin.site)


class ProductForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        Tier.objects.all(), required=False, widget=tier_picker(AutocompleteSelectMultiple)
    )
    primary_category = forms.ModelChoiceField(
        Tier.objects.all(),
        required=False,
        widget=tier_picker(AutocompleteSelect),
        help_text="One of the categories: the one the storefront files the product under.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            links = self.instance.product_categories.order_by("sort_order")
            self.fields["categories"].initial = [link.tier_id for link in links]
            self.fields["primary_category"].initial = next(
                (link.tier_id for link in links if link.is_primary), None
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        primary = cleaned.get("primary_category")
        if primary is not None and primary not in cleaned.get("categories", ()):
            self.add_error("primary_category", "The primary category is one of the categories.")
        return cleaned


def set_categories(*, product: Product, tiers: list[Tier], primary: Tier | None) -> None:
    """Make ``tiers`` the categories of ``product`` and ``primary`` (one of them) its primary
    one; links kept keep their sort order."""
    links = ProductCategory.objects.filter(product=product)
    links.exclude(tier__in=tiers).delete()
    # Cleared first: uq_product_categories_primary allows one primary at any moment.
    links.filter(is_primary=True).exclude(tier=primary).update(is_primary=False)
    kept = set(links.values_list("tier_id", flat=True))
    ProductCategory.objects.bulk_create(
        ProductCategory(product=product, tier=tier) for tier in tiers if tier.pk not in kept
    )
    if primary is not None:
        links.filter(tier=primary).update(is_primary=True)


@admin.register(Product)
class ProductAdmin(SoftDeleteAdmin):
    list_display = (
        "name",
        "sku",
        "status",
        "featured",
        money("selling_price", description="price"),
        money("compare_at_price", description="compare at"),
        "created_at",
    )
    list_filter = ("status", "featured")
    # The search box; get_search_results decides what a search matches.
    search_fields = ("sku", "slug", "name")
    search_help_text = (
        "An exact SKU (of the product or a variant) or slug, or the beginnings of words of the "
        "name, SKU, tags or description."
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    prepopulated_fields = {"slug": ("name",)}
    form = ProductForm
    inlines = (
        ProductVariantInline,
        ProductFaqInline,
        CollectionsOfProductInline,
    )

    def save_related(self, request: HttpRequest, form: ProductForm, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if {"categories", "primary_category"} & set(form.changed_data):
            set_categories(
                product=form.instance,
                tiers=list(form.cleaned_data["categories"]),
                primary=form.cleaned_data["primary_category"],
            )

    # What a view-only page shows for the two form fields.
    @admin.display(description="categories")
    def categories(self, product: Product) -> str:
        return ", ".join(link.tier.name for link in self.category_links(product)) or "-"

    @admin.display(description="primary category")
    def primary_category(self, product: Product) -> str:
        primary = [link.tier.name for link in self.category_links(product) if link.is_primary]
        return primary[0] if primary else "-"

    @staticmethod
    def category_links(product: Product) -> list[ProductCategory]:
        return list(product.product_categories.select_related("tier").order_by("sort_order"))

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # Each served by an index (uq_products_sku, uq_products_slug, uq_product_variants_sku,
        # idx_products_search_vector), where the default icontains would read the whole table.
        term = search_term.strip()
        if not term:
            return queryset, False
        variant_skus = ProductVariant.objects.filter(sku=term).values("product_id")
        matches = Q(sku=term) | Q(slug=term) | Q(pk__in=variant_skus)
        matches |= Q(matches_words(term))
        return queryset.filter(matches), False


@admin.register(ProductVariant)
class ProductVariantAdmin(StockRowAdmin, SoftDeleteAdmin):
    list_display = (
        "sku",
        "product",
        "option_name",
        "option_value",
        money("selling_price", description="price"),
        *BALANCES,
        "is_active",
    )
    list_filter = ("is_active",)
    list_select_related = ("product",)
    search_fields = ("sku__exact", "product__sku__exact")
    search_help_text = "Exact SKU of the variant or of its product."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    inlines = (VariantLedgerInline,)


@admin.register(ProductFaq)
class ProductFaqAdmin(SoftDeleteAdmin):
    list_display = ("question", "product", "sort_order", "is_published")
    list_filter = ("is_published",)
    list_select_related = ("product",)
    search_fields = ("question", "product__sku__exact")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)


# --- Moderation ------------------------------------------------------------------------------


def moderation_action(status: ModerationStatus, description: str):
    """An action setting the selected rows' status, in one UPDATE the database's rules see."""

    @admin.action(description=description, permissions=["change"])
    def moderate(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset) -> None:
        moved = queryset.exclude(status=status).update(status=status, updated_by=request.user)
        modeladmin.message_user(
            request, f"{moved} row(s) set to {status.label.lower()}.", messages.SUCCESS
        )

    moderate.__name__ = f"set_{status.value}"
    return moderate


class ModeratedAdmin(SoftDeleteAdmin):
    actions = (
        *SoftDeleteAdmin.actions,
        moderation_action(ModerationStatus.PUBLISHED, "Publish selected"),
        moderation_action(ModerationStatus.REJECTED, "Reject selected"),
    )
    list_select_related = ("product", "user")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)


@admin.register(Review)
class ReviewAdmin(ModeratedAdmin):
    list_display = (
        "title",
        "product",
        "user",
        "rating",
        "status",
        "is_verified_purchase",
        "created_at",
    )
    list_filter = ("status", "rating", "is_verified_purchase")
    search_fields = ("title", "product__sku__exact", "user__email__exact")
    search_help_text = "Words of the title, or an exact product SKU or author email."


@admin.register(ProductQuestion)
class ProductQuestionAdmin(ModeratedAdmin):
    list_display = ("__str__", "product", "user", "status", "answered_at", "created_at")
    list_filter = ("status", ("answered_at", admin.EmptyFieldListFilter))
    search_fields = ("question", "product__sku__exact", "user__email__exact")
    search_help_text = "Words of the question, or an exact product SKU or asker email."
    readonly_fields = ("answered_by", "answered_at")

    def save_model(self, request: HttpRequest, obj: ProductQuestion, form, change: bool) -> None:
        # Who answered and when follow the answer (product_questions_answered_at_matches_answer).
        changed = form.changed_data
        if "answer" in changed:
            answered = bool(obj.answer)
            obj.answered_by = request.user if answered else None
            obj.answered_at = timezone.now() if answered else None
            changed = [*changed, "answered_by", "answered_at"]
        save_changed_columns(obj, changed=changed, by=request.user)


# --- Collections, tags, categories -----------------------------------------------------------


class ProductsOfCollectionInline(CollectionProductInline):
    fields = ("product", "sort_order")
    verbose_name_plural = "products"


@admin.register(Collection)
class CollectionAdmin(SoftDeleteAdmin):
    list_display = ("name", "slug", "is_active", "starts_at", "ends_at", "sort_order")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "starts_at"
    ordering = ("sort_order", "name")
    inlines = (ProductsOfCollectionInline,)


@admin.register(CollectionProduct)
class CollectionProductAdmin(ShopModelAdmin):
    list_display = ("collection", "product", "sort_order")
    list_filter = ("collection",)
    list_select_related = ("collection", "product")
    autocomplete_fields = ("collection",)
    search_fields = ("product__sku__exact", "collection__slug__exact")
    search_help_text = "Exact SKU of the product, or exact slug of the collection."
    date_hierarchy = "created_at"
    ordering = ("collection", "sort_order")


@admin.register(Tag)
class TagAdmin(SoftDeleteAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    ordering = ("name",)


@admin.register(Tier)
class TierAdmin(SoftDeleteAdmin):
    list_display = ("name", "slug", "parent", "level", "sort_order", "is_active")
    list_filter = ("level", "is_active")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    ordering = ("level", "sort_order", "name")
