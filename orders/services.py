"""Checkout: a customer's cart becomes an order, exactly once."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserAddress
from catalog import stock
from orders.models import Cart, CartItem, CartStatus, Order, OrderItem
from shop.db.fields import ZERO
from shop.db.rls import acting_as

# The address fields an order keeps: later edits of the address must not change past orders.
ADDRESS_FIELDS = (
    "full_name",
    "phone",
    "line1",
    "line2",
    "landmark",
    "city",
    "state",
    "postal_code",
    "country",
)


class CheckoutError(Exception):
    """The cart cannot become an order; the message says why. Nothing was written."""


@dataclass(frozen=True)
class LineSnapshot:
    """What the order keeps of a cart line: the product as it was sold."""

    name: str
    sku: str
    image_url: str
    option_text: str
    unit_price: Decimal
    cost_price: Decimal


def address_snapshot(address: UserAddress) -> dict[str, str]:
    return {field: getattr(address, field) for field in ADDRESS_FIELDS}


def line_snapshot(item: CartItem) -> LineSnapshot:
    """The product (or its variant) as it is for sale now."""
    product, variant = item.product, item.variant
    if product is None:
        raise CheckoutError(f"{item.product_name or 'A product'} is no longer for sale.")
    if product.is_deleted or product.status != "active":
        raise CheckoutError(f"{product.name} is no longer for sale.")
    if variant is not None and (variant.is_deleted or not variant.is_active):
        raise CheckoutError(f"{product.name} ({variant.option_value}) is no longer for sale.")
    priced = variant or product
    return LineSnapshot(
        name=product.name,
        sku=priced.sku,
        image_url=(variant and variant.image_url) or product.image_url,
        option_text=f"{variant.option_name}: {variant.option_value}" if variant else "",
        unit_price=priced.selling_price,
        cost_price=priced.cost_price,
    )


@transaction.atomic
def place_order(
    *,
    customer: User,
    cart_id: UUID,
    shipping_address_id: UUID,
    billing_address_id: UUID | None = None,
    customer_note: str = "",
) -> Order:
    """Turn the customer's cart into an order; a retry returns the same order.

    The cart and addresses are read as the customer (``acting_as``), so row level security
    proves they are the customer's own. The order is written by the shop (the owner
    connection): customers may read orders but never write them. The order keeps a snapshot of
    each product and of the addresses, the cart lines get the same snapshot, the stock held
    for the cart is committed to the order, and the cart is marked converted. ``orders.cart_id``
    is unique, so even two checkouts racing past the row lock cannot make two orders.

    Raises :class:`CheckoutError`, or ``catalog.stock.InsufficientStock`` when a line's units
    cannot be had; either way nothing is written.
    """
    with acting_as(customer):
        cart = Cart.objects.filter(pk=cart_id).first()
        addresses = {
            address.pk: address
            for address in UserAddress.objects.filter(
                pk__in={shipping_address_id, billing_address_id or shipping_address_id}
            )
        }
    if cart is None:
        raise CheckoutError("No such cart.")
    if shipping_address_id not in addresses or (
        billing_address_id and billing_address_id not in addresses
    ):
        raise CheckoutError("No such address.")

    # Serialise checkouts of this cart: the second waits, then finds the first one's order.
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    existing = Order.all_objects.filter(cart=cart).first()
    if existing is not None:
        return existing
    if cart.status != CartStatus.ACTIVE:
        raise CheckoutError(f"The cart is {cart.status}, not active.")
    items = list(cart.items.select_related("product", "variant").order_by("created_at", "id"))
    if not items:
        raise CheckoutError("The cart is empty.")

    snapshots = [line_snapshot(item) for item in items]
    subtotal = sum((s.unit_price * i.quantity for s, i in zip(snapshots, items, strict=True)), ZERO)
    grand_total = max(subtotal + cart.shipping_total - cart.giftcard_total, ZERO)
    shipping = address_snapshot(addresses[shipping_address_id])
    order = Order.objects.create(
        user=customer,
        cart=cart,
        email=customer.email,
        currency=cart.currency,
        subtotal=subtotal,
        shipping_total=cart.shipping_total,
        giftcard_total=cart.giftcard_total,
        grand_total=grand_total,
        shipping_address=shipping,
        billing_address=(
            address_snapshot(addresses[billing_address_id]) if billing_address_id else shipping
        ),
        customer_note=customer_note,
        placed_at=timezone.now(),
    )
    order.refresh_from_db(fields=["order_number"])
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=item.product,
            variant=item.variant,
            product_name=snapshot.name,
            product_sku=snapshot.sku,
            product_image_url=snapshot.image_url,
            option_text=snapshot.option_text,
            quantity=item.quantity,
            currency=order.currency,
            unit_price=snapshot.unit_price,
            cost_price=snapshot.cost_price,
            line_total=snapshot.unit_price * item.quantity,
        )
        for item, snapshot in zip(items, snapshots, strict=True)
    )
    for item, snapshot in zip(items, snapshots, strict=True):
        item.product_name, item.product_sku = snapshot.name, snapshot.sku
        item.product_image_url = snapshot.image_url
        item.unit_price, item.cost_price = snapshot.unit_price, snapshot.cost_price
    CartItem.objects.bulk_update(
        items, ["product_name", "product_sku", "product_image_url", "unit_price", "cost_price"]
    )
    stock.commit_cart_items(cart_items=items, order=order)
    cart.status = CartStatus.CONVERTED
    cart.save(update_fields=["status", "updated_at"])
    return order
