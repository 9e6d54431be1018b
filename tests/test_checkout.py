"""Cart to order: order numbers, the cart_totals view, and the checkout service."""

import re
from decimal import Decimal

import pytest
from django.db import DatabaseError

from orders.models import CartTotal
from shop.db.rls import acting_as, acting_as_anon
from tests.factories import CartFactory, CartItemFactory, OrderFactory, ProductFactory
from tests.support import execute, fetch, fetch_one

pytestmark = pytest.mark.django_db


# --- Order numbers ----------------------------------------------------------------------------


def test_order_numbers_come_from_the_database_in_sequence_whoever_inserts():
    first = OrderFactory()
    by_sql = fetch_one(
        """INSERT INTO orders (email, subtotal, grand_total, shipping_address, billing_address)
           VALUES ('sql@example.com', 1, 1, '{}', '{}') RETURNING order_number"""
    )
    second = OrderFactory()
    numbers = [first.order_number, by_sql, second.order_number]
    assert all(re.fullmatch(r"SO-\d{8}", number) for number in numbers), numbers
    sequence = [int(number[3:]) for number in numbers]
    assert sequence == [sequence[0], sequence[0] + 1, sequence[0] + 2]


def test_order_numbers_grow_a_digit_rather_than_wrap():
    execute("SELECT setval('order_number_seq', 99999999)")
    assert OrderFactory().order_number == "SO-100000000"


# --- cart_totals --------------------------------------------------------------------------------


def test_cart_totals_add_up_the_live_lines_shipping_and_gift_card():
    cart = CartFactory(shipping_total=Decimal("49.00"), giftcard_total=Decimal("100.00"))
    product = ProductFactory(selling_price=Decimal("250.00"))
    CartItemFactory(cart=cart, product=product, quantity=2, discount_amount=Decimal("20.00"))
    CartItemFactory(cart=cart, product=ProductFactory(selling_price=Decimal("99.50")), quantity=1)
    CartItemFactory(cart=cart, product=product, quantity=5).delete()  # soft-deleted: not counted
    totals = CartTotal.objects.get(cart=cart)
    assert (
        totals.item_count,
        totals.quantity,
        totals.subtotal,
        totals.discount_total,
        totals.shipping_total,
        totals.giftcard_total,
        totals.grand_total,
    ) == (
        2,
        3,
        Decimal("599.50"),
        Decimal("20.00"),
        Decimal("49.00"),
        Decimal("100.00"),
        Decimal("528.50"),
    )


def test_an_empty_cart_totals_its_shipping_and_a_gift_card_never_pays_out():
    cart = CartFactory(shipping_total=Decimal("49.00"), giftcard_total=Decimal("500.00"))
    assert CartTotal.objects.filter(cart=cart).values_list("subtotal", "grand_total").get() == (
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_a_customer_sees_only_their_own_carts_totals():
    mine, theirs = CartFactory(), CartFactory()
    CartItemFactory(cart=mine)
    CartItemFactory(cart=theirs)
    with acting_as(mine.user):
        assert list(CartTotal.objects.values_list("cart_id", flat=True)) == [mine.pk]
    with acting_as(theirs.user):
        assert fetch("SELECT cart_id FROM cart_totals") == [(theirs.pk,)]
    with pytest.raises(DatabaseError, match="permission denied for view cart_totals"):
        with acting_as_anon():
            fetch("SELECT * FROM cart_totals")


def test_cart_totals_runs_with_the_readers_rights():
    assert fetch_one(
        "SELECT reloptions FROM pg_class WHERE oid = 'public.cart_totals'::regclass"
    ) == ["security_invoker=true"]
