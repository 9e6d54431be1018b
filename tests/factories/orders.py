from datetime import datetime, timedelta
from decimal import Decimal

import factory
import pgtrigger
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from orders import models
from tests.factories.accounts import UserFactory
from tests.factories.catalog import ProductFactory

__all__ = [
    "CartFactory",
    "CartItemFactory",
    "InvoiceFactory",
    "InvoiceLineItemFactory",
    "InvoiceNumberCounterFactory",
    "InvoiceVersionFactory",
    "OrderFactory",
    "OrderItemFactory",
    "PaymentTransactionFactory",
    "PaymentWebhookEventFactory",
    "PaymentWebhookLogFactory",
    "WishlistFactory",
    "WishlistItemFactory",
]

CENT = Decimal("0.01")
GST_RATE = Decimal("18.00")  # percent; most apparel and accessories


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def gst(amount: Decimal) -> Decimal:
    return money(amount * GST_RATE / 100)


def financial_year(moment: datetime) -> str:
    """The Indian financial year (April to March) of ``moment``: 2026-05-01 -> '2026-27'."""
    start = moment.year if moment.month >= 4 else moment.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def unit_price_of(line, price: str) -> Decimal:
    """The variant's price if the line has a variant, else the product's (fallback: a price)."""
    source = line.variant or line.product
    if source is None:
        return money(Decimal("499.00") if price == "selling_price" else Decimal("210.00"))
    return getattr(source, price)


class CartFactory(DjangoModelFactory):
    """A signed-in user's active cart; ``CartFactory(guest=True)`` for a guest's."""

    class Meta:
        model = models.Cart

    class Params:
        guest = factory.Trait(
            user=None, session_key=factory.Sequence(lambda n: f"guestsession{n:028d}")
        )

    user = factory.SubFactory(UserFactory)
    status = models.CartStatus.ACTIVE
    currency = "INR"
    shipping_total = money("49.00")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class CartItemFactory(DjangoModelFactory):
    """A line of a cart at the product's current price; snapshots stay NULL until checkout."""

    class Meta:
        model = models.CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    variant = None
    quantity = factory.Faker("random_int", min=1, max=4)
    currency = "INR"
    unit_price = factory.LazyAttribute(lambda o: unit_price_of(o, "selling_price"))
    cost_price = factory.LazyAttribute(lambda o: unit_price_of(o, "cost_price"))
    discount_amount = money(0)


class OrderFactory(DjangoModelFactory):
    """A placed, unpaid order of a signed-in user; totals add up (GST 18% on the subtotal)."""

    class Meta:
        model = models.Order

    # order_number: from the database's order_number_seq (its db_default).
    user = factory.SubFactory(UserFactory)
    cart = None
    email = factory.LazyAttributeSequence(
        lambda o, n: o.user.email if o.user else f"guest.{n + 1}@example.com"
    )
    order_status = models.OrderStatus.PENDING
    payment_status = models.PaymentStatus.PENDING
    razorpay_order_id = factory.Sequence(lambda n: f"order_{n + 1:014d}")
    currency = "INR"
    subtotal = factory.Faker(
        "pydecimal", left_digits=4, right_digits=2, min_value=199, max_value=9999
    )
    discount_total = money(0)
    shipping_total = money("49.00")
    tax_total = factory.LazyAttribute(lambda o: gst(o.subtotal - o.discount_total))
    giftcard_total = money(0)
    grand_total = factory.LazyAttribute(
        lambda o: o.subtotal - o.discount_total + o.shipping_total + o.tax_total - o.giftcard_total
    )
    shipping_address = factory.Dict(
        {
            "full_name": factory.Faker("name"),
            "phone": factory.Faker("numerify", text="+91##########"),
            "line1": factory.Faker("street_address"),
            "city": factory.Faker("city"),
            "state": factory.Faker("state"),
            "postal_code": factory.Faker("numerify", text="######"),
            "country": "IN",
        }
    )
    billing_address = factory.SelfAttribute("shipping_address")
    tags = factory.LazyFunction(lambda: ["web"])
    placed_at = factory.LazyFunction(timezone.now)


class OrderItemFactory(DjangoModelFactory):
    """A line of an order with the product snapshot; line_total = price x qty - discount + tax."""

    class Meta:
        model = models.OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    variant = None
    product_name = factory.LazyAttribute(lambda o: o.product.name)
    product_sku = factory.LazyAttribute(lambda o: o.variant.sku if o.variant else o.product.sku)
    product_image_url = factory.LazyAttribute(lambda o: o.product.image_url)
    option_text = factory.LazyAttribute(
        lambda o: f"{o.variant.option_name}: {o.variant.option_value}" if o.variant else ""
    )
    quantity = factory.Faker("random_int", min=1, max=3)
    currency = "INR"
    unit_price = factory.LazyAttribute(lambda o: unit_price_of(o, "selling_price"))
    cost_price = factory.LazyAttribute(lambda o: unit_price_of(o, "cost_price"))
    discount_amount = money(0)
    tax_amount = factory.LazyAttribute(lambda o: gst(o.unit_price * o.quantity - o.discount_amount))
    line_total = factory.LazyAttribute(
        lambda o: o.unit_price * o.quantity - o.discount_amount + o.tax_amount
    )


class PaymentTransactionFactory(DjangoModelFactory):
    """A captured Razorpay payment of the whole order."""

    class Meta:
        model = models.PaymentTransaction

    order = factory.SubFactory(OrderFactory)
    razorpay_order_id = factory.LazyAttribute(lambda o: o.order.razorpay_order_id)
    razorpay_payment_id = factory.Sequence(lambda n: f"pay_{n + 1:014d}")
    razorpay_signature = factory.Faker("sha256")
    currency = factory.LazyAttribute(lambda o: o.order.currency)
    amount = factory.LazyAttribute(lambda o: o.order.grand_total)
    refund_amount = None
    status = models.PaymentTransactionStatus.CAPTURED
    method = factory.Faker("random_element", elements=["upi", "card", "netbanking", "wallet"])
    captured_at = factory.LazyFunction(timezone.now)


class PaymentWebhookLogFactory(DjangoModelFactory):
    """A verified payment.captured webhook from Razorpay, applied to its transaction."""

    class Meta:
        model = models.PaymentWebhookLog

    payment_transaction = factory.SubFactory(PaymentTransactionFactory)
    provider = models.PaymentProvider.RAZORPAY
    event_id = factory.Sequence(lambda n: f"evt_{n + 1:014d}")
    event_type = "payment.captured"
    payload = factory.LazyAttribute(
        lambda o: (
            {
                "entity": "event",
                "event": o.event_type,
                "payload": {
                    "payment": {
                        "entity": {
                            "id": o.payment_transaction.razorpay_payment_id,
                            "order_id": o.payment_transaction.razorpay_order_id,
                            # Razorpay reports amounts in paise.
                            "amount": int(o.payment_transaction.amount * 100),
                            "currency": o.payment_transaction.currency,
                            "status": "captured",
                        }
                    }
                },
            }
            if o.payment_transaction
            else {"entity": "event", "event": o.event_type, "payload": {}}
        )
    )
    signature_valid = True
    processed_at = factory.LazyFunction(timezone.now)


class PaymentWebhookEventFactory(DjangoModelFactory):
    """A verified event on its own (a verified PaymentWebhookLogFactory row makes its own)."""

    class Meta:
        model = models.PaymentWebhookEvent

    provider = models.PaymentProvider.RAZORPAY
    event_id = factory.Sequence(lambda n: f"evt_E{n + 1:013d}")


class InvoiceNumberCounterFactory(DjangoModelFactory):
    """The counter of a series in some past financial year, a few invoices in."""

    class Meta:
        model = models.InvoiceNumberCounter

    series = "INV"
    financial_year = factory.Sequence(lambda n: financial_year(datetime(2000 + n, 4, 1)))
    last_number = factory.Faker("random_int", min=1, max=500)


class InvoiceFactory(DjangoModelFactory):
    """An issued GST invoice of the order; ``InvoiceFactory(draft=True)`` for an unnumbered one."""

    class Meta:
        model = models.Invoice

    class Params:
        draft = factory.Trait(
            status=models.InvoiceStatus.DRAFT, invoice_number=None, issued_at=None
        )

    order = factory.SubFactory(OrderFactory)
    status = models.InvoiceStatus.ISSUED
    issued_at = factory.LazyFunction(timezone.now)
    financial_year = factory.LazyAttribute(lambda o: financial_year(o.issued_at or timezone.now()))
    series = "INV"
    # 'INV/2026-27/00001' would be 17 characters; GST allows 16: the year is shortened.
    invoice_number = factory.Sequence(lambda n: f"INV/{n + 1:05d}")
    currency = factory.LazyAttribute(lambda o: o.order.currency)
    subtotal = factory.LazyAttribute(lambda o: o.order.subtotal - o.order.discount_total)
    tax_total = factory.LazyAttribute(lambda o: o.order.tax_total)
    grand_total = factory.LazyAttribute(lambda o: o.subtotal + o.tax_total)
    billing_snapshot = factory.LazyAttribute(
        lambda o: {
            "name": o.order.billing_address.get("full_name", ""),
            "address": o.order.billing_address,
            "email": o.order.email,
            "gstin": "",
        }
    )
    current_version = 1


class InvoiceVersionFactory(DjangoModelFactory):
    """The next version of an invoice, holding a snapshot of the invoice as it is."""

    class Meta:
        model = models.InvoiceVersion

    invoice = factory.SubFactory(InvoiceFactory)
    version_number = factory.LazyAttribute(lambda o: o.invoice.versions.count() + 1)
    snapshot = factory.LazyAttribute(
        lambda o: {
            "invoice_number": o.invoice.invoice_number,
            "financial_year": o.invoice.financial_year,
            "status": o.invoice.status,
            "subtotal": str(o.invoice.subtotal),
            "tax_total": str(o.invoice.tax_total),
            "grand_total": str(o.invoice.grand_total),
            "billing": o.invoice.billing_snapshot,
        }
    )
    reason = factory.LazyAttribute(
        lambda o: "Issued" if o.version_number == 1 else "Billing address corrected"
    )


class InvoiceLineItemFactory(DjangoModelFactory):
    """An invoice line for an item of the invoiced order, with its HSN code and GST."""

    class Meta:
        model = models.InvoiceLineItem

    invoice = factory.SubFactory(InvoiceFactory)
    order_item = factory.SubFactory(
        OrderItemFactory, order=factory.SelfAttribute("..invoice.order")
    )
    description = factory.LazyAttribute(
        lambda o: o.order_item.product_name if o.order_item else "Shipping charges"
    )
    hsn_code = factory.LazyAttribute(
        lambda o: (o.order_item.product.hsn_code or "6109") if o.order_item else "9965"
    )
    quantity = factory.LazyAttribute(lambda o: o.order_item.quantity if o.order_item else 1)
    currency = "INR"
    unit_price = factory.LazyAttribute(
        lambda o: o.order_item.unit_price if o.order_item else money("49.00")
    )
    tax_rate = GST_RATE
    tax_amount = factory.LazyAttribute(
        lambda o: o.order_item.tax_amount if o.order_item else gst(o.unit_price * o.quantity)
    )
    line_total = factory.LazyAttribute(
        lambda o: (
            o.order_item.line_total if o.order_item else o.unit_price * o.quantity + o.tax_amount
        )
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Issuing an invoice freezes its lines (invoice_line_items_frozen_once_issued): the line
        # is added as it was before the (factory-made) invoice was issued. The savepoint keeps
        # the transaction usable when the row is refused, for ignore() to clean up after itself.
        with pgtrigger.ignore("orders.InvoiceLineItem:invoice_line_items_frozen_once_issued"):
            with transaction.atomic():
                return super()._create(model_class, *args, **kwargs)


class WishlistFactory(DjangoModelFactory):
    class Meta:
        model = models.Wishlist

    user = factory.SubFactory(UserFactory)
    name = factory.Faker(
        "random_element", elements=["Birthday ideas", "Diwali gifts", "Summer wardrobe", "Later"]
    )
    is_default = False


class WishlistItemFactory(DjangoModelFactory):
    class Meta:
        model = models.WishlistItem

    wishlist = factory.SubFactory(WishlistFactory)
    product = factory.SubFactory(ProductFactory)
    variant = None
    order = None
    note = factory.Faker("sentence", nb_words=6)
