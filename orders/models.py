"""Carts, orders, payments, invoices and wishlists.

Catalog models are referenced lazily ("catalog.Product", ...) so this module never imports
``catalog``. Totals of a cart are not stored: the ``cart_totals`` view (a later migration,
``security_invoker = true``) computes them from ``cart_items``.
"""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Greatest, Left, Length, Mod, Right

from shop.db.constraints import choices_check, json_array_of_strings, json_type_check
from shop.db.fields import ZERO, CurrencyField, MoneyField
from shop.db.indexes import Index, newest_first
from shop.db.models import BaseModel, SoftDeleteModel
from shop.db.triggers import (
    CLIENT_WRITER,
    EndUsersMayChangeOnly,
    ModelTrigger,
    Trigger,
    changed,
    kept_as_is,
    refuse,
)


def utc_date(field: str) -> Cast:
    """The UTC calendar date of a timestamptz column: ``(field AT TIME ZONE 'UTC')::date``.

    Immutable, unlike ``field::date`` (which depends on the session's TimeZone). Written with
    ``timezone()`` rather than ``TruncDate(tzinfo=UTC)`` because migrations cannot serialize a
    tzinfo object.
    """
    return Cast(
        models.Func(
            models.Value("UTC"),
            models.F(field),
            function="timezone",
            output_field=models.DateTimeField(),
        ),
        models.DateField(),
    )


def line_subtotal_expression() -> CombinedExpression:
    """unit_price * quantity: the gross amount of a cart, order or invoice line."""
    return models.F("unit_price") * models.F("quantity")


# --- Rules written as triggers ---------------------------------------------------------------


def broken_rule(rule: str, message: str) -> ValidationError:
    """The same refusal raised by a service, before it writes: ``code`` is the rule's name."""
    return ValidationError(f"{rule}: {message}", code=rule)


# ---------------------------------------------------------------------------------------------
# Carts
# ---------------------------------------------------------------------------------------------


class CartStatus(models.TextChoices):
    ACTIVE = "active"
    CONVERTED = "converted"
    ABANDONED = "abandoned"
    EXPIRED = "expired"


class Cart(SoftDeleteModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
        db_comment="Owner of the cart; NULL for a guest cart (identified by session_key).",
    )
    session_key = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_default="",
        db_comment="Session key of a guest cart; empty for a signed-in user's cart.",
    )
    status = models.CharField(
        max_length=20,
        choices=CartStatus,
        default=CartStatus.ACTIVE,
        db_default=CartStatus.ACTIVE,
    )
    currency = CurrencyField()
    giftcard_total = MoneyField(
        default=ZERO,
        db_default=ZERO,
        db_comment="Gift card amount applied to the cart; subtracted by the cart_totals view.",
    )
    shipping_total = MoneyField(default=ZERO, db_default=ZERO)
    applied_discount_codes = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        db_comment="Array of applied discount code objects with details",
    )
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        db_comment="When an untouched cart is treated as expired (guest carts especially).",
    )

    class Meta:
        db_table = "carts"
        indexes = [newest_first("carts", alive_only=True)]
        db_table_comment = (
            "Shopping carts of users and guests; totals are computed by the cart_totals view"
        )
        constraints = [
            choices_check("status", CartStatus, name="carts_status_valid"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(session_key=""),
                name="carts_owner_present",
                violation_error_message="A cart belongs to a user or to a guest session_key.",
            ),
            json_type_check(
                "applied_discount_codes", "array", name="carts_applied_discount_codes_array"
            ),
            # At most one active cart per user; soft-deleted and converted carts do not count.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status=CartStatus.ACTIVE, is_deleted=False),
                name="uq_carts_active_user",
            ),
            # At most one active guest cart per session; also finds it when the guest returns.
            models.UniqueConstraint(
                fields=["session_key"],
                condition=models.Q(status=CartStatus.ACTIVE, is_deleted=False)
                & ~models.Q(session_key=""),
                name="uq_carts_active_session",
            ),
        ]
        triggers = [
            # Totals and status belong to checkout, not to the customer's client.
            EndUsersMayChangeOnly(
                name="carts_customer_columns", fields=("applied_discount_codes",)
            ),
        ]

    def __str__(self) -> str:
        owner = self.user_id or f"guest {self.session_key}"
        return f"Cart {self.pk} of {owner} ({self.status})"


class CartItem(SoftDeleteModel):
    # The plain FK index stays: ON DELETE CASCADE from carts cannot use the partial index below.
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cart_items",
        db_comment="NULL once the product is deleted: the cart keeps working without it.",
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cart_items",
    )
    quantity = models.PositiveIntegerField()
    currency = CurrencyField()
    unit_price = MoneyField(db_comment="Selling price of one unit when it was put in the cart.")
    cost_price = MoneyField(db_comment="Cost of one unit to the shop (for margin reports).")
    discount_amount = MoneyField(
        default=ZERO, db_default=ZERO, db_comment="Discount on the whole line, not per unit."
    )
    # numeric(12,2) like MoneyField (which cannot be an output_field: its CHECK needs a bound
    # column). Never negative: unit_price >= 0, quantity > 0, discount <= unit_price * quantity.
    line_subtotal = models.GeneratedField(
        expression=line_subtotal_expression(),
        output_field=models.DecimalField(max_digits=12, decimal_places=2),
        db_persist=True,
        db_comment="Generated: unit_price * quantity.",
    )
    line_total = models.GeneratedField(
        # A generated column cannot reference another one, so line_subtotal is spelled out.
        expression=line_subtotal_expression() - models.F("discount_amount"),
        output_field=models.DecimalField(max_digits=12, decimal_places=2),
        db_persist=True,
        db_comment="Generated: unit_price * quantity - discount_amount.",
    )
    # Snapshots: NULL while the item sits in the cart; filled when the cart becomes an order
    # (plan 2.2). NULL means "not snapshotted yet", which an empty string would blur.
    product_name = models.CharField(  # noqa: DJ001
        max_length=255,
        null=True,
        blank=True,
        db_comment="Snapshot of the product name, filled only when the cart converts to an order.",
    )
    product_sku = models.CharField(  # noqa: DJ001
        max_length=100,
        null=True,
        blank=True,
        db_comment="Snapshot of the SKU, filled only when the cart converts to an order.",
    )
    product_image_url = models.URLField(  # noqa: DJ001
        max_length=2048,
        null=True,
        blank=True,
        db_comment="Snapshot of the image URL, filled only when the cart converts to an order.",
    )
    reserved_from_location = models.ForeignKey(
        "catalog.InventoryLocation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cart_item_reservations",
        db_comment="Inventory location the reserved units are held at.",
    )
    reserved_quantity = models.PositiveIntegerField(
        default=0,
        db_default=0,
        db_comment="Units of this line held in inventory for the cart until reserved_until.",
    )
    reserved_until = models.DateTimeField(
        null=True,
        blank=True,
        db_comment="When the reservation expires and the units go back to available stock.",
    )

    class Meta:
        db_table = "cart_items"
        db_table_comment = "Lines of a cart; prices are the ones shown when the item was added"
        indexes = [
            newest_first("cart_items", alive_only=True),
            # Serves: the live items of a cart (cart page, cart_totals view), by product.
            # Also replaces the plan's idx_cart_items_cart_id, which is its prefix (notes §12).
            models.Index(
                fields=["cart", "product"],
                condition=models.Q(is_deleted=False),
                name="idx_cart_items_active",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="cart_items_quantity_positive",
                violation_error_message="quantity must be at least 1.",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_amount__lte=line_subtotal_expression()),
                name="cart_items_discount_within_line",
                violation_error_message="discount_amount cannot exceed unit_price * quantity.",
            ),
            models.CheckConstraint(
                condition=models.Q(reserved_quantity__lte=models.F("quantity")),
                name="cart_items_reserved_within_quantity",
                violation_error_message="reserved_quantity cannot exceed quantity.",
            ),
        ]
        triggers = [
            # A customer changes the quantity; prices, snapshots and stock holds belong to services.
            EndUsersMayChangeOnly(name="cart_items_customer_columns", fields=("quantity",)),
            # A client's cart line is priced by the shop, from what is for sale now: a price or
            # discount sent by the client is replaced, and a product or variant not on sale
            # (draft, archived, deleted; a foreign key alone would accept it) is refused.
            Trigger(
                name="cart_items_priced_by_the_shop",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Condition(CLIENT_WRITER),
                func="""
                IF private.is_admin() THEN
                    RETURN NEW;
                END IF;
                SELECT price.unit_price, price.cost_price, price.currency
                  INTO NEW.unit_price, NEW.cost_price, NEW.currency
                  FROM private.cart_item_price(NEW.product_id, NEW.variant_id) AS price;
                IF NOT FOUND THEN
                    RAISE EXCEPTION
                        'cart_items_priced_by_the_shop: product % (variant %) is not for sale',
                        NEW.product_id, NEW.variant_id
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'cart_items_priced_by_the_shop';
                END IF;
                NEW.discount_amount := 0;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name or self.product_id} in cart {self.cart_id}"


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------


class CartTotal(models.Model):
    """A row of the ``cart_totals`` view: what a cart adds up to, computed, never stored.

    The view is ``security_invoker``: it runs with the reader's rights, so a customer sees
    only their own carts' totals (the carts and cart_items policies apply).
    """

    cart = models.OneToOneField(
        Cart, on_delete=models.DO_NOTHING, primary_key=True, related_name="totals"
    )
    currency = models.CharField(max_length=3)
    item_count = models.IntegerField(help_text="Lines in the cart.")
    quantity = models.IntegerField(help_text="Units in the cart.")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2)
    giftcard_total = models.DecimalField(max_digits=12, decimal_places=2)
    grand_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        managed = False
        db_table = "cart_totals"

    def __str__(self) -> str:
        return f"{self.cart_id}: {self.grand_total} {self.currency}"


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class PaymentStatus(models.TextChoices):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"


class NextOrderNumber(models.Func):
    """``private.next_order_number()``: SO- and the next value of ``order_number_seq``."""

    function = "private.next_order_number"
    output_field = models.CharField()


class Order(SoftDeleteModel):
    # From a database sequence, so every writer (checkout, the admin, SQL) gets the next one.
    order_number = models.CharField(
        max_length=32,
        db_default=NextOrderNumber(),
        db_comment=(
            "Customer-facing order number, e.g. SO-00001042, from order_number_seq. "
            "Unique for ever: a soft-deleted order keeps its number."
        ),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        db_comment="Customer; NULL for a guest order or after the user is deleted (order is kept).",
    )
    cart = models.OneToOneField(
        Cart,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order",
        db_comment="Cart this order was placed from; unique, so a retried checkout finds it.",
    )
    email = models.EmailField(
        db_comment="Contact email given at checkout (guest orders have no user).",
    )
    order_status = models.CharField(
        max_length=20,
        choices=OrderStatus,
        default=OrderStatus.PENDING,
        db_default=OrderStatus.PENDING,
    )
    payment_status = models.CharField(
        max_length=20,
        choices=PaymentStatus,
        default=PaymentStatus.PENDING,
        db_default=PaymentStatus.PENDING,
    )
    razorpay_order_id = models.CharField(  # noqa: DJ001 (unique: NULL, never '')
        max_length=64,
        null=True,
        blank=True,
        db_comment="Razorpay payment gateway order identifier",
    )
    currency = CurrencyField()
    subtotal = MoneyField(db_comment="Sum of the order items' unit_price * quantity.")
    discount_total = MoneyField(default=ZERO, db_default=ZERO)
    shipping_total = MoneyField(default=ZERO, db_default=ZERO)
    tax_total = MoneyField(default=ZERO, db_default=ZERO)
    giftcard_total = MoneyField(
        default=ZERO,
        db_default=ZERO,
        db_comment="Gift card amount applied, carried over from the cart.",
    )
    grand_total = MoneyField(db_comment="Amount the customer pays.")
    shipping_address = models.JSONField(
        db_comment=(
            "Snapshot of the shipping address at checkout (JSON object); "
            "later edits of user_addresses do not change it."
        ),
    )
    billing_address = models.JSONField(
        db_comment=(
            "Snapshot of the billing address at checkout (JSON object); "
            "later edits of user_addresses do not change it."
        ),
    )
    tags = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        db_comment="JSON array of strings: labels for filtering orders in the admin.",
    )
    customer_note = models.TextField(blank=True, default="", db_default="")
    placed_at = models.DateTimeField(
        null=True, blank=True, db_comment="When the customer completed checkout."
    )
    delivery_date = models.DateField(
        null=True,
        blank=True,
        db_comment="Calendar date (UTC) of delivery; never before the UTC date of created_at.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders"
        db_table_comment = "Customer orders with payment and fulfillment tracking"
        indexes = [
            # Serves: the admin's order lists by status, newest first (all rows, plan 1.3).
            models.Index(fields=["order_status", "-created_at"], name="idx_orders_status_dates"),
            # Serves: a customer's orders of one status, newest first, read in index order; a
            # payment status filter on top is checked in the index too. (The plan put
            # payment_status before created_at, which only sorts within one payment status.)
            # Also covers the plan's idx_orders_user_status, its prefix (notes §12). It has a
            # WHERE clause, so the user FK keeps its own index for ON DELETE SET NULL.
            models.Index(
                fields=["user", "order_status", "-created_at", "payment_status"],
                condition=models.Q(is_deleted=False),
                name="idx_orders_composite",
            ),
            # Serves: a customer's orders, newest first, with no status filter (a client's
            # first page; the keyset's id breaks ties of one instant).
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=models.Q(is_deleted=False),
                name="idx_orders_user_newest",
            ),
            newest_first("orders", alive_only=True),
            # Serves: part of an order number, as staff type it off a parcel (LIKE/ILIKE
            # '%12345%', the admin's search and PostgREST's ilike). pg_trgm, in schema
            # extensions as on Supabase (orders 0008).
            GinIndex(
                fields=["order_number"],
                opclasses=["extensions.gin_trgm_ops"],
                name="idx_orders_number_trgm",
            ),
        ]
        constraints = [
            choices_check("order_status", OrderStatus, name="orders_order_status_valid"),
            # A UniqueConstraint, not unique=True: the latter adds a second, unused
            # varchar_pattern_ops (LIKE) index.
            models.UniqueConstraint(fields=["order_number"], name="uq_orders_order_number"),
            models.UniqueConstraint(
                fields=["razorpay_order_id"], name="uq_orders_razorpay_order_id"
            ),
            choices_check("payment_status", PaymentStatus, name="orders_payment_status_valid"),
            json_type_check("shipping_address", "object", name="orders_shipping_address_object"),
            json_type_check("billing_address", "object", name="orders_billing_address_object"),
            json_array_of_strings("tags", name="check_orders_tags"),
            # Compared in UTC explicitly (notes §5): the result must not depend on the session
            # time zone of whoever inserts. (created_at AT TIME ZONE 'UTC')::date is immutable.
            models.CheckConstraint(
                condition=models.Q(delivery_date__isnull=True)
                | models.Q(delivery_date__gte=utc_date("created_at")),
                name="check_delivery_after_creation",
                violation_error_message=(
                    "delivery_date cannot be before the (UTC) date the order was created."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(order_status=OrderStatus.CANCELLED)
                | models.Q(cancelled_at__isnull=False),
                name="orders_cancelled_has_cancelled_at",
                violation_error_message="A cancelled order records cancelled_at.",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.order_number}"


class OrderItem(SoftDeleteModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.RESTRICT,
        related_name="order_items",
        db_comment="Deleting a product that has been ordered is refused (ON DELETE RESTRICT).",
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="order_items",
    )
    product_name = models.CharField(max_length=255, db_comment="Snapshot at checkout.")
    product_sku = models.CharField(
        max_length=100, blank=True, default="", db_default="", db_comment="Snapshot at checkout."
    )
    product_image_url = models.URLField(
        max_length=2048,
        blank=True,
        default="",
        db_default="",
        db_comment="Snapshot at checkout.",
    )
    option_text = models.CharField(
        max_length=255,
        blank=True,
        default="",
        db_default="",
        db_comment="Snapshot of the chosen variant option at checkout, e.g. 'Size: M'.",
    )
    quantity = models.PositiveIntegerField()
    currency = CurrencyField()
    unit_price = MoneyField(db_comment="Selling price of one unit agreed at checkout.")
    cost_price = MoneyField(db_comment="Cost of one unit to the shop at checkout.")
    discount_amount = MoneyField(
        default=ZERO, db_default=ZERO, db_comment="Discount on the whole line, not per unit."
    )
    tax_amount = MoneyField(
        default=ZERO, db_default=ZERO, db_comment="Tax on the whole line, not per unit."
    )
    line_total = MoneyField(
        db_comment=(
            "Stored, not generated: the amount agreed at checkout. "
            "CHECK: unit_price * quantity - discount_amount + tax_amount."
        ),
    )

    class Meta:
        db_table = "order_items"
        indexes = [newest_first("order_items", alive_only=True)]
        db_table_comment = "Lines of an order with a snapshot of the product as it was ordered"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="order_items_quantity_positive",
                violation_error_message="quantity must be at least 1.",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_amount__lte=line_subtotal_expression()),
                name="order_items_discount_within_line",
                violation_error_message="discount_amount cannot exceed unit_price * quantity.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    line_total=line_subtotal_expression()
                    - models.F("discount_amount")
                    + models.F("tax_amount")
                ),
                name="order_items_line_total_consistent",
                violation_error_message=(
                    "line_total must equal unit_price * quantity - discount_amount + tax_amount."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name} in order {self.order_id}"


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------


class PaymentTransactionStatus(models.TextChoices):
    CREATED = "created"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


# A payment that was captured; with refunds it moves on to partially_refunded and refunded.
REFUNDABLE_STATUSES = [
    PaymentTransactionStatus.CAPTURED,
    PaymentTransactionStatus.PARTIALLY_REFUNDED,
    PaymentTransactionStatus.REFUNDED,
]


class PaymentTransaction(BaseModel):
    """One payment attempt at Razorpay. Financial history: never soft-deleted."""

    order = models.ForeignKey(Order, on_delete=models.RESTRICT, related_name="payment_transactions")
    razorpay_order_id = models.CharField(
        max_length=64, db_comment="Razorpay order the payment was made against."
    )
    razorpay_payment_id = models.CharField(  # noqa: DJ001 (unique: NULL, never '')
        max_length=64,
        null=True,
        blank=True,
        db_comment="Razorpay payment identifier; NULL until Razorpay reports a payment.",
    )
    razorpay_signature = models.CharField(
        max_length=256,
        blank=True,
        default="",
        db_default="",
        db_comment="Checkout signature returned by Razorpay, kept for audits.",
    )
    currency = CurrencyField()
    amount = MoneyField()
    refund_amount = MoneyField(
        null=True, blank=True, db_comment="Total refunded so far; never more than amount."
    )
    status = models.CharField(
        max_length=20,
        choices=PaymentTransactionStatus,
        default=PaymentTransactionStatus.CREATED,
        db_default=PaymentTransactionStatus.CREATED,
    )
    method = models.CharField(
        max_length=30,
        blank=True,
        default="",
        db_default="",
        db_comment="Payment method as Razorpay names it: card, upi, netbanking, wallet, emi ...",
    )
    error_code = models.CharField(
        max_length=100, blank=True, default="", db_default="", db_comment="Razorpay error code."
    )
    error_description = models.TextField(blank=True, default="", db_default="")
    captured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "payment_transactions"
        db_table_comment = "Payment attempts through Razorpay; financial history, never deleted"
        indexes = [
            newest_first("payment_transactions"),
            # Serves: matching Razorpay callbacks and webhooks to the transaction (plan 6.1).
            Index(fields=["razorpay_order_id", "status"], name="idx_payment_transactions_razorpay"),
        ]
        constraints = [
            choices_check(
                "status", PaymentTransactionStatus, name="payment_transactions_status_valid"
            ),
            # Serves: finding the transaction of a Razorpay payment (webhooks, reconciliation).
            models.UniqueConstraint(
                fields=["razorpay_payment_id"], name="uq_payment_transactions_razorpay_payment_id"
            ),
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True)
                | models.Q(refund_amount__lte=models.F("amount")),
                name="check_refund_amount",
                violation_error_message="refund_amount cannot exceed amount.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="payment_transactions_amount_positive",
                violation_error_message="A payment is for a positive amount.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PaymentTransactionStatus.CAPTURED)
                | models.Q(captured_at__isnull=False),
                name="payment_transactions_captured_has_captured_at",
                violation_error_message="A captured payment records captured_at.",
            ),
            # Money goes back only once it was taken.
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True)
                | models.Q(refund_amount=0)
                | models.Q(captured_at__isnull=False, status__in=REFUNDABLE_STATUSES),
                name="payment_transactions_refund_after_capture",
                violation_error_message=(
                    "Only a captured payment is refunded (captured_at set; status captured, "
                    "partially_refunded or refunded)."
                ),
            ),
        ]
        triggers = [
            # Refunds add up in refund_amount, which check_refund_amount caps at amount. Were it
            # allowed to go down, the same money could be refunded again and again under the cap.
            Trigger(
                name="payment_transactions_refunds_only_add_up",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("refund_amount"),
                condition=pgtrigger.Condition(
                    'coalesce(NEW."refund_amount", 0) < coalesce(OLD."refund_amount", 0)'
                ),
                func=refuse(
                    "payment_transactions_refunds_only_add_up",
                    "refund_amount of payment % cannot go down (from % to %)",
                    "OLD.id",
                    "OLD.refund_amount",
                    "NEW.refund_amount",
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.razorpay_payment_id or self.razorpay_order_id} ({self.status})"


class PaymentProvider(models.TextChoices):
    RAZORPAY = "razorpay"


# What a webhook log keeps exactly as it was received.
RECEIVED_COLUMNS = [
    "provider",
    "event_id",
    "event_type",
    "payload",
    "signature_valid",
    "created_at",
]


class PaymentWebhookLog(BaseModel):
    """A webhook delivery as received: every unverified one, and each verified event once.

    The table is range-partitioned by month on created_at (``0001_initial`` creates it with
    RunSQL: primary key ``(id, created_at)``, a DEFAULT partition). A unique key on a
    partitioned table must include created_at, which would make (provider, event_id) unique per
    instant only. So the unique key lives in ``payment_webhook_events``: inserting a verified
    log row inserts its event there too (``payment_webhook_logs_event_once``), and a redelivered
    event is refused by ``uq_payment_webhook_events_event``, also when the two deliveries race
    (the second waits for the first to commit). ``orders.payments.record_webhook`` turns that
    into "seen before, not applied again".
    """

    provider = models.CharField(
        max_length=20,
        choices=PaymentProvider,
        default=PaymentProvider.RAZORPAY,
        db_default=PaymentProvider.RAZORPAY,
    )
    event_id = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        db_comment="Provider's event id (Razorpay: X-Razorpay-Event-Id); the same on redelivery.",
    )
    event_type = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",
        db_comment="Provider's event name, e.g. payment.captured.",
    )
    payload = models.JSONField(db_comment="Webhook body as received (JSON).")
    signature_valid = models.BooleanField(
        default=False,
        db_default=False,
        db_comment="Whether the webhook signature verified against the shared secret.",
    )
    processed_at = models.DateTimeField(
        null=True, blank=True, db_comment="When the event was applied; NULL while unprocessed."
    )
    processing_error = models.TextField(
        blank=True, default="", db_default="", db_comment="Why processing failed, if it did."
    )
    payment_transaction = models.ForeignKey(
        PaymentTransaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_logs",
    )

    class Meta:
        db_table = "payment_webhook_logs"
        db_table_comment = "Payment provider webhook deliveries, partitioned by month on created_at"
        indexes = [
            newest_first("payment_webhook_logs"),
            # Serves: "have we seen this event before?" when a webhook is (re)delivered.
            models.Index(fields=["provider", "event_id"], name="idx_payment_webhook_logs_event"),
        ]
        constraints = [
            choices_check("provider", PaymentProvider, name="payment_webhook_logs_provider_valid"),
        ]
        triggers = [
            # AFTER, so the log row's own constraints speak first. An unverified delivery claims
            # no event id: a forged one must not make the genuine event look like a redelivery.
            Trigger(
                name="payment_webhook_logs_event_once",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Condition('NEW."signature_valid"'),
                func="""
                INSERT INTO public.payment_webhook_events (provider, event_id)
                VALUES (NEW.provider, NEW.event_id);
                RETURN NULL;
                """,
            ),
            # Evidence stays as received, and an UPDATE cannot slip past the event's unique key.
            Trigger(
                name="payment_webhook_logs_received_as_is",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(changed(RECEIVED_COLUMNS)),
                func=refuse(
                    "payment_webhook_logs_received_as_is",
                    f"webhook log % keeps {', '.join(RECEIVED_COLUMNS)} as received",
                    "OLD.id",
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"


class PaymentWebhookEvent(BaseModel):
    """A verified webhook event, once: the unique key ``payment_webhook_logs`` cannot hold.

    Written by the ``payment_webhook_logs_event_once`` trigger. It outlives the log's monthly
    partitions on purpose: an event is never applied twice, however late it comes back.
    """

    provider = models.CharField(
        max_length=20,
        choices=PaymentProvider,
        default=PaymentProvider.RAZORPAY,
        db_default=PaymentProvider.RAZORPAY,
    )
    event_id = models.CharField(
        max_length=100,
        db_comment="Provider's event id (Razorpay: X-Razorpay-Event-Id); the same on redelivery.",
    )

    class Meta:
        db_table = "payment_webhook_events"
        indexes = [newest_first("payment_webhook_events")]
        db_table_comment = "Each verified payment webhook event once, so a redelivery is recognised"
        constraints = [
            choices_check(
                "provider", PaymentProvider, name="payment_webhook_events_provider_valid"
            ),
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="uq_payment_webhook_events_event"
            ),
            models.CheckConstraint(
                condition=~models.Q(event_id=""),
                name="payment_webhook_events_event_id_present",
                violation_error_message="A verified webhook names its event (event_id).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


# ---------------------------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------------------------


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft"
    ISSUED = "issued"
    CANCELLED = "cancelled"


# GST (CGST Rules, rule 46(b)): at most 16 characters; letters, digits, '-' and '/' only.
INVOICE_NUMBER_REGEX = r"^[A-Za-z0-9/-]{1,16}$"
FINANCIAL_YEAR_REGEX = r"^[0-9]{4}-[0-9]{2}$"
# '/' separates the parts of an invoice number, so a series holds none.
INVOICE_SERIES_REGEX = r"^[A-Za-z0-9-]+$"


def financial_year_check(name: str) -> models.CheckConstraint:
    """CHECK that financial_year looks like '2026-27': the format, then years that follow.

    '2026-28' is refused. CASE guarantees the casts only run on text that matched the format.
    """
    return models.CheckConstraint(
        condition=models.Case(
            models.When(
                models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                then=models.lookups.Exact(
                    Cast(Right("financial_year", 2), models.IntegerField()),
                    Mod(Cast(Left("financial_year", 4), models.IntegerField()) + 1, 100),
                ),
            ),
            default=models.Value(False),
            output_field=models.BooleanField(),
        ),
        name=name,
        violation_error_message="financial_year looks like '2026-27'.",
    )


def invoice_number_length() -> CombinedExpression:
    """The length of ``orders.invoices.invoice_number(series, financial_year, last_number)``.

    series/YY-YY/NNNNN: the series, two '/', five characters of year and at least five digits.
    """
    digits = Length(Cast("last_number", models.TextField()))
    return Length("series") + 7 + Greatest(models.Value(5), digits)


class InvoiceNumberCounter(BaseModel):
    """The last invoice number allocated in a series and financial year.

    ``orders.invoices`` allocates a number by incrementing this row in the issuing transaction
    (``INSERT ... ON CONFLICT DO UPDATE``), which holds the row lock until it commits: a second
    issuer waits and takes the next number, and an issue that rolls back rolls its increment
    back. So numbers run on without gaps.
    """

    series = models.CharField(max_length=16, db_comment="Invoice series, e.g. 'INV'.")
    financial_year = models.CharField(
        max_length=7, db_comment="Indian financial year (April-March), e.g. '2026-27'."
    )
    last_number = models.PositiveIntegerField(
        db_comment="The last number allocated; the next invoice takes last_number + 1."
    )

    class Meta:
        db_table = "invoice_number_counters"
        db_table_comment = "Last invoice number per series and financial year, for gapless numbers"
        constraints = [
            models.UniqueConstraint(
                fields=["series", "financial_year"], name="uq_invoice_number_counters_series_year"
            ),
            models.CheckConstraint(
                condition=models.Q(series__regex=INVOICE_SERIES_REGEX),
                name="invoice_number_counters_series_format",
                violation_error_message="series is letters, digits and '-' (no '/').",
            ),
            financial_year_check("invoice_number_counters_financial_year_format"),
            # A series too long for any number is refused when its first number is allocated.
            models.CheckConstraint(
                condition=models.Q(models.lookups.LessThanOrEqual(invoice_number_length(), 16)),
                name="invoice_number_counters_number_fits_16",
                violation_error_message=(
                    "The invoice number series/YY-YY/NNNNN would exceed the 16 characters GST "
                    "allows: use a shorter series."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.financial_year}: {self.last_number}"


def issued_invoice_update(model: type[models.Model]) -> str:
    """An issued (or cancelled) invoice changes only its current_version, to its newest one."""
    rule = "invoices_issued_are_final"
    content_changed = refuse(
        rule,
        "invoice % is %: revise it with a new invoice_versions row",
        "OLD.invoice_number",
        "OLD.status",
    )
    not_newest = refuse(
        rule,
        "current_version of invoice % is its newest invoice_versions row",
        "OLD.invoice_number",
    )
    return f"""
    IF NOT ({kept_as_is(model, mutable=("current_version",))}) THEN
        {content_changed}
    END IF;
    IF NEW.current_version IS DISTINCT FROM OLD.current_version
       AND NEW.current_version IS DISTINCT FROM (
           SELECT max(v.version_number) FROM public.invoice_versions v
           WHERE v.invoice_id = OLD.id) THEN
        {not_newest}
    END IF;
    RETURN NEW;
    """


def issued_invoice_line_change(model: type[models.Model]) -> str:
    """Lines are written while the invoice is a draft; issuing it freezes them.

    FOR SHARE waits for a concurrent issue of the invoice, so a line cannot slip in under it.
    AFTER the row is written, so row level security and the line's constraints speak first.
    """

    def refused_unless_draft(row: str) -> str:
        refusal = refuse(
            "invoice_line_items_frozen_once_issued",
            "% of a line of invoice % refused: the invoice is %",
            "TG_OP",
            f"{row}.invoice_id",
            "invoice_status",
        )
        return f"""
        SELECT i.status INTO invoice_status FROM public.invoices i
        WHERE i.id = {row}.invoice_id FOR SHARE;
        IF invoice_status <> 'draft' THEN
            {refusal}
        END IF;"""

    return f"""
    IF TG_OP = 'UPDATE' THEN
        IF {kept_as_is(model)} THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN{refused_unless_draft("NEW")}
    END IF;
    IF TG_OP <> 'INSERT' THEN{refused_unless_draft("OLD")}
    END IF;
    RETURN NULL;
    """


def invoice_version_change(model: type[models.Model]) -> str:
    """A version is a snapshot: never edited, never deleted."""
    refusal = refuse(
        "invoice_versions_are_final",
        "% of version % of invoice % refused: versions are never changed",
        "TG_OP",
        "OLD.version_number",
        "OLD.invoice_id",
    )
    return f"""
    IF TG_OP = 'UPDATE' THEN
        IF {kept_as_is(model)} THEN
            RETURN NEW;
        END IF;
    END IF;
    {refusal}
    """


# Versions of an issued invoice are numbered 1, 2, 3 ... and the newest one is current. The
# invoice row lock serialises revisions.
VERSION_OF_A_DRAFT = refuse(
    "invoice_versions_of_issued_invoices",
    "invoice % is a draft: versions begin when it is issued",
    "NEW.invoice_id",
)
VERSION_OUT_OF_TURN = refuse(
    "invoice_versions_in_turn",
    "version % of invoice % is not the next one",
    "NEW.version_number",
    "NEW.invoice_id",
)
INVOICE_VERSION_INSERT = f"""
    SELECT i.status INTO invoice_status FROM public.invoices i
    WHERE i.id = NEW.invoice_id FOR UPDATE;
    IF invoice_status = 'draft' THEN
        {VERSION_OF_A_DRAFT}
    END IF;
    IF NEW.version_number <> (SELECT count(*) FROM public.invoice_versions v
                              WHERE v.invoice_id = NEW.invoice_id) THEN
        {VERSION_OUT_OF_TURN}
    END IF;
    UPDATE public.invoices SET current_version = NEW.version_number
    WHERE id = NEW.invoice_id AND current_version <> NEW.version_number;
    RETURN NULL;
    """


class Invoice(SoftDeleteModel):
    order = models.ForeignKey(Order, on_delete=models.RESTRICT, related_name="invoices")
    invoice_number = models.CharField(  # noqa: DJ001 (unique: NULL, never '')
        max_length=16,
        null=True,
        blank=True,
        db_comment=(
            "GST invoice number: at most 16 characters of letters, digits, '-' and '/'. "
            "NULL while draft; unique for ever, soft-deleted invoices included."
        ),
    )
    series = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        db_comment="Invoice series the number is drawn from (GST allows several).",
    )
    financial_year = models.CharField(
        max_length=7, db_comment="Indian financial year (April-March), e.g. '2026-27'."
    )
    status = models.CharField(
        max_length=20,
        choices=InvoiceStatus,
        default=InvoiceStatus.DRAFT,
        db_default=InvoiceStatus.DRAFT,
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    currency = CurrencyField()
    subtotal = MoneyField(db_comment="Taxable value of all lines.")
    tax_total = MoneyField(default=ZERO, db_default=ZERO)
    grand_total = MoneyField()
    billing_snapshot = models.JSONField(
        db_comment="Snapshot of the billed party (name, address, GSTIN) as a JSON object.",
    )
    current_version = models.PositiveIntegerField(
        default=1,
        db_default=1,
        db_comment="version_number of the invoice_versions row that is current.",
    )

    class Meta:
        db_table = "invoices"
        indexes = [newest_first("invoices", alive_only=True)]
        db_table_comment = "Tax invoices of orders, numbered per GST rules"
        constraints = [
            choices_check("status", InvoiceStatus, name="invoices_status_valid"),
            models.UniqueConstraint(fields=["invoice_number"], name="uq_invoices_invoice_number"),
            models.CheckConstraint(
                condition=models.Q(invoice_number__regex=INVOICE_NUMBER_REGEX),
                name="invoices_invoice_number_gst_format",
                violation_error_message=(
                    "invoice_number has at most 16 characters: letters, digits, '-' and '/'."
                ),
            ),
            financial_year_check("invoices_financial_year_format"),
            models.CheckConstraint(
                condition=~models.Q(status=InvoiceStatus.ISSUED)
                | models.Q(invoice_number__isnull=False, issued_at__isnull=False),
                name="invoices_issued_has_number",
                violation_error_message="An issued invoice has an invoice_number and issued_at.",
            ),
            models.CheckConstraint(
                condition=models.Q(current_version__gt=0),
                name="invoices_current_version_positive",
                violation_error_message="current_version starts at 1.",
            ),
            json_type_check("billing_snapshot", "object", name="invoices_billing_snapshot_object"),
            # A number is allocated on issue and then kept: a draft, which may be deleted, has
            # none, or deleting it would leave a gap.
            models.CheckConstraint(
                condition=~models.Q(status=InvoiceStatus.DRAFT)
                | models.Q(invoice_number__isnull=True),
                name="invoices_draft_has_no_number",
                violation_error_message="A draft has no invoice_number: it gets one when issued.",
            ),
            # An order is billed once: a retried issue must not make a second invoice.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status=InvoiceStatus.ISSUED),
                name="uq_invoices_order_issued",
            ),
        ]
        triggers = [
            # Issued means final (GST): a correction is a new invoice_versions row, which moves
            # current_version (invoice_versions_in_turn); nothing else of the row changes.
            ModelTrigger(
                name="invoices_issued_are_final",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition("OLD.\"status\" <> 'draft'"),
                func=issued_invoice_update,
            ),
            # Soft delete is an UPDATE of deleted_at, refused above; this refuses the real one.
            Trigger(
                name="invoices_issued_are_kept",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.\"status\" <> 'draft'"),
                func=refuse(
                    "invoices_issued_are_kept",
                    "invoice % is %: it is kept for ever",
                    "OLD.invoice_number",
                    "OLD.status",
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_number or f'draft {self.pk}'}"


class InvoiceVersion(BaseModel):
    # No index of its own: uq_invoice_versions_number leads with invoice_id.
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version_number = models.PositiveIntegerField()
    snapshot = models.JSONField(
        db_comment="The complete invoice (header and lines) as this version, a JSON object.",
    )
    reason = models.TextField(
        blank=True, default="", db_default="", db_comment="Why this version was made."
    )

    class Meta:
        db_table = "invoice_versions"
        indexes = [newest_first("invoice_versions")]
        db_table_comment = "Immutable snapshots of each version of an invoice"
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "version_number"], name="uq_invoice_versions_number"
            ),
            models.CheckConstraint(
                condition=models.Q(version_number__gt=0),
                name="invoice_versions_version_number_positive",
                violation_error_message="version_number starts at 1.",
            ),
            json_type_check("snapshot", "object", name="invoice_versions_snapshot_object"),
            models.CheckConstraint(
                condition=models.Q(version_number=1) | models.Q(reason__regex=r"\S"),
                name="invoice_versions_revision_has_reason",
                violation_error_message="A revision (version 2 on) says why it was made.",
            ),
        ]
        triggers = [
            ModelTrigger(
                name="invoice_versions_are_final",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                func=invoice_version_change,
            ),
            # AFTER the row is written, so row level security and uq_invoice_versions_number
            # speak first.
            Trigger(
                name="invoice_versions_in_turn",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                declare=[("invoice_status", "varchar")],
                func=INVOICE_VERSION_INSERT,
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_id} v{self.version_number}"


class InvoiceLineItem(BaseModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="line_items")
    order_item = models.ForeignKey(
        OrderItem,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="invoice_line_items",
        db_comment="Order line invoiced; NULL for a line of its own (e.g. shipping charges).",
    )
    description = models.CharField(max_length=255)
    hsn_code = models.CharField(
        max_length=8,
        blank=True,
        default="",
        db_default="",
        db_comment="HSN (goods) or SAC (services) code: 4, 6 or 8 digits.",
    )
    quantity = models.PositiveIntegerField()
    currency = CurrencyField()
    unit_price = MoneyField()
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        db_default=ZERO,
        db_comment="GST rate in percent (0 to 100).",
    )
    tax_amount = MoneyField(default=ZERO, db_default=ZERO)
    line_total = MoneyField()

    class Meta:
        db_table = "invoice_line_items"
        indexes = [newest_first("invoice_line_items")]
        db_table_comment = "Lines of an invoice with their HSN code and tax"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="invoice_line_items_quantity_positive",
                violation_error_message="quantity must be at least 1.",
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100),
                name="invoice_line_items_tax_rate_range",
                violation_error_message="tax_rate is a percentage between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=models.Q(hsn_code="")
                | models.Q(hsn_code__regex=r"^([0-9]{4}|[0-9]{6}|[0-9]{8})$"),
                name="invoice_line_items_hsn_code_format",
                violation_error_message="hsn_code has 4, 6 or 8 digits.",
            ),
        ]
        triggers = [
            ModelTrigger(
                name="invoice_line_items_frozen_once_issued",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("invoice_status", "varchar")],
                func=issued_invoice_line_change,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description} on invoice {self.invoice_id}"


# ---------------------------------------------------------------------------------------------
# Wishlists
# ---------------------------------------------------------------------------------------------


class Wishlist(SoftDeleteModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlists"
    )
    name = models.CharField(max_length=100, default="My wishlist", db_default="My wishlist")
    is_default = models.BooleanField(
        default=False, db_default=False, db_comment="The list 'add to wishlist' puts items in."
    )

    class Meta:
        db_table = "wishlists"
        db_table_comment = "Named lists of products a user wants to remember"
        constraints = [
            # At most one default wishlist per user (partial, so user keeps its FK index).
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True, is_deleted=False),
                name="uq_wishlists_default_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.user_id}"


class WishlistItem(SoftDeleteModel):
    # Keeps its own index: uq_wishlist_items_product is partial (WHERE NOT is_deleted).
    wishlist = models.ForeignKey(Wishlist, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="wishlist_items"
    )
    # CASCADE, not SET NULL: nulling the variant could collide with uq_wishlist_items_product
    # (NULLS NOT DISTINCT) when the list already holds the product without a variant, and the
    # variant delete would then be refused. A wish for a variant that is gone goes with it.
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wishlist_items",
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wishlist_items",
        db_comment="Order the item was bought in, if it was.",
    )
    note = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "wishlist_items"
        db_table_comment = "Products (optionally a variant) on a wishlist"
        constraints = [
            # A product (or variant) is on a list once; NULL variants count as equal.
            models.UniqueConstraint(
                fields=["wishlist", "product", "variant"],
                condition=models.Q(is_deleted=False),
                nulls_distinct=False,
                name="uq_wishlist_items_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} on wishlist {self.wishlist_id}"
