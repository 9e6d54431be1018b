"""What a Supabase client may write and read within the rows its policies give it.

Row level security picks rows; these rules pick columns: hidden columns, the
``*_customer_columns`` guards, audit fields the database fills in, and cart lines priced by the
shop. Each test acts as the client (raw SQL, as PostgREST sends it) and checks the row as stored.
"""

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from shop.db.rls import acting_as, acting_as_anon
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


def refused(sql: str, params: list, message: str) -> None:
    """``sql`` fails with ``message`` (and is rolled back, so the test goes on)."""
    with pytest.raises(DatabaseError, match=message), transaction.atomic():
        execute(sql, params)


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


def test_a_customer_reads_their_row_but_not_their_password_hash():
    customer = UserFactory()
    with acting_as(customer):
        assert fetch_one("SELECT email FROM users") == customer.email
        refused("SELECT password FROM users", [], "permission denied for table users")
        # What PostgREST's select=* becomes: refused, so a client must name its columns.
        refused("SELECT * FROM users", [], "permission denied for table users")


def test_anon_reads_a_products_price_but_not_its_cost():
    product = ProductFactory()
    with acting_as_anon():
        assert fetch_one("SELECT selling_price FROM products") == product.selling_price
        refused("SELECT cost_price FROM products", [], "permission denied for table products")


# --- Columns a customer may not change ------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "allowed"),
    [
        ("first_name = 'Mallory'", True),
        ("is_superuser = true", False),
        ("is_staff = true", False),
        ("is_active = false", False),
        ("email = 'mallory@example.com'", False),
        ("password = 'pbkdf2_sha256$forged'", False),
    ],
)
def test_a_customer_changes_their_name_never_their_privileges(assignment, allowed):
    customer = UserFactory()
    sql = f"UPDATE users SET {assignment} WHERE id = %s"
    with acting_as(customer):
        if allowed:
            assert execute(sql, [customer.id]) == 1
        else:
            refused(sql, [customer.id], "users_customer_columns: on users you may change only")
    customer.refresh_from_db()
    assert (customer.is_superuser, customer.is_staff, customer.is_active) == (False, False, True)


def test_not_even_an_admin_raises_privileges_through_the_api():
    admin = UserFactory()
    UserRoleFactory(user=admin, role=RoleFactory(name="super_admin"))
    with acting_as(admin):
        refused(
            "UPDATE users SET is_superuser = true WHERE id = %s",
            [admin.id],
            "users_customer_columns",
        )


def test_an_edited_review_goes_back_to_moderation():
    review = ReviewFactory(status="published", is_verified_purchase=False)
    with acting_as(review.user):
        assert execute("UPDATE reviews SET body = 'Edited' WHERE id = %s", [review.id]) == 1
        refused(
            "UPDATE reviews SET status = 'published' WHERE id = %s",
            [review.id],
            "reviews_customer_columns: on reviews you may change only rating, title, body",
        )
        refused(
            "UPDATE reviews SET is_verified_purchase = true WHERE id = %s",
            [review.id],
            "reviews_customer_columns",
        )
    review.refresh_from_db()
    assert (review.body, review.status, review.is_verified_purchase) == ("Edited", "pending", False)


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
