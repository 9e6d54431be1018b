"""Cart to order: order numbers, the cart_totals view, and the checkout service."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from catalog import stock
from catalog.models import Inventory, Product
from orders.models import Cart, CartTotal, Order, OrderItem
from orders.services import CheckoutError, place_order
from shop.db.rls import acting_as, acting_as_anon
from tests.concurrency import OtherSession
from tests.factories import (
    CartFactory,
    CartItemFactory,
    InventoryLocationFactory,
    OrderFactory,
    ProductFactory,
    ProductVariantFactory,
    UserAddressFactory,
    UserFactory,
)
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


# --- place_order ----------------------------------------------------------------------------


@pytest.fixture
def checkout():
    """A customer's cart with two lines and an address, ready to be ordered."""
    cart = CartFactory(shipping_total=Decimal("49.00"))
    shoes = ProductFactory(
        name="Trail shoes", selling_price=Decimal("2499.00"), compare_at_price=None
    )
    socks = ProductFactory(name="Socks", selling_price=Decimal("199.00"), compare_at_price=None)
    CartItemFactory(cart=cart, product=shoes, quantity=1)
    CartItemFactory(cart=cart, product=socks, quantity=3)
    warehouse = InventoryLocationFactory()
    stock.receive(product=shoes, location=warehouse, quantity=5)
    stock.receive(product=socks, location=warehouse, quantity=3)
    address = UserAddressFactory(user=cart.user, city="Pune")
    return cart, address


def place(cart, address, **kwargs):
    return place_order(
        customer=cart.user, cart_id=cart.pk, shipping_address_id=address.pk, **kwargs
    )


def test_a_cart_becomes_an_order_with_snapshots_of_products_and_address(checkout):
    cart, address = checkout
    order = place(cart, address)
    order.refresh_from_db()
    assert (order.user, order.subtotal, order.shipping_total, order.grand_total) == (
        cart.user,
        Decimal("3096.00"),
        Decimal("49.00"),
        Decimal("3145.00"),
    )
    assert order.shipping_address["city"] == "Pune" and order.billing_address["city"] == "Pune"
    assert sorted(
        order.items.values_list("product_name", "quantity", "unit_price", "line_total")
    ) == [
        ("Socks", 3, Decimal("199.00"), Decimal("597.00")),
        ("Trail shoes", 1, Decimal("2499.00"), Decimal("2499.00")),
    ]
    # The cart lines keep the same snapshot, and the cart is done.
    assert sorted(cart.items.values_list("product_name", "unit_price")) == [
        ("Socks", Decimal("199.00")),
        ("Trail shoes", Decimal("2499.00")),
    ]
    cart.refresh_from_db()
    assert cart.status == "converted"
    # Later edits of the address or the product do not change the order.
    address.city = "Mumbai"
    address.save()
    Product.objects.filter(name="Socks").update(name="Wool socks", selling_price=Decimal("249"))
    order.refresh_from_db()
    assert order.shipping_address["city"] == "Pune"
    assert sorted(order.items.values_list("product_name", flat=True)) == ["Socks", "Trail shoes"]


def test_a_variant_line_is_sold_as_the_variant_and_billed_to_its_own_address(checkout):
    cart, address = checkout
    boots = ProductFactory(name="Boots", image_url="https://img.example/boots.jpg")
    variant = ProductVariantFactory(
        product=boots,
        option_value="EU 44",
        sku="BOOTS-44",
        selling_price=Decimal("3999.00"),
        cost_price=Decimal("1500.00"),
        image_url="",
    )
    stock.receive_variant(variant=variant, quantity=2)
    CartItemFactory(cart=cart, product=boots, variant=variant, quantity=2)
    office = UserAddressFactory(user=cart.user, city="Nashik")

    order = place(cart, address, billing_address_id=office.pk, customer_note="Ring twice")

    assert order.items.filter(variant=variant).values_list(
        "product_name", "product_sku", "product_image_url", "option_text", "unit_price",
        "cost_price", "line_total",
    ).get() == (
        "Boots", "BOOTS-44", "https://img.example/boots.jpg", "Size: EU 44",
        Decimal("3999.00"), Decimal("1500.00"), Decimal("7998.00"),
    )  # fmt: skip
    assert (order.shipping_address["city"], order.billing_address["city"]) == ("Pune", "Nashik")
    assert (order.subtotal, order.customer_note) == (Decimal("11094.00"), "Ring twice")
    variant.refresh_from_db()
    assert (variant.available_quantity, variant.reserved_quantity) == (0, 0)


def test_placing_an_order_sells_the_stock_held_for_the_cart(checkout):
    cart, address = checkout
    shoes_line = cart.items.get(product__name="Trail shoes")
    stock.reserve_for_cart_item(cart_item=shoes_line, hold_for=timedelta(minutes=15))
    order = place(cart, address)
    assert sorted(
        Inventory.objects.values_list("product__name", "available_quantity", "reserved_quantity")
    ) == [("Socks", 0, 0), ("Trail shoes", 4, 0)]
    assert sorted(order.items.values_list("product_name", flat=True)) == ["Socks", "Trail shoes"]
    assert stock.stock_drift() == []


def test_an_order_the_stock_cannot_cover_is_refused_and_nothing_is_written(checkout):
    cart, address = checkout
    cart.items.filter(product__name="Socks").update(quantity=4)
    with pytest.raises(
        stock.InsufficientStock, match=r"4 of product \S+ at any location requested, 3 available"
    ):
        place(cart, address)
    assert (Order.objects.count(), Cart.objects.get(pk=cart.pk).status) == (0, "active")
    assert sorted(Inventory.objects.values_list("available_quantity", flat=True)) == [3, 5]


def test_placing_an_order_again_returns_the_same_order(checkout):
    cart, address = checkout
    first = place(cart, address)
    again = place(cart, address)
    assert again.pk == first.pk
    assert (Order.objects.count(), OrderItem.objects.count()) == (1, 2)


@pytest.mark.parametrize("whose", ["cart", "address"])
def test_a_customer_cannot_check_out_someone_elses_cart_or_address(checkout, whose):
    cart, address = checkout
    intruder = UserFactory()
    if whose == "cart":
        own_address = UserAddressFactory(user=intruder)
        call = {"customer": intruder, "cart_id": cart.pk, "shipping_address_id": own_address.pk}
        message = r"^checkout_own_cart: No such cart.$"
    else:
        own_cart = CartFactory(user=intruder)
        CartItemFactory(cart=own_cart)
        call = {"customer": intruder, "cart_id": own_cart.pk, "shipping_address_id": address.pk}
        message = r"^checkout_own_address: No such address.$"
    with pytest.raises(CheckoutError, match=message):
        place_order(**call)
    assert Order.objects.count() == 0


@pytest.mark.parametrize("problem", ["empty", "not_for_sale", "variant_not_for_sale", "abandoned"])
def test_a_cart_that_cannot_be_ordered_is_refused_and_nothing_is_written(checkout, problem):
    cart, address = checkout
    if problem == "empty":
        cart.items.all().delete()
        message = r"^checkout_cart_not_empty: The cart is empty.$"
    elif problem == "not_for_sale":
        Product.objects.filter(name="Socks").update(status="archived")
        message = r"^checkout_for_sale: Socks is no longer for sale.$"
    elif problem == "variant_not_for_sale":
        socks = Product.objects.get(name="Socks")
        variant = ProductVariantFactory(product=socks, option_value="XL", is_active=False)
        cart.items.filter(product=socks).update(variant=variant)
        message = r"^checkout_for_sale: Socks \(XL\) is no longer for sale.$"
    else:
        Cart.objects.filter(pk=cart.pk).update(status="abandoned")
        message = r"^checkout_cart_active: The cart is abandoned, not active.$"
    with pytest.raises(CheckoutError, match=message):
        place(cart, address)
    assert (Order.objects.count(), OrderItem.objects.count()) == (0, 0)
    assert Cart.objects.get(pk=cart.pk).status == (
        "abandoned" if problem == "abandoned" else "active"
    )


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_of_one_cart_at_once_make_one_order(checkout):
    cart, address = checkout
    with transaction.atomic():
        first = place(cart, address)  # holds the cart's row lock until we commit
        other = OtherSession(lambda: place(cart, address))
        other.wait_until_blocked()
    assert other.result().pk == first.pk
    assert (Order.objects.count(), OrderItem.objects.count()) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_a_checkout_locks_the_stock_last_after_writing_the_order(checkout):
    """While another transaction holds the stock row, a checkout has written its order and
    lines already: the hot lock is waited for, and then held, only at the very end."""
    cart, address = checkout
    with transaction.atomic():
        fetch("SELECT 1 FROM inventory FOR UPDATE")
        other = OtherSession(lambda: place(cart, address))
        other.wait_until_blocked()
        written = fetch(
            """SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'
                  AND c.relname IN ('orders', 'order_items', 'cart_items')
                ORDER BY 1""",
            [other.pid],
        )
        assert written == [("cart_items",), ("order_items",), ("orders",)]
    assert other.result().cart_id == cart.pk


def test_a_customer_cannot_place_an_order_by_calling_the_function(checkout):
    cart, address = checkout
    with pytest.raises(DatabaseError, match=r"^permission denied for function place_order$"):
        with acting_as(cart.user):
            fetch(
                "SELECT private.place_order(%s, %s, %s, NULL, '')",
                [cart.user.pk, cart.pk, address.pk],
            )
    assert Order.objects.count() == 0
