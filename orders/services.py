"""Checkout: a customer's cart becomes an order, exactly once."""

from uuid import UUID

from django.db import IntegrityError

from accounts.models import User
from catalog import stock
from orders.models import Order
from shop.db.functions import one_statement
from shop.db.refusals import refusal_of


class CheckoutError(Exception):
    """The cart cannot become an order; ``rule`` names the rule. Nothing was written."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"{rule}: {message}")


def place_order(
    *,
    customer: User,
    cart_id: UUID,
    shipping_address_id: UUID,
    billing_address_id: UUID | None = None,
    customer_note: str = "",
) -> Order:
    """Turn the customer's cart into an order; a retry returns the same order.

    The cart and the addresses must be the customer's own. The order is written by the shop
    (the owner connection): customers may read orders but never write them. The order keeps a
    snapshot of each product and of the addresses, the cart lines get the same snapshot, the
    stock held for the cart is committed to the order, and the cart is marked converted.
    ``orders.cart_id`` is unique, so even two checkouts racing past the cart's row lock
    cannot make two orders.

    All of it is one call of ``private.place_order`` (migration orders 0012): outside a
    transaction, one statement that commits on its own, so a hot product's stock row is locked
    only for the end of that statement (the stock is taken last).

    Raises :class:`CheckoutError`, or ``catalog.stock.StockError`` (``InsufficientStock`` when
    a line's units cannot be had); either way nothing is written.
    """
    try:
        with one_statement():
            (order,) = Order.all_objects.raw(
                "SELECT * FROM private.place_order(%s, %s, %s, %s, %s)",
                [customer.pk, cart_id, shipping_address_id, billing_address_id, customer_note],
            )
    except IntegrityError as error:
        refused = stock.stock_error_of(error) or checkout_error_of(error)
        if refused is None:
            raise
        raise refused from error
    return order


def checkout_error_of(error: IntegrityError) -> CheckoutError | None:
    refusal = refusal_of(error)
    if refusal is None or not refusal.rule.startswith("checkout_"):
        return None
    return CheckoutError(refusal.rule, refusal.message)
