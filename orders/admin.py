"""The admin of carts, orders, payments, invoices and wishlists.

What services and the database write is shown, not edited: checkout (``orders.services``) fixes
an order's lines, totals and address snapshots; payments (``orders.payments``) and webhook logs
are Razorpay's word; invoices are issued and revised by ``orders.invoices`` and final once
issued; ``cart_totals`` is a view. Staff change what is theirs to change: an order's status,
delivery and notes, a cart's status, a line's quantity, wishlists.

List filters are on columns with choices or booleans only: a filter on a free-text column
lists its values with a ``SELECT DISTINCT`` over the whole table. Searches match ids and numbers
exactly (``__exact``): the admin's ``=`` is case-insensitive, which no index serves.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest

from accounts.models import User
from orders.invoices import issue_invoice
from orders.models import (
    Cart,
    CartItem,
    CartTotal,
    Invoice,
    InvoiceLineItem,
    InvoiceNumberCounter,
    InvoiceVersion,
    Order,
    OrderItem,
    PaymentTransaction,
    PaymentWebhookEvent,
    PaymentWebhookLog,
    Wishlist,
    WishlistItem,
)
from shop.admin_base import (
    AUDIT_FIELDS,
    SOFT_DELETE_FIELDS,
    ReadOnlyAdmin,
    ReadOnlySoftDeleteAdmin,
    ShopTabularInline,
    SoftDeleteAdmin,
    ViewOnlyInline,
    money,
    recent,
    refusal_message,
)
from shop.audit import audit_actor

# The series the "Issue invoice" action numbers invoices in: INV/26-27/00001.
INVOICE_SERIES = "INV"

UNIT_PRICE = money("unit_price")
LINE_TOTAL = money("line_total")
AMOUNT = money("amount")
REFUND_AMOUNT = money("refund_amount")
SUBTOTAL = money("subtotal")
DISCOUNT_TOTAL = money("discount_total")
SHIPPING_TOTAL = money("shipping_total")
GIFTCARD_TOTAL = money("giftcard_total", description="gift card total")
TAX_TOTAL = money("tax_total")
GRAND_TOTAL = money("grand_total")


# --- Carts -------------------------------------------------------------------------------------


def cart_total(show: Callable) -> Callable:
    """``show`` (a column of a ``CartTotal``) as a column of the cart itself.

    "-" for a cart the view leaves out: a soft-deleted one.
    """

    @admin.display(description=show.short_description)
    def shown(cart: Cart) -> str:
        try:
            totals = cart.totals
        except CartTotal.DoesNotExist:
            return "-"
        return show(totals)

    shown.__name__ = f"cart_{show.__name__}"
    return shown


CART_ITEM_COUNT = cart_total(admin.display(description="lines")(lambda t: t.item_count))
CART_QUANTITY = cart_total(admin.display(description="units")(lambda t: t.quantity))
CART_SUBTOTAL = cart_total(SUBTOTAL)
CART_DISCOUNT_TOTAL = cart_total(DISCOUNT_TOTAL)
CART_GRAND_TOTAL = cart_total(GRAND_TOTAL)
CART_TOTALS = (CART_ITEM_COUNT, CART_QUANTITY, CART_SUBTOTAL, CART_DISCOUNT_TOTAL, CART_GRAND_TOTAL)

# What the shop sets on a cart line: the price when it was added, the checkout snapshots, the
# stock held for it (catalog.stock). The customer's part is the quantity.
CART_ITEM_SHOP_FIELDS = (
    "product",
    "variant",
    "currency",
    "unit_price",
    "cost_price",
    "discount_amount",
    "line_subtotal",
    "line_total",
    "product_name",
    "product_sku",
    "product_image_url",
    "reserved_from_location",
    "reserved_quantity",
    "reserved_until",
)


class CartItemInline(ShopTabularInline):
    model = CartItem
    fields = ("product", "variant", "quantity", UNIT_PRICE, LINE_TOTAL, "reserved_quantity")
    readonly_fields = ("product", "variant", UNIT_PRICE, LINE_TOTAL, "reserved_quantity")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a line is priced by the shop when the customer adds it

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("product", "variant")


@admin.register(Cart)
class CartAdmin(SoftDeleteAdmin):
    list_display = ("id", "user", "session_key", "status", CART_GRAND_TOTAL, "updated_at")
    list_filter = (
        "status",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("user__email", "session_key__exact")
    list_select_related = ("user",)
    ordering = ("-created_at",)
    readonly_fields = ("currency", *CART_TOTALS)
    inlines = (CartItemInline,)

    def get_queryset(self, request: HttpRequest):
        # One query for the page's totals: the view is filtered by its group key, cart id.
        return super().get_queryset(request).prefetch_related("totals")


@admin.register(CartItem)
class CartItemAdmin(SoftDeleteAdmin):
    list_display = ("cart", "product", "quantity", LINE_TOTAL, "reserved_quantity", "created_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("cart__user__email", "product__sku__exact")
    list_select_related = ("cart", "product")
    ordering = ("-created_at",)
    readonly_fields = ("cart", *CART_ITEM_SHOP_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a line is priced by the shop when the customer adds it


@admin.register(CartTotal)
class CartTotalAdmin(ReadOnlyAdmin):
    # Each row is an aggregate of a cart's lines; the cart's own page shows it too.
    list_display = (
        "cart_id",
        "item_count",
        "quantity",
        SUBTOTAL,
        DISCOUNT_TOTAL,
        SHIPPING_TOTAL,
        GIFTCARD_TOTAL,
        GRAND_TOTAL,
    )
    ordering = ("-pk",)


# --- Orders ------------------------------------------------------------------------------------

# Shown with the order's currency ("INR 1,505.71"), as in the lists.
ORDER_TOTALS = (SUBTOTAL, DISCOUNT_TOTAL, SHIPPING_TOTAL, TAX_TOTAL, GIFTCARD_TOTAL, GRAND_TOTAL)

# What checkout (orders.services.place_order) and payments write: the customer, the cart, the
# agreed totals, the address snapshots, the payment state.
ORDER_CHECKOUT_FIELDS = (
    "order_number",
    "user",
    "cart",
    "razorpay_order_id",
    "payment_status",
    "currency",
    *ORDER_TOTALS,
    "shipping_address",
    "billing_address",
    "placed_at",
)


class OrderItemInline(ViewOnlyInline):
    model = OrderItem
    fields = readonly_fields = (
        "product_name",
        "product_sku",
        "option_text",
        "quantity",
        UNIT_PRICE,
        "discount_amount",
        "tax_amount",
        LINE_TOTAL,
    )


class PaymentTransactionInline(ViewOnlyInline):
    model = PaymentTransaction
    fields = readonly_fields = (
        "razorpay_payment_id",
        "status",
        "method",
        AMOUNT,
        REFUND_AMOUNT,
        "captured_at",
    )


class InvoiceInline(ViewOnlyInline):
    model = Invoice
    fields = readonly_fields = (
        "invoice_number",
        "status",
        "issued_at",
        GRAND_TOTAL,
        "current_version",
    )


TRIGRAM = 3  # characters of a trigram: a shorter search cannot use a trigram index


@admin.register(Order)
class OrderAdmin(SoftDeleteAdmin):
    list_display = (
        "order_number",
        "email",
        "order_status",
        "payment_status",
        GRAND_TOTAL,
        "placed_at",
    )
    list_filter = ("order_status", "payment_status", ("created_at", admin.DateFieldListFilter))
    # Matched in get_search_results, each against an index: an order number, a Razorpay order
    # id, or a customer's email (exactly, in any case).
    search_fields = ("order_number", "razorpay_order_id", "user__email")
    search_help_text = (
        "Part of an order number (3 characters or more), or a Razorpay order id or a "
        "customer's email in full."
    )
    list_select_related = ()  # every column is the order's own
    ordering = ("-created_at",)
    readonly_fields = ORDER_CHECKOUT_FIELDS
    fieldsets = (
        (None, {"fields": ("order_number", "order_status", "payment_status", "email", "user")}),
        (
            "Totals (agreed at checkout)",
            {"fields": ("currency", *ORDER_TOTALS)},
        ),
        ("Fulfilment", {"fields": ("delivery_date", "cancelled_at", "tags", "customer_note")}),
        ("Addresses (snapshots at checkout)", {"fields": ("shipping_address", "billing_address")}),
        ("Checkout", {"fields": ("cart", "razorpay_order_id", "placed_at")}),
        ("Record", {"fields": (*AUDIT_FIELDS, *SOFT_DELETE_FIELDS)}),
    )
    inlines = (OrderItemInline, PaymentTransactionInline, InvoiceInline)
    actions = [*SoftDeleteAdmin.actions, "issue_invoices"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are placed by checkout, which computes their totals

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # Django's search ORs icontains over a join with users: a scan of every order. Each
        # match here has its index: part of an order number (idx_orders_number_trgm, which
        # needs 3 characters to narrow anything), a Razorpay order id or a customer (looked up
        # first) in full.
        term = search_term.strip()
        if not term:
            return queryset, False
        customers = list(User.all_objects.filter(email=term.lower()).values_list("pk", flat=True))
        number = (
            Q(order_number__contains=term.upper()) if len(term) >= TRIGRAM else Q(order_number=term)
        )
        matches = number | Q(razorpay_order_id=term) | Q(user__in=customers)
        return queryset.filter(matches), False

    def has_issue_invoices_permission(self, request: HttpRequest) -> bool:
        # Issuing an invoice adds one; the invoice admin itself offers no add form.
        add = get_permission_codename("add", Invoice._meta)
        return request.user.has_perm(f"{Invoice._meta.app_label}.{add}")

    @admin.action(
        description=f"Issue invoice (series {INVOICE_SERIES})", permissions=["issue_invoices"]
    )
    def issue_invoices(self, request: HttpRequest, queryset) -> None:
        issued = []
        for order in queryset:
            # One transaction per order: a refused order leaves the others issued.
            try:
                with audit_actor(request.user):
                    invoice = issue_invoice(order=order, series=INVOICE_SERIES)
            except ValidationError as error:
                refusal = " ".join(error.messages)
                self.message_user(request, f"{order}: {refusal}", messages.ERROR)
            except IntegrityError as error:  # e.g. a concurrent issue of the same order
                self.message_user(request, f"{order}: {refusal_message(error)}", messages.ERROR)
            else:
                issued.append(f"{invoice.invoice_number} ({order.order_number})")
        if issued:
            self.message_user(request, f"Issued {', '.join(issued)}.", messages.SUCCESS)


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlySoftDeleteAdmin):
    list_display = ("order", "product_name", "product_sku", "quantity", LINE_TOTAL, "created_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("order__order_number__exact", "product_sku__exact")
    list_select_related = ("order",)
    ordering = ("-created_at",)


# --- Payments ----------------------------------------------------------------------------------


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(ReadOnlyAdmin):
    # Razorpay's word, applied by orders.payments (refunds too): financial history.
    list_display = (
        "razorpay_payment_id",
        "order",
        "status",
        "method",
        AMOUNT,
        REFUND_AMOUNT,
        "captured_at",
    )
    list_filter = (
        "status",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = (
        "razorpay_payment_id__exact",
        "razorpay_order_id__exact",
        "order__order_number__exact",
    )
    list_select_related = ("order",)
    ordering = ("-created_at",)


@admin.register(PaymentWebhookLog)
class PaymentWebhookLogAdmin(ReadOnlyAdmin):
    list_display = (
        "event_type",
        "event_id",
        "provider",
        "signature_valid",
        "processed_at",
        "payment_transaction",
        "created_at",
    )
    list_filter = (
        "provider",
        "signature_valid",
        ("processed_at", admin.EmptyFieldListFilter),
        recent("created_at"),
    )
    search_fields = ("event_id__exact", "payment_transaction__razorpay_payment_id__exact")
    list_select_related = ("payment_transaction",)
    ordering = ("-created_at",)


@admin.register(PaymentWebhookEvent)
class PaymentWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "provider", "created_at")
    list_filter = (
        "provider",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("event_id__exact",)
    ordering = ("-created_at",)


# --- Invoices ----------------------------------------------------------------------------------


@admin.register(InvoiceNumberCounter)
class InvoiceNumberCounterAdmin(ReadOnlyAdmin):
    # Moved only by orders.invoices in the issuing transaction: an edit would break the run.
    list_display = ("series", "financial_year", "last_number", "updated_at")
    list_filter = ("series",)  # a handful of rows
    search_fields = ("series__exact",)
    ordering = ("-financial_year", "series")


class InvoiceLineItemInline(ViewOnlyInline):
    model = InvoiceLineItem
    fields = readonly_fields = (
        "description",
        "hsn_code",
        "quantity",
        UNIT_PRICE,
        "tax_rate",
        money("tax_amount"),
        LINE_TOTAL,
    )


class InvoiceVersionInline(ViewOnlyInline):
    model = InvoiceVersion
    fields = readonly_fields = ("version_number", "reason", "created_at")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlySoftDeleteAdmin):
    list_display = (
        "invoice_number",
        "order",
        "status",
        "financial_year",
        GRAND_TOTAL,
        "issued_at",
        "current_version",
    )
    list_filter = (
        "status",
        ("issued_at", admin.DateFieldListFilter),
    )
    search_fields = ("invoice_number__exact", "order__order_number__exact")
    list_select_related = ("order",)
    ordering = ("-created_at",)
    inlines = (InvoiceLineItemInline, InvoiceVersionInline)


@admin.register(InvoiceVersion)
class InvoiceVersionAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "version_number", "reason", "created_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("invoice__invoice_number__exact",)
    list_select_related = ("invoice",)
    ordering = ("-created_at",)


@admin.register(InvoiceLineItem)
class InvoiceLineItemAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "description", "hsn_code", "quantity", UNIT_PRICE, LINE_TOTAL)
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("invoice__invoice_number__exact", "hsn_code__exact")
    list_select_related = ("invoice",)
    ordering = ("-created_at",)


# --- Wishlists ---------------------------------------------------------------------------------


class WishlistItemInline(ShopTabularInline):
    model = WishlistItem
    fields = ("product", "variant", "note", "order")


@admin.register(Wishlist)
class WishlistAdmin(SoftDeleteAdmin):
    list_display = ("name", "user", "is_default", "created_at")
    list_filter = (
        "is_default",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("user__email", "name")
    list_select_related = ("user",)
    ordering = ("-created_at",)
    inlines = (WishlistItemInline,)


@admin.register(WishlistItem)
class WishlistItemAdmin(SoftDeleteAdmin):
    list_display = ("wishlist", "product", "order", "created_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("wishlist__user__email", "product__sku__exact")
    list_select_related = ("wishlist", "product", "order")
    ordering = ("-created_at",)
