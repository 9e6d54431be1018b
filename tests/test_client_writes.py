"""What a Supabase client may write and read within the rows its policies give it.

Row level security picks rows; these rules pick columns: hidden columns, the
``*_customer_columns`` guards, audit fields the database fills in, and cart lines priced by the
shop. Each test acts as the client (raw SQL, as PostgREST sends it) and checks the row as stored.
The refusals, table by table and actor by actor, are in test_rls_attacks.py.
"""

from decimal import Decimal

import pytest

from shop.db.rls import acting_as
from tests.factories import (
    CartFactory,
    ProductFactory,
    ProductVariantFactory,
    ReviewFactory,
    RoleFactory,
    UserFactory,
    UserRoleFactory,
)
from tests.support import execute, fetch_one, violates

pytestmark = pytest.mark.django_db


# --- Hidden columns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("products", "cost_price"),
        ("product_variants", "cost_price"),
        ("cart_items", "cost_price"),
        ("order_items", "cost_price"),
        ("users", "password"),
    ],
)
def test_hidden_columns_are_never_served_to_a_client(table, column):
    assert fetch_one(
        "SELECT has_column_privilege('anon', %s, %s, 'SELECT'), "
        "has_column_privilege('authenticated', %s, %s, 'SELECT'), "
        "has_column_privilege('authenticated', %s, 'id', 'SELECT')",
        [table, column, table, column, table],
    ) == (False, False, True)


# --- Columns a customer may not change (refusals: test_rls_attacks.py) ---------------------------


def test_an_admin_moderates_reviews_through_the_api():
    review = ReviewFactory(status="pending")
    admin = UserFactory()
    UserRoleFactory(user=admin, role=RoleFactory(name="admin"))
    with acting_as(admin):
        assert execute("UPDATE reviews SET status = 'published' WHERE id = %s", [review.id]) == 1
    review.refresh_from_db()
    assert review.status == "published"


# --- Who wrote it: the database says -----------------------------------------------------------


def test_a_client_cannot_forge_who_created_or_changed_a_row():
    customer, victim = UserFactory(), UserFactory()
    with acting_as(customer):
        address_id = fetch_one(
            """INSERT INTO user_addresses (user_id, label, full_name, phone, line1, city, state,
                   postal_code, country, created_by_id, updated_by_id, created_at)
               VALUES (%s, 'Home', 'A', '+911234567890', '1 Road', 'Pune', 'MH', '411001',
                   'IN', %s, %s, '2001-01-01')
               RETURNING id""",
            [customer.id, victim.id, victim.id],
        )
        execute(
            "UPDATE user_addresses SET city = 'Mumbai', created_by_id = %s, created_at = "
            "'2001-01-01' WHERE id = %s",
            [victim.id, address_id],
        )
    row = fetch_one(
        "SELECT created_by_id, updated_by_id, created_at > now() - interval '1 hour', city "
        "FROM user_addresses WHERE id = %s",
        [address_id],
    )
    assert row == (customer.id, customer.id, True, "Mumbai")


# --- Cart lines are priced by the shop ----------------------------------------------------------

INSERT_CART_ITEM = """
    INSERT INTO cart_items (cart_id, product_id, variant_id, quantity, unit_price, cost_price,
                            discount_amount)
    VALUES (%s, %s, %s, 2, 1.00, 0.50, 1.00)
"""


@pytest.mark.parametrize("with_variant", [False, True])
def test_a_clients_cart_line_gets_the_shops_price_whatever_it_sends(with_variant):
    product = ProductFactory(selling_price=Decimal("999.00"), cost_price=Decimal("400.00"))
    variant = (
        ProductVariantFactory(
            product=product, selling_price=Decimal("1099.00"), cost_price=Decimal("450.00")
        )
        if with_variant
        else None
    )
    cart = CartFactory()
    with acting_as(cart.user):
        execute(INSERT_CART_ITEM, [cart.id, product.id, variant and variant.id])
    price = (variant or product).selling_price, (variant or product).cost_price
    assert fetch_one(
        "SELECT unit_price, cost_price, discount_amount FROM cart_items WHERE cart_id = %s",
        [cart.id],
    ) == (*price, Decimal("0.00"))


@pytest.mark.parametrize("not_for_sale", ["draft", "archived", "deleted", "inactive_variant"])
def test_a_client_cannot_put_what_is_not_for_sale_in_its_cart(not_for_sale):
    product = ProductFactory(status="archived" if not_for_sale == "archived" else "active")
    variant = None
    if not_for_sale == "draft":
        product.status = "draft"
        product.save()
    elif not_for_sale == "deleted":
        product.delete()
    elif not_for_sale == "inactive_variant":
        variant = ProductVariantFactory(product=product, is_active=False)
    cart = CartFactory()
    with acting_as(cart.user), violates("cart_items_priced_by_the_shop"):
        execute(INSERT_CART_ITEM, [cart.id, product.id, variant and variant.id])
