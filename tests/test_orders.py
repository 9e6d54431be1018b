"""orders: the database's rules on carts, orders, payments, invoices and wishlists."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DataError, transaction
from django.utils import timezone

from orders.models import (
    CartItem,
    CartStatus,
    InvoiceStatus,
    Order,
    OrderStatus,
    PaymentTransactionStatus,
    PaymentWebhookLog,
    WishlistItem,
)
from shop.db.fields import MoneyField
from tests.factories import (
    CartFactory,
    CartItemFactory,
    InventoryLocationFactory,
    InvoiceFactory,
    InvoiceLineItemFactory,
    InvoiceVersionFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentTransactionFactory,
    PaymentWebhookLogFactory,
    ProductFactory,
    ProductVariantFactory,
    UserFactory,
    WishlistFactory,
    WishlistItemFactory,
)
from tests.support import (
    count_rows,
    execute,
    fetch,
    fetch_one,
    foreign_key_name,
    violates,
    violates_not_null,
)

pytestmark = pytest.mark.django_db


ORDERS_TABLES = [model._meta.db_table for model in apps.get_app_config("orders").get_models()]


# ---------------------------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------------------------


def test_every_factory_builds_a_valid_row_with_its_related_rows():
    line = InvoiceLineItemFactory()
    assert line.order_item.order_id == line.invoice.order_id
    assert line.line_total == line.order_item.line_total
    assert line.invoice.status == InvoiceStatus.ISSUED
    assert len(line.invoice.invoice_number) <= 16
    version = InvoiceVersionFactory(invoice=line.invoice)
    assert version.version_number == 1
    assert InvoiceVersionFactory(invoice=line.invoice).version_number == 2

    log = PaymentWebhookLogFactory()
    payment = log.payment_transaction
    assert payment.amount == payment.order.grand_total > 0
    assert log.payload["payload"]["payment"]["entity"]["id"] == payment.razorpay_payment_id

    item = CartItemFactory()
    assert item.unit_price == item.product.selling_price
    assert CartItemFactory(cart=CartFactory(guest=True)).cart.user_id is None

    wished = WishlistItemFactory()
    assert wished.wishlist.user_id is not None
    assert InvoiceFactory(draft=True).invoice_number is None
    # What the factories made reads back as made.
    order_item = OrderItemFactory()
    assert fetch(
        "SELECT line_total, unit_price * quantity - discount_amount + tax_amount "
        "FROM order_items WHERE id = %s",
        [order_item.pk],
    ) == [(order_item.line_total, order_item.line_total)]


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------


def money_columns() -> set[tuple[str, str]]:
    return {
        (model._meta.db_table, field.column)
        for model in apps.get_app_config("orders").get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, MoneyField)
    }


def test_every_money_column_of_the_orders_tables_is_numeric_12_2():
    numeric = {
        (table, column): (precision, scale)
        for table, column, precision, scale in fetch(
            """SELECT table_name, column_name, numeric_precision, numeric_scale
               FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type = 'numeric'
                 AND table_name = ANY(%s)""",
            [ORDERS_TABLES],
        )
    }
    assert len(money_columns()) == 24
    assert {column: numeric[column] for column in money_columns()} == dict.fromkeys(
        money_columns(), (12, 2)
    )
    # The rest: cart_items' generated line amounts and the cart_totals view's sums are money
    # too; tax_rate is a percentage.
    assert {k: v for k, v in numeric.items() if k not in money_columns()} == {
        ("cart_items", "line_subtotal"): (12, 2),
        ("cart_items", "line_total"): (12, 2),
        **{
            ("cart_totals", column): (12, 2)
            for column in (
                "subtotal",
                "discount_total",
                "shipping_total",
                "giftcard_total",
                "grand_total",
            )
        },
        ("invoice_line_items", "tax_rate"): (5, 2),
    }


NEGATIVE = Decimal("-0.01")


def amount_case(factory, column, overrides=None, *, drop=None, lowest=Decimal("0.00")):
    """A negative ``column`` refused by ``<table>_<column>_check``; ``lowest`` accepted.

    ``overrides`` keep every other rule of the row satisfied; ``drop`` names a constraint that
    would refuse the row first, dropped inside the test's transaction.
    """
    table = factory._meta.model._meta.db_table
    return pytest.param(factory, column, overrides or {}, drop, lowest, id=f"{table}.{column}")


NEGATIVE_AMOUNTS = [
    amount_case(CartFactory, "giftcard_total"),
    amount_case(CartFactory, "shipping_total"),
    # A negative unit_price also breaks discount_amount <= unit_price * quantity, whose name
    # sorts first (PostgreSQL tries a table's CHECKs in name order): drop that one to reach the
    # column's own check.
    amount_case(CartItemFactory, "unit_price", drop="cart_items_discount_within_line"),
    amount_case(CartItemFactory, "cost_price"),
    amount_case(CartItemFactory, "discount_amount"),
    amount_case(OrderFactory, "subtotal"),
    amount_case(OrderFactory, "discount_total"),
    amount_case(OrderFactory, "shipping_total"),
    amount_case(OrderFactory, "tax_total"),
    amount_case(OrderFactory, "giftcard_total"),
    amount_case(OrderFactory, "grand_total"),
    amount_case(
        OrderItemFactory,
        "unit_price",
        {"quantity": 1, "tax_amount": Decimal("1.00")},
        drop="order_items_discount_within_line",
    ),
    amount_case(OrderItemFactory, "cost_price"),
    amount_case(OrderItemFactory, "discount_amount"),
    amount_case(OrderItemFactory, "tax_amount"),
    # line_total must also equal unit_price * quantity - discount + tax: a free line.
    amount_case(OrderItemFactory, "line_total", {"unit_price": Decimal("0.00")}),
    # A payment is for a positive amount (payment_transactions_amount_positive).
    amount_case(PaymentTransactionFactory, "amount", lowest=Decimal("0.01")),
    amount_case(PaymentTransactionFactory, "refund_amount"),
    amount_case(InvoiceFactory, "subtotal"),
    amount_case(InvoiceFactory, "tax_total"),
    amount_case(InvoiceFactory, "grand_total"),
    amount_case(InvoiceLineItemFactory, "unit_price"),
    amount_case(InvoiceLineItemFactory, "tax_amount"),
    amount_case(InvoiceLineItemFactory, "line_total"),
]


def test_the_negative_amount_cases_cover_every_money_column():
    covered = {
        (case.values[0]._meta.model._meta.db_table, case.values[1]) for case in NEGATIVE_AMOUNTS
    }
    assert covered == money_columns()


@pytest.mark.parametrize(("factory", "column", "overrides", "drop", "lowest"), NEGATIVE_AMOUNTS)
def test_amounts_are_never_negative(factory, column, overrides, drop, lowest):
    table = factory._meta.model._meta.db_table
    if drop:
        execute(f"ALTER TABLE {table} DROP CONSTRAINT {drop}")
    with violates(f"{table}_{column}_check"):
        factory(**{**overrides, column: NEGATIVE})
    row = factory(**{**overrides, column: lowest})
    assert fetch_one(f"SELECT {column} FROM {table} WHERE id = %s", [row.pk]) == lowest


def test_currency_codes_are_three_capital_letters():
    for factory in (
        CartFactory,
        CartItemFactory,
        OrderFactory,
        OrderItemFactory,
        PaymentTransactionFactory,
        InvoiceFactory,
        InvoiceLineItemFactory,
    ):
        table = factory._meta.model._meta.db_table
        with violates(f"{table}_currency_check"):
            factory(currency="inr")
        assert factory(currency="USD").currency == "USD", table


# ---------------------------------------------------------------------------------------------
# Carts
# ---------------------------------------------------------------------------------------------


def test_cart_status_owner_and_discount_codes():
    with violates("carts_status_valid"):
        CartFactory(status="open")
    with violates("carts_owner_present"):
        CartFactory(user=None, session_key="")
    with violates("carts_applied_discount_codes_array"):
        CartFactory(applied_discount_codes={"code": "DIWALI10"})
    cart = CartFactory(
        status=CartStatus.ABANDONED, applied_discount_codes=[{"code": "DIWALI10", "percent": 10}]
    )
    guest = CartFactory(guest=True)
    assert fetch(
        "SELECT user_id IS NULL, session_key <> '', status FROM carts WHERE id IN (%s, %s) "
        "ORDER BY user_id NULLS LAST",
        [cart.pk, guest.pk],
    ) == [(False, False, "abandoned"), (True, True, "active")]


def test_a_user_has_one_active_cart_and_a_soft_deleted_one_does_not_count():
    cart = CartFactory()
    with violates("uq_carts_active_user"):
        CartFactory(user=cart.user)
    converted = CartFactory(user=cart.user, status=CartStatus.CONVERTED)
    assert converted.status == CartStatus.CONVERTED
    cart.delete()
    assert CartFactory(user=cart.user).status == CartStatus.ACTIVE


def test_a_guest_session_has_one_active_cart_and_a_soft_deleted_one_does_not_count():
    cart = CartFactory(guest=True)
    with violates("uq_carts_active_session"):
        CartFactory(user=None, session_key=cart.session_key)
    # Signed-in users' carts all have an empty session_key: that is no clash.
    assert CartFactory().session_key == CartFactory().session_key == ""
    cart.delete()
    again = CartFactory(user=None, session_key=cart.session_key)
    assert again.status == CartStatus.ACTIVE


def test_cart_item_line_amounts_are_computed_by_the_database():
    item = CartItemFactory(
        unit_price=Decimal("199.99"), quantity=3, discount_amount=Decimal("50.00")
    )
    item.refresh_from_db()
    assert (item.line_subtotal, item.line_total) == (Decimal("599.97"), Decimal("549.97"))

    execute("UPDATE cart_items SET quantity = 1 WHERE id = %s", [item.pk])
    item.refresh_from_db()
    assert (item.line_subtotal, item.line_total) == (Decimal("199.99"), Decimal("149.99"))


def test_cart_item_quantities_and_discount():
    with violates("cart_items_quantity_positive"):
        CartItemFactory(quantity=0)
    with violates("cart_items_quantity_check"):
        CartItemFactory(quantity=-1, unit_price=Decimal("0.00"))
    with violates("cart_items_discount_within_line"):
        CartItemFactory(unit_price=Decimal("100.00"), quantity=2, discount_amount=Decimal("200.01"))
    with violates("cart_items_reserved_within_quantity"):
        CartItemFactory(quantity=2, reserved_quantity=3)
    with violates("cart_items_reserved_quantity_check"):
        CartItemFactory(reserved_quantity=-1)
    free = CartItemFactory(
        unit_price=Decimal("100.00"), quantity=2, discount_amount=Decimal("200.00"),
        reserved_quantity=2,
    )  # fmt: skip
    free.refresh_from_db()
    assert (free.line_total, free.reserved_quantity) == (Decimal("0.00"), 2)


def test_cart_item_quantity_and_cost_price_are_required():
    with violates_not_null("cart_items", "quantity"):
        CartItemFactory(quantity=None)
    with violates_not_null("cart_items", "cost_price"):
        CartItemFactory(cost_price=None)


def test_cart_item_snapshot_columns_stay_null_until_checkout():
    item = CartItemFactory(product_name=None, product_sku=None, product_image_url=None)
    assert fetch(
        "SELECT product_name, product_sku, product_image_url FROM cart_items WHERE id = %s",
        [item.pk],
    ) == [(None, None, None)]
    CartItem.objects.filter(pk=item.pk).update(
        product_name=item.product.name, product_sku=item.product.sku
    )
    assert fetch("SELECT product_name, product_sku FROM cart_items WHERE id = %s", [item.pk]) == [
        (item.product.name, item.product.sku)
    ]


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------


def test_order_statuses_addresses_and_cancellation():
    with violates("orders_order_status_valid"):
        OrderFactory(order_status="lost")
    with violates("orders_payment_status_valid"):
        OrderFactory(payment_status="settled")
    with violates("orders_shipping_address_object"):
        OrderFactory(shipping_address=["12 MG Road"], billing_address={"line1": "12 MG Road"})
    with violates("orders_billing_address_object"):
        OrderFactory(billing_address="12 MG Road")
    with violates("orders_cancelled_has_cancelled_at"):
        OrderFactory(order_status=OrderStatus.CANCELLED)
    cancelled = OrderFactory(order_status=OrderStatus.CANCELLED, cancelled_at=timezone.now())
    assert (
        fetch_one(
            "SELECT order_status FROM orders WHERE id = %s AND cancelled_at IS NOT NULL",
            [cancelled.pk],
        )
        == "cancelled"
    )


def test_order_tags_are_an_array_of_strings():
    with violates("check_orders_tags"):
        OrderFactory(tags={"gift": True})
    with violates("check_orders_tags"):
        OrderFactory(tags=["gift", 5])
    with violates("check_orders_tags"):
        OrderFactory(tags=["gift", ["wrap"]])
    order = OrderFactory(tags=["gift", "priority"])
    assert fetch_one("SELECT tags::text FROM orders WHERE id = %s", [order.pk]) == (
        '["gift", "priority"]'
    )
    assert OrderFactory(tags=[]).tags == []


def test_order_numbers_and_razorpay_orders_are_unique_for_ever():
    order = OrderFactory()
    with violates("uq_orders_order_number"):
        OrderFactory(order_number=order.order_number)
    with violates("uq_orders_razorpay_order_id"):
        OrderFactory(razorpay_order_id=order.razorpay_order_id)
    # A soft-deleted order keeps its number: it is not handed out again.
    order.delete()
    with violates("uq_orders_order_number"):
        OrderFactory(order_number=order.order_number)
    # Orders not yet sent to Razorpay have NULL there, any number of them.
    unsent = OrderFactory.create_batch(2, razorpay_order_id=None)
    assert (
        fetch_one(
            "SELECT count(*) FROM orders WHERE razorpay_order_id IS NULL AND id IN (%s, %s)",
            [unsent[0].pk, unsent[1].pk],
        )
        == 2
    )


def test_a_cart_becomes_at_most_one_order():
    cart = CartFactory(status=CartStatus.CONVERTED)
    order = OrderFactory(user=cart.user, cart=cart)
    with violates("orders_cart_id_key"):
        OrderFactory(user=cart.user, cart=cart)
    assert Order.objects.get(cart=cart) == order


INSERT_ORDER = """
    INSERT INTO orders (order_number, email, subtotal, grand_total, shipping_address,
                        billing_address, created_at, delivery_date)
    VALUES (%s, 'buyer@example.com', 100, 100, '{}', '{}', %s, %s)
    RETURNING delivery_date
"""


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Los_Angeles", "UTC"])
def test_delivery_is_never_before_the_utc_date_of_creation_whatever_the_session_time_zone(zone):
    execute(f"SET LOCAL TIME ZONE '{zone}'")
    assert fetch_one("SHOW TimeZone") == zone
    # 03:00 UTC is the day before in Los Angeles; 12:00 UTC is the day after in Kiritimati
    # (UTC+14). A check that cast created_at::date in the session's zone would get one wrong.
    for n, created in enumerate(["2026-03-10 03:00:00+00", "2026-03-10 12:00:00+00"]):
        with violates("check_delivery_after_creation"):
            execute(INSERT_ORDER, [f"TZ-{zone}-{n}-early", created, "2026-03-09"])
        assert fetch(INSERT_ORDER, [f"TZ-{zone}-{n}", created, "2026-03-10"]) == [
            (date(2026, 3, 10),)
        ]
    # Without a delivery date there is nothing to compare.
    assert execute(INSERT_ORDER, ["TZ-none", "2026-03-10 12:00:00+00", None]) == 1


def test_order_item_quantities_discount_and_line_total():
    with violates("order_items_quantity_positive"):
        OrderItemFactory(quantity=0)
    with violates("order_items_quantity_check"):
        OrderItemFactory(quantity=-1, unit_price=Decimal("0.00"), line_total=Decimal("0.00"))
    with violates("order_items_discount_within_line"):
        OrderItemFactory(
            unit_price=Decimal("100.00"), quantity=1, discount_amount=Decimal("100.01")
        )
    with violates("order_items_line_total_consistent"):
        OrderItemFactory(
            unit_price=Decimal("100.00"), quantity=2, tax_amount=Decimal("36.00"),
            line_total=Decimal("200.00"),
        )  # fmt: skip
    item = OrderItemFactory(
        unit_price=Decimal("100.00"), quantity=2, discount_amount=Decimal("20.00"),
        tax_amount=Decimal("32.40"), line_total=Decimal("212.40"),
    )  # fmt: skip
    assert fetch_one("SELECT line_total FROM order_items WHERE id = %s", [item.pk]) == Decimal(
        "212.40"
    )


def test_order_item_snapshot_cost_and_line_total_are_required():
    for column in ("product_name", "cost_price", "line_total"):
        with violates_not_null("order_items", column):
            OrderItemFactory(**{column: None})


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------


def test_a_refund_never_exceeds_the_payment():
    with violates("check_refund_amount"):
        PaymentTransactionFactory(amount=Decimal("500.00"), refund_amount=Decimal("500.01"))
    payment = PaymentTransactionFactory(amount=Decimal("500.00"), refund_amount=Decimal("500.00"))
    with violates("check_refund_amount"):
        execute(
            "UPDATE payment_transactions SET refund_amount = amount + 0.01 WHERE id = %s",
            [payment.pk],
        )
    assert fetch(
        "SELECT amount, refund_amount FROM payment_transactions WHERE id = %s", [payment.pk]
    ) == [(Decimal("500.00"), Decimal("500.00"))]


def test_payment_amount_status_and_razorpay_payment_id():
    with violates("payment_transactions_amount_positive"):
        PaymentTransactionFactory(amount=Decimal("0.00"))
    with violates("payment_transactions_status_valid"):
        PaymentTransactionFactory(status="settled")
    with violates("payment_transactions_captured_has_captured_at"):
        PaymentTransactionFactory(status=PaymentTransactionStatus.CAPTURED, captured_at=None)
    payment = PaymentTransactionFactory()
    with violates("uq_payment_transactions_razorpay_payment_id"):
        PaymentTransactionFactory(razorpay_payment_id=payment.razorpay_payment_id)
    # Attempts Razorpay has not reported a payment for yet: NULL, as many as there are.
    pending = PaymentTransactionFactory.create_batch(
        2,
        order=payment.order,
        razorpay_payment_id=None,
        status=PaymentTransactionStatus.CREATED,
        captured_at=None,
    )
    assert [p.amount for p in pending] == [payment.order.grand_total] * 2


def test_webhook_provider_is_known():
    with violates("payment_webhook_logs_provider_valid"):
        PaymentWebhookLogFactory(provider="stripe")
    assert PaymentWebhookLogFactory().provider == "razorpay"


def test_an_old_webhook_lands_in_the_default_partition_and_reads_back():
    long_ago = datetime(2019, 3, 5, 12, 0, tzinfo=UTC)
    log = PaymentWebhookLogFactory(created_at=long_ago, event_id="evt_2019")
    assert (
        fetch_one(
            "SELECT tableoid::regclass::text FROM payment_webhook_logs WHERE id = %s", [log.pk]
        )
        == "payment_webhook_logs_default"
    )
    read = PaymentWebhookLog.objects.get(pk=log.pk)
    assert (read.created_at, read.event_id, read.payment_transaction_id) == (
        long_ago,
        "evt_2019",
        log.payment_transaction_id,
    )


# ---------------------------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------------------------


def test_invoice_numbers_follow_gst_rules():
    with pytest.raises(DataError) as caught, transaction.atomic():
        InvoiceFactory(invoice_number="INV/2026-27/00001")  # 17 characters
    assert caught.value.__cause__.sqlstate == "22001"  # string_data_right_truncation
    with violates("invoices_invoice_number_gst_format"):
        InvoiceFactory(invoice_number="INV 0001")
    with violates("invoices_invoice_number_gst_format"):
        InvoiceFactory(invoice_number="")
    sixteen = InvoiceFactory(invoice_number="INV/26-27/000001")
    assert fetch_one("SELECT invoice_number FROM invoices WHERE id = %s", [sixteen.pk]) == (
        "INV/26-27/000001"
    )
    with violates("uq_invoices_invoice_number"):
        InvoiceFactory(invoice_number="INV/26-27/000001")
    # Unique for ever: an issued invoice is never deleted, not even softly, so its number stays.
    with violates("invoices_issued_are_final"):
        sixteen.delete()
    # Drafts have no number yet: several at once.
    drafts = InvoiceFactory.create_batch(2, draft=True)
    assert [d.invoice_number for d in drafts] == [None, None]


def test_an_issued_invoice_has_a_number_and_an_issue_date():
    with violates("invoices_issued_has_number"):
        InvoiceFactory(status=InvoiceStatus.ISSUED, invoice_number=None)
    with violates("invoices_issued_has_number"):
        InvoiceFactory(status=InvoiceStatus.ISSUED, issued_at=None)
    with violates("invoices_status_valid"):
        InvoiceFactory(status="paid")
    draft = InvoiceFactory(draft=True)
    execute(
        "UPDATE invoices SET status = 'issued', invoice_number = 'INV-9', issued_at = now() "
        "WHERE id = %s",
        [draft.pk],
    )
    assert fetch_one("SELECT status FROM invoices WHERE id = %s", [draft.pk]) == "issued"


def test_financial_year_looks_like_2026_27():
    for bad in ("2026-28", "26-27", "2026/27", "2026-7", "abcd-ef", ""):
        with violates("invoices_financial_year_format"):
            InvoiceFactory(financial_year=bad)
    for good in ("2026-27", "1999-00"):
        assert InvoiceFactory(financial_year=good).financial_year == good


def test_invoice_json_and_version_numbers():
    with violates("invoices_billing_snapshot_object"):
        InvoiceFactory(billing_snapshot=[])
    with violates("invoices_current_version_positive"):
        InvoiceFactory(current_version=0)
    with violates("invoices_current_version_check"):
        InvoiceFactory(current_version=-1)
    version = InvoiceVersionFactory()
    with violates("uq_invoice_versions_number"):
        InvoiceVersionFactory(invoice=version.invoice, version_number=version.version_number)
    with violates("invoice_versions_version_number_positive"):
        InvoiceVersionFactory(version_number=0)
    with violates("invoice_versions_version_number_check"):
        InvoiceVersionFactory(version_number=-1)
    with violates("invoice_versions_snapshot_object"):
        InvoiceVersionFactory(snapshot="v1")
    second = InvoiceVersionFactory(invoice=version.invoice)
    assert (version.version_number, second.version_number) == (1, 2)


def test_invoice_line_quantity_tax_rate_and_hsn_code():
    with violates("invoice_line_items_quantity_positive"):
        InvoiceLineItemFactory(quantity=0)
    with violates("invoice_line_items_quantity_check"):
        InvoiceLineItemFactory(quantity=-1, tax_amount=Decimal("0.00"), line_total=Decimal(0))
    for rate in ("-0.01", "100.01"):
        with violates("invoice_line_items_tax_rate_range"):
            InvoiceLineItemFactory(tax_rate=Decimal(rate))
    for code in ("610", "61091", "6109100", "61AB"):
        with violates("invoice_line_items_hsn_code_format"):
            InvoiceLineItemFactory(hsn_code=code)
    lines = [
        InvoiceLineItemFactory(tax_rate=Decimal(rate), hsn_code=code)
        for rate, code in (("0", ""), ("100", "6109"), ("5", "620520"), ("12", "62044300"))
    ]
    assert fetch(
        "SELECT tax_rate, hsn_code FROM invoice_line_items WHERE id = ANY(%s) ORDER BY tax_rate",
        [[line.pk for line in lines]],
    ) == [
        (Decimal("0.00"), ""),
        (Decimal("5.00"), "620520"),
        (Decimal("12.00"), "62044300"),
        (Decimal("100.00"), "6109"),
    ]


# ---------------------------------------------------------------------------------------------
# Wishlists
# ---------------------------------------------------------------------------------------------


def test_a_user_has_one_default_wishlist_among_live_ones():
    default = WishlistFactory(is_default=True)
    with violates("uq_wishlists_default_user"):
        WishlistFactory(user=default.user, is_default=True)
    others = WishlistFactory.create_batch(2, user=default.user)
    assert [w.is_default for w in others] == [False, False]
    default.delete()
    assert WishlistFactory(user=default.user, is_default=True).is_default


def test_a_product_or_variant_is_on_a_wishlist_once_among_live_items():
    item = WishlistItemFactory()
    # NULL variants count as equal (NULLS NOT DISTINCT).
    with violates("uq_wishlist_items_product"):
        WishlistItemFactory(wishlist=item.wishlist, product=item.product)
    variant = ProductVariantFactory(product=item.product)
    in_size = WishlistItemFactory(wishlist=item.wishlist, product=item.product, variant=variant)
    with violates("uq_wishlist_items_product"):
        WishlistItemFactory(wishlist=item.wishlist, product=item.product, variant=variant)
    item.delete()
    again = WishlistItemFactory(wishlist=item.wishlist, product=item.product)
    assert set(WishlistItem.objects.filter(wishlist=item.wishlist)) == {in_size, again}


# ---------------------------------------------------------------------------------------------
# ON DELETE, by raw SQL
# ---------------------------------------------------------------------------------------------


def test_deleting_a_user_keeps_their_orders_and_removes_their_carts_and_wishlists():
    user = UserFactory()
    cart = CartFactory(user=user, status=CartStatus.CONVERTED)
    cart_item = CartItemFactory(cart=cart)
    order = OrderFactory(user=user, cart=cart)
    order_item = OrderItemFactory(order=order)
    wishlist = WishlistFactory(user=user)
    WishlistItemFactory(wishlist=wishlist)

    execute("DELETE FROM users WHERE id = %s", [user.pk])

    assert (count_rows("carts", id=cart.pk), count_rows("cart_items", id=cart_item.pk)) == (0, 0)
    assert count_rows("wishlists", id=wishlist.pk) == 0
    assert count_rows("wishlist_items", wishlist_id=wishlist.pk) == 0
    assert fetch("SELECT user_id, cart_id, email FROM orders WHERE id = %s", [order.pk]) == [
        (None, None, order.email)
    ]
    assert fetch("SELECT id FROM order_items WHERE order_id = %s", [order.pk]) == [(order_item.pk,)]


def test_deleting_a_cart_removes_its_items_and_unlinks_its_order():
    cart = CartFactory(status=CartStatus.CONVERTED)
    CartItemFactory.create_batch(2, cart=cart)
    order = OrderFactory(user=cart.user, cart=cart)

    execute("DELETE FROM carts WHERE id = %s", [cart.pk])

    assert count_rows("cart_items", cart_id=cart.pk) == 0
    assert fetch("SELECT cart_id FROM orders WHERE id = %s", [order.pk]) == [(None,)]


def test_deleting_an_order_removes_its_items_and_unlinks_wishlist_items():
    order = OrderFactory()
    OrderItemFactory.create_batch(2, order=order)
    wished = WishlistItemFactory(order=order)

    execute("DELETE FROM orders WHERE id = %s", [order.pk])

    assert count_rows("order_items", order_id=order.pk) == 0
    assert fetch("SELECT order_id, product_id FROM wishlist_items WHERE id = %s", [wished.pk]) == [
        (None, wished.product_id)
    ]


def test_an_order_with_payments_or_invoices_cannot_be_deleted():
    payment = PaymentTransactionFactory()
    with violates(foreign_key_name("payment_transactions", "order_id")):
        execute("DELETE FROM orders WHERE id = %s", [payment.order_id])
    invoice = InvoiceFactory()
    with violates(foreign_key_name("invoices", "order_id")):
        execute("DELETE FROM orders WHERE id = %s", [invoice.order_id])
    assert (
        count_rows("orders", id=payment.order_id) == count_rows("orders", id=invoice.order_id) == 1
    )


def test_deleting_a_draft_invoice_removes_its_lines_but_an_invoiced_item_stays():
    line = InvoiceLineItemFactory(invoice=InvoiceFactory(draft=True))
    invoice = line.invoice

    with violates(foreign_key_name("invoice_line_items", "order_item_id")):
        execute("DELETE FROM order_items WHERE id = %s", [line.order_item_id])

    execute("DELETE FROM invoices WHERE id = %s", [invoice.pk])
    assert count_rows("invoice_line_items", invoice_id=invoice.pk) == 0
    execute("DELETE FROM order_items WHERE id = %s", [line.order_item_id])
    assert count_rows("order_items", id=line.order_item_id) == 0


def test_an_issued_invoice_with_its_versions_is_never_deleted():
    invoice = InvoiceVersionFactory().invoice
    with violates("invoices_issued_are_kept"):
        execute("DELETE FROM invoices WHERE id = %s", [invoice.pk])
    assert count_rows("invoice_versions", invoice_id=invoice.pk) == 1


def test_deleting_a_payment_keeps_its_webhook_logs_unlinked():
    log = PaymentWebhookLogFactory()
    execute("DELETE FROM payment_transactions WHERE id = %s", [log.payment_transaction_id])
    assert fetch(
        "SELECT payment_transaction_id, event_id FROM payment_webhook_logs WHERE id = %s", [log.pk]
    ) == [(None, log.event_id)]


def test_an_ordered_product_cannot_be_deleted_but_one_only_in_carts_and_wishlists_can():
    ordered = OrderItemFactory()
    with violates(foreign_key_name("order_items", "product_id")):
        execute("DELETE FROM products WHERE id = %s", [ordered.product_id])
    assert count_rows("products", id=ordered.product_id) == 1

    product = ProductFactory()
    in_cart = CartItemFactory(product=product)
    wished = WishlistItemFactory(product=product)
    execute("DELETE FROM products WHERE id = %s", [product.pk])
    assert fetch(
        "SELECT product_id, cart_id, unit_price FROM cart_items WHERE id = %s", [in_cart.pk]
    ) == [(None, in_cart.cart_id, in_cart.unit_price)]
    assert count_rows("wishlist_items", id=wished.pk) == 0


def test_an_ordered_variant_cannot_be_deleted_but_one_only_in_carts_and_wishlists_can():
    size = ProductVariantFactory()
    ordered = OrderItemFactory(product=size.product, variant=size)
    with violates(foreign_key_name("order_items", "variant_id")):
        execute("DELETE FROM product_variants WHERE id = %s", [ordered.variant_id])

    variant = ProductVariantFactory()
    in_cart = CartItemFactory(product=variant.product, variant=variant)
    wished = WishlistItemFactory(product=variant.product, variant=variant)
    execute("DELETE FROM product_variants WHERE id = %s", [variant.pk])
    assert fetch("SELECT variant_id, product_id FROM cart_items WHERE id = %s", [in_cart.pk]) == [
        (None, variant.product_id)
    ]
    assert count_rows("wishlist_items", id=wished.pk) == 0


def test_deleting_a_stock_location_unlinks_cart_reservations_from_it():
    location = InventoryLocationFactory()
    reserved = CartItemFactory(
        quantity=2,
        reserved_quantity=2,
        reserved_from_location=location,
        reserved_until=timezone.now() + timedelta(minutes=15),
    )
    execute("DELETE FROM inventory_locations WHERE id = %s", [location.pk])
    assert fetch(
        "SELECT reserved_from_location_id, reserved_quantity FROM cart_items WHERE id = %s",
        [reserved.pk],
    ) == [(None, 2)]
