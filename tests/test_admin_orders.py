"""The admin of orders: what staff see, what they may change, and what stays the services'."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Invoice, Order, OrderStatus
from tests.admin_support import admin_url, listed, shown_messages
from tests.factories import (
    CartFactory,
    CartItemFactory,
    InvoiceFactory,
    InvoiceLineItemFactory,
    InvoiceNumberCounterFactory,
    InvoiceVersionFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentTransactionFactory,
    PaymentWebhookEventFactory,
    PaymentWebhookLogFactory,
    ProductFactory,
    WishlistFactory,
    WishlistItemFactory,
)

pytestmark = pytest.mark.django_db

SAVE_BUTTON = 'name="_save"'


def url(model_name: str, view: str, *args) -> str:
    return admin_url(apps.get_model("orders", model_name), view, *args)


def billable_order() -> Order:
    """An order whose one line bills exactly its grand total, so it can be invoiced."""
    order = OrderFactory(shipping_total=Decimal("0.00"))
    item = OrderItemFactory(order=order)
    order.grand_total = item.line_total
    order.save(update_fields=["grand_total"])
    return order


# --- What a super admin sees ------------------------------------------------------------------


def test_order_list_shows_the_number_and_the_grand_total_in_its_currency(super_admin_client):
    order = OrderFactory(grand_total=Decimal("1234.50"))

    response = super_admin_client.get(url("order", "changelist"))

    assert listed(response) == [order.pk]
    html = response.content.decode()
    assert f">{order.order_number}</a>" in html
    assert '<td class="field-grand_total">INR 1,234.50</td>' in html


def test_order_page_shows_its_lines_as_ordered_and_read_only(super_admin_client):
    order = OrderFactory()
    items = [
        OrderItemFactory(order=order, product_name="Indigo kurta", product_sku="KUR-IND-01"),
        OrderItemFactory(order=order, product_name="Linen scarf", product_sku="SCF-LIN-02"),
    ]

    response = super_admin_client.get(url("order", "change", order.pk))

    assert response.status_code == 200
    html = response.content.decode()
    for item in items:
        assert item.product_name in html
        assert item.product_sku in html
        assert f"INR {item.line_total:,.2f}" in html
    assert 'name="items-0-quantity"' not in html  # the lines are checkout's, not editable
    assert SAVE_BUTTON in html  # the order's status and fulfilment are


def test_saving_an_order_changes_its_status_but_not_its_checkout_totals(super_admin_client):
    order = OrderFactory(grand_total=Decimal("1234.50"))
    OrderItemFactory(order=order)
    page = super_admin_client.get(url("order", "change", order.pk))
    data = {
        "email": order.email,
        "order_status": OrderStatus.SHIPPED,
        "tags": '["web", "gift"]',
        "customer_note": "",
        "delivery_date": "",
        "cancelled_at_0": "",
        "cancelled_at_1": "",
        "grand_total": "1.00",  # read-only: ignored
        "payment_status": "paid",  # read-only: ignored
    }
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = super_admin_client.post(url("order", "change", order.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    order.refresh_from_db()
    assert (order.order_status, order.tags) == (OrderStatus.SHIPPED, ["web", "gift"])
    assert (order.grand_total, order.payment_status) == (Decimal("1234.50"), "pending")
    assert order.items.count() == 1


def test_cart_page_shows_its_lines_and_the_totals_of_the_cart_totals_view(super_admin_client):
    cart = CartFactory(shipping_total=Decimal("49.00"))
    product = ProductFactory(name="Block-print cushion cover")
    CartItemFactory(cart=cart, product=product, quantity=2, unit_price=Decimal("100.00"))
    CartItemFactory(cart=cart, quantity=1, unit_price=Decimal("50.25"))

    response = super_admin_client.get(url("cart", "change", cart.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert product.name in html
    assert 'name="items-0-quantity"' in html  # the customer's part of a line
    assert 'name="items-0-unit_price"' not in html  # the shop's
    assert '<div class="readonly">INR 250.25</div>' in html  # subtotal
    assert '<div class="readonly">INR 299.25</div>' in html  # grand total, with shipping
    assert '<div class="readonly">3</div>' in html  # units


def test_cart_list_shows_each_carts_grand_total(super_admin_client):
    cart = CartFactory(shipping_total=Decimal("0.00"))
    CartItemFactory(cart=cart, quantity=3, unit_price=Decimal("410.00"))

    response = super_admin_client.get(url("cart", "changelist"))

    assert listed(response) == [cart.pk]
    assert '<td class="field-cart_grand_total">INR 1,230.00</td>' in response.content.decode()


def test_invoice_page_shows_its_lines_and_versions_and_cannot_be_saved(super_admin_client):
    invoice = InvoiceFactory()
    line = InvoiceLineItemFactory(invoice=invoice, description="Hand-loomed stole")
    InvoiceVersionFactory(invoice=invoice, reason="Issued")

    response = super_admin_client.get(url("invoice", "change", invoice.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert invoice.invoice_number in html
    assert line.description in html
    assert f"INR {line.line_total:,.2f}" in html
    assert "Issued" in html
    assert SAVE_BUTTON not in html
    assert super_admin_client.post(url("invoice", "change", invoice.pk), {}).status_code == 403


def test_webhook_logs_are_evidence_never_added_nor_changed(super_admin_client):
    log = PaymentWebhookLogFactory()

    assert super_admin_client.get(url("paymentwebhooklog", "add")).status_code == 403
    page = super_admin_client.get(url("paymentwebhooklog", "change", log.pk))
    assert page.status_code == 200
    assert log.event_id in page.content.decode()
    assert SAVE_BUTTON not in page.content.decode()
    assert (
        super_admin_client.post(url("paymentwebhooklog", "change", log.pk), {}).status_code == 403
    )
    assert super_admin_client.post(url("paymentwebhooklog", "delete", log.pk)).status_code == 403


@pytest.mark.parametrize(
    "model",
    [
        "order",
        "orderitem",
        "cartitem",
        "carttotal",
        "paymenttransaction",
        "paymentwebhookevent",
        "invoice",
        "invoiceversion",
        "invoicelineitem",
        "invoicenumbercounter",
    ],
)
def test_rows_written_by_services_have_no_add_form(super_admin_client, model):
    assert super_admin_client.get(url(model, "add")).status_code == 403


def test_an_invoice_number_counter_is_shown_not_edited(super_admin_client):
    counter = InvoiceNumberCounterFactory(last_number=41)

    page = super_admin_client.get(url("invoicenumbercounter", "change", counter.pk))

    assert page.status_code == 200
    assert SAVE_BUTTON not in page.content.decode()
    assert (
        super_admin_client.post(url("invoicenumbercounter", "change", counter.pk), {}).status_code
        == 403
    )
    counter.refresh_from_db()
    assert counter.last_number == 41


# --- Finding orders ---------------------------------------------------------------------------


@pytest.mark.parametrize("term", ["order_number", "razorpay_order_id", "email"])
def test_search_finds_exactly_the_order(super_admin_client, term):
    orders = OrderFactory.create_batch(3)
    wanted = orders[1]

    response = super_admin_client.get(url("order", "changelist"), {"q": getattr(wanted, term)})

    assert listed(response) == [wanted.pk]


def test_search_by_email_ignores_case_and_matches_the_customer_not_a_fragment(
    super_admin_client,
):
    orders = OrderFactory.create_batch(3)
    wanted = orders[0]
    email = wanted.user.email

    found = super_admin_client.get(url("order", "changelist"), {"q": email.upper()})
    fragment = super_admin_client.get(url("order", "changelist"), {"q": email[:-1]})

    assert listed(found) == [wanted.pk]
    assert listed(fragment) == []


def test_a_soft_deleted_order_is_listed_only_when_asked_for(super_admin_client):
    alive, deleted = OrderFactory(), OrderFactory()
    deleted.delete()

    assert listed(super_admin_client.get(url("order", "changelist"))) == [alive.pk]
    assert listed(super_admin_client.get(url("order", "changelist"), {"deleted": "yes"})) == [
        deleted.pk
    ]
    assert super_admin_client.get(url("order", "change", deleted.pk)).status_code == 200


LIST_ROWS = {
    "order": OrderFactory,
    "orderitem": OrderItemFactory,
    "cart": CartItemFactory,  # a cart with a line, so its totals have something to add
    "cartitem": CartItemFactory,
    "carttotal": CartFactory,
    "paymenttransaction": PaymentTransactionFactory,
    "paymentwebhooklog": PaymentWebhookLogFactory,
    "paymentwebhookevent": PaymentWebhookEventFactory,
    "invoice": InvoiceFactory,
    "invoiceversion": InvoiceVersionFactory,
    "invoicelineitem": InvoiceLineItemFactory,
    "invoicenumbercounter": InvoiceNumberCounterFactory,
    "wishlist": WishlistFactory,
    "wishlistitem": WishlistItemFactory,
}


@pytest.mark.parametrize("model", LIST_ROWS)
def test_a_list_takes_as_many_queries_for_20_rows_as_for_1(
    super_admin_client, django_assert_max_num_queries, model
):
    LIST_ROWS[model]()
    with CaptureQueriesContext(connection) as one_row:
        assert len(listed(super_admin_client.get(url(model, "changelist")))) == 1
    LIST_ROWS[model].create_batch(19)

    with django_assert_max_num_queries(len(one_row)):
        assert len(listed(super_admin_client.get(url(model, "changelist")))) == 20


# --- Issuing invoices -------------------------------------------------------------------------


def run_action(client, action: str, orders: list[Order]):
    return client.post(
        url("order", "changelist"),
        {"action": action, "_selected_action": [order.pk for order in orders]},
        follow=True,
    )


def test_issue_invoice_action_issues_the_next_number_once(super_admin_client):
    order = billable_order()

    response = run_action(super_admin_client, "issue_invoices", [order])

    invoice = Invoice.objects.get(order=order)
    assert invoice.invoice_number.startswith("INV/")
    assert shown_messages(response) == [f"Issued {invoice.invoice_number} ({order.order_number})."]

    again = run_action(super_admin_client, "issue_invoices", [order])

    assert shown_messages(again) == [
        f"{order}: uq_invoices_order_issued: order {order} has its invoice already."
    ]
    assert list(Invoice.objects.filter(order=order)) == [invoice]


def test_issue_invoice_action_reports_each_refused_order_and_issues_the_rest(
    super_admin_client,
):
    billable, empty = billable_order(), OrderFactory()

    response = run_action(super_admin_client, "issue_invoices", [billable, empty])

    invoice = Invoice.objects.get(order=billable)
    empty.refresh_from_db()
    assert sorted(shown_messages(response)) == sorted(
        [
            f"Issued {invoice.invoice_number} ({billable.order_number}).",
            f"{empty}: invoice_matches_order: the lines of order {empty} bill "
            f"{empty.shipping_total}, but the order's grand total is {empty.grand_total} "
            f"(gift card {empty.giftcard_total}).",
        ]
    )
    assert not Invoice.objects.filter(order=empty).exists()


# --- What the shop's roles allow --------------------------------------------------------------


def actions_offered(client) -> set[str]:
    response = client.get(url("order", "changelist"))
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


def test_support_views_and_changes_orders_but_adds_and_deletes_nothing(client, staff_with_role):
    client.force_login(staff_with_role("support"))
    order = OrderFactory()
    OrderItemFactory(order=order, product_name="Indigo kurta")

    assert listed(client.get(url("order", "changelist"))) == [order.pk]
    page = client.get(url("order", "change", order.pk))
    assert page.status_code == 200
    assert "Indigo kurta" in page.content.decode()
    assert SAVE_BUTTON in page.content.decode()  # orders.cancel: they change an order's status
    assert client.get(url("order", "add")).status_code == 403
    assert client.post(url("order", "delete", order.pk)).status_code == 403
    assert actions_offered(client) == {"restore_selected"}  # not issuing invoices


def test_support_only_views_carts_and_payments(client, staff_with_role):
    client.force_login(staff_with_role("support"))
    cart = CartItemFactory().cart
    payment = PaymentTransactionFactory()

    page = client.get(url("cart", "change", cart.pk))
    assert page.status_code == 200
    assert SAVE_BUTTON not in page.content.decode()
    assert client.post(url("cart", "change", cart.pk), {}).status_code == 403
    assert client.get(url("paymenttransaction", "change", payment.pk)).status_code == 200
    assert client.post(url("paymenttransaction", "change", payment.pk), {}).status_code == 403


def test_support_views_invoices_and_their_counters_as_invoices_view_grants(client, staff_with_role):
    # accounts.admin_access: invoices.view grants view on every invoice model, counters too.
    client.force_login(staff_with_role("support"))
    counter = InvoiceNumberCounterFactory()

    assert listed(client.get(url("invoicenumbercounter", "changelist"))) == [counter.pk]
    assert client.post(url("invoicenumbercounter", "change", counter.pk), {}).status_code == 403


def test_warehouse_staff_see_orders_but_not_invoices_nor_their_counters(client, staff_with_role):
    client.force_login(staff_with_role("warehouse"))
    invoice = InvoiceFactory()
    counter = InvoiceNumberCounterFactory()

    assert listed(client.get(url("order", "changelist"))) == [invoice.order.pk]
    assert client.get(url("invoicenumbercounter", "changelist")).status_code == 403
    assert client.get(url("invoicenumbercounter", "change", counter.pk)).status_code == 403
    assert client.get(url("invoice", "change", invoice.pk)).status_code == 403
    page = client.get(url("order", "change", invoice.order.pk))
    assert page.status_code == 200
    assert invoice.invoice_number not in page.content.decode()  # no invoices inline either


def test_invoices_are_issued_from_the_admin_by_roles_granted_invoices_issue(
    client, staff_with_role
):
    # invoices.issue grants "add" on invoices (accounts.admin_access); support lacks it.
    client.force_login(staff_with_role("admin"))
    assert actions_offered(client) == {"restore_selected", "issue_invoices"}

    client.force_login(staff_with_role("support"))
    assert actions_offered(client) == {"restore_selected"}


def test_search_by_part_of_an_order_number_finds_the_orders_containing_it(super_admin_client):
    orders = OrderFactory.create_batch(3)
    for order in orders:
        order.refresh_from_db()  # the number comes from the database's sequence
    wanted = orders[1]
    part = wanted.order_number[-4:]  # "SO-00000102" -> "0102", as read off a parcel

    found = super_admin_client.get(url("order", "changelist"), {"q": part})
    # Three characters or more match as part of a number, in any case; fewer only in full,
    # since a trigram index cannot narrow them.
    every = super_admin_client.get(url("order", "changelist"), {"q": "so-"})
    short = super_admin_client.get(url("order", "changelist"), {"q": "SO"})

    assert [o.order_number for o in orders if part in o.order_number] == [wanted.order_number]
    assert listed(found) == [wanted.pk]
    assert sorted(listed(every)) == sorted(o.pk for o in orders)
    assert listed(short) == []
