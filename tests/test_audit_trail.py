"""The audit trail: triggers write audit_logs rows for changes to the tables that matter, naming
the actor, and audit_logs is append-only (shop/migrations/0006_audit_trail.py, shop.audit)."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError

from orders.models import Order
from shop.audit import audit_actor, row_history
from shop.db.rls import acting_as, acting_as_service
from tests.factories import (
    AuditLogFactory,
    InventoryFactory,
    InvoiceFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentTransactionFactory,
    PermissionFactory,
    ProductCategoryFactory,
    ProductFactory,
    RoleFactory,
    RolePermissionFactory,
    UserFactory,
    UserRoleFactory,
)
from tests.support import count_rows, execute, fetch, fetch_one, violates

pytestmark = pytest.mark.django_db

# Columns that follow every change and are never recorded (the actor is audit_logs.user_id).
NOISE = {"updated_at", "updated_by_id"}
PRODUCT_COLUMNS = {"selling_price", "compare_at_price", "cost_price", "currency", "status"}


def trail(table: str, row_id: Any) -> list[tuple]:
    """The audit rows of one row, oldest first: (action, changes, user_id)."""
    rows = fetch(
        "SELECT action, changes::text, user_id FROM audit_logs "
        "WHERE table_name = %s AND row_id = %s ORDER BY timestamp, id",
        [table, str(row_id)],
    )
    return [(action, loads(changes), user_id) for action, changes, user_id in rows]


def loads(text: str) -> Any:
    # Money keeps its two decimals: 499.00, not 499.0.
    return json.loads(text, parse_float=Decimal)


def row_json(table: str, pk: Any) -> dict:
    """The row as PostgreSQL turns it into JSON (the trigger's to_jsonb)."""
    return loads(fetch_one(f"SELECT to_jsonb(t)::text FROM {table} t WHERE id = %s", [pk]))


def recorded(row: dict, table: str) -> dict:
    """The columns of ``row`` the trail records: not noise, and of a product only price/status."""
    return {
        column: value
        for column, value in row.items()
        if value is not None
        and column not in NOISE
        and (table != "products" or column in PRODUCT_COLUMNS)
    }


def admin_user():
    admin = UserFactory(is_staff=True)
    UserRoleFactory(user=admin, role=RoleFactory(name="admin"))
    return admin


# --- Every audited table: insert, update, delete ----------------------------------------------

# table: (make a row, a column to change, its new value given the row)
AUDITED: dict[str, tuple[Callable[[], Any], str, Callable[[Any], Any]]] = {
    "orders": (OrderFactory, "customer_note", lambda row: "Leave it with the neighbour"),
    "order_items": (OrderItemFactory, "option_text", lambda row: "Size: M"),
    "payment_transactions": (
        PaymentTransactionFactory,
        "error_description",
        lambda row: "Chargeback opened",
    ),
    "invoices": (lambda: InvoiceFactory(draft=True), "series", lambda row: "B2B"),
    "inventory": (InventoryFactory, "low_stock_threshold", lambda row: row.low_stock_threshold + 3),
    "products": (ProductFactory, "selling_price", lambda row: row.selling_price - 1),
    "user_roles": (UserRoleFactory, "role_id", lambda row: RoleFactory().pk),
    "role_permissions": (
        RolePermissionFactory,
        "permission_id",
        lambda row: PermissionFactory().pk,
    ),
}


@pytest.mark.parametrize("table", sorted(AUDITED))
def test_insert_update_and_delete_each_write_their_row(table):
    make, column, new_value = AUDITED[table]
    actor = UserFactory(is_staff=True)

    with audit_actor(actor):
        row = make()
    inserted = row_json(table, row.pk)
    with audit_actor(actor):
        execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [new_value(row), row.pk])
    updated = row_json(table, row.pk)
    with audit_actor(actor):
        assert execute(f"DELETE FROM {table} WHERE id = %s", [row.pk]) == 1

    assert updated[column] != inserted[column]
    assert trail(table, row.pk) == [
        ("insert", {c: [None, v] for c, v in recorded(inserted, table).items()}, actor.pk),
        ("update", {column: [inserted[column], updated[column]]}, actor.pk),
        ("delete", {c: [v, None] for c, v in recorded(updated, table).items()}, actor.pk),
    ]


def test_a_new_product_records_its_prices_and_status_only():
    product = ProductFactory(
        selling_price=Decimal("499.00"),
        compare_at_price=None,
        cost_price=Decimal("275.50"),
        status="draft",
    )
    assert trail("products", product.pk) == [
        (
            "insert",
            {
                "selling_price": [None, Decimal("499.00")],
                "cost_price": [None, Decimal("275.50")],
                "currency": [None, "INR"],
                "status": [None, "draft"],
            },
            None,
        )
    ]


def test_product_changes_other_than_price_and_status_write_nothing():
    product = ProductFactory(selling_price=Decimal("499.00"), compare_at_price=Decimal("599.00"))
    before = count_rows("audit_logs")

    product.name = "Rose Water Face Wash"
    product.description = "Now with more roses."
    product.tags = ["summer"]
    product.featured = True
    product.save()
    product.delete()  # soft delete: deleted_at
    product.restore()
    assert count_rows("audit_logs") == before

    product.selling_price = Decimal("449.00")
    product.status = "archived"
    product.save()
    assert trail("products", product.pk)[1:] == [
        (
            "update",
            {
                "selling_price": [Decimal("499.00"), Decimal("449.00")],
                "status": ["active", "archived"],
            },
            None,
        )
    ]


def test_saving_a_row_unchanged_writes_nothing():
    # Django's save() rewrites every column and keep_audit_fields moves updated_at: no change.
    order = OrderFactory()
    before = count_rows("audit_logs")
    order.save()
    Order.objects.filter(pk=order.pk).update(updated_by=UserFactory())
    assert count_rows("audit_logs") == before


def test_a_composite_primary_key_is_recorded_as_a_json_array():
    # No audited table has one today; the function reads any table's key from the catalog.
    execute(
        "CREATE TRIGGER audit_trail AFTER INSERT ON product_categories "
        "FOR EACH ROW EXECUTE FUNCTION private.audit_row_change()"
    )
    link = ProductCategoryFactory()
    assert fetch(
        "SELECT action, row_id FROM audit_logs WHERE table_name = 'product_categories'"
    ) == [("insert", f'["{link.product_id}", "{link.tier_id}"]')]


# --- The actor ------------------------------------------------------------------------------------


def test_an_admin_changing_an_order_through_the_api_is_its_actor():
    admin = admin_user()
    order = OrderFactory()
    with acting_as(admin):
        assert (
            execute("UPDATE orders SET order_status = 'confirmed' WHERE id = %s", [order.pk]) == 1
        )
    assert trail("orders", order.pk)[1:] == [
        ("update", {"order_status": ["pending", "confirmed"]}, admin.pk)
    ]


def test_the_trigger_function_needs_no_execute_privilege_of_the_writer():
    # A trigger fires whatever the writer's EXECUTE privilege; nobody may call the function.
    assert fetch(
        """SELECT p.prosecdef, p.proconfig, has_function_privilege('anon', p.oid, 'EXECUTE'),
                  has_function_privilege('authenticated', p.oid, 'EXECUTE'),
                  has_function_privilege('service_role', p.oid, 'EXECUTE')
           FROM pg_proc p WHERE p.oid = 'private.audit_row_change()'::regprocedure"""
    ) == [(True, ['search_path=""'], False, False, False)]
    super_admin = UserFactory(is_staff=True)
    UserRoleFactory(user=super_admin, role=RoleFactory(name="super_admin"))
    customer, role = UserFactory(), RoleFactory(name="wholesale")
    with acting_as(super_admin):
        execute("INSERT INTO user_roles (user_id, role_id) VALUES (%s, %s)", [customer.pk, role.pk])
    granted = fetch_one("SELECT id FROM user_roles WHERE user_id = %s", [customer.pk])
    [(action, changes, actor)] = trail("user_roles", granted)
    assert (action, changes["user_id"], changes["role_id"], actor) == (
        "insert",
        [None, str(customer.pk)],
        [None, str(role.pk)],
        super_admin.pk,
    )


def test_the_signed_in_user_is_the_actor_even_inside_audit_actor():
    admin, backend_user = admin_user(), UserFactory(is_staff=True)
    order = OrderFactory()
    with audit_actor(backend_user), acting_as(admin):
        execute("UPDATE orders SET order_status = 'confirmed' WHERE id = %s", [order.pk])
    assert [actor for _, _, actor in trail("orders", order.pk)] == [None, admin.pk]


def test_audit_actor_names_the_actor_for_its_block_only():
    clerk, manager = UserFactory(is_staff=True), UserFactory(is_staff=True)
    order = OrderFactory()

    def change(status: str) -> None:
        Order.objects.filter(pk=order.pk).update(order_status=status)

    with audit_actor(clerk):
        change("confirmed")
        with audit_actor(manager):
            change("processing")
        change("shipped")
    change("delivered")

    history = trail("orders", order.pk)[1:]
    assert [(changes["order_status"][1], actor) for _, changes, actor in history] == [
        ("confirmed", clerk.pk),
        ("processing", manager.pk),
        ("shipped", clerk.pk),
        ("delivered", None),
    ]
    assert fetch_one("SELECT current_setting('shop.actor_id', true)") == ""


def test_an_error_in_the_block_undoes_the_actor_with_the_changes():
    clerk = UserFactory(is_staff=True)
    order = OrderFactory()
    with pytest.raises(ZeroDivisionError), audit_actor(clerk):
        Order.objects.filter(pk=order.pk).update(order_status="confirmed")
        1 / 0  # noqa: B018
    assert fetch_one("SELECT current_setting('shop.actor_id', true)") == ""
    assert [action for action, _, _ in trail("orders", order.pk)] == ["insert"]
    assert Order.objects.get(pk=order.pk).order_status == "pending"


@pytest.mark.parametrize("who", [AnonymousUser(), None, "unsaved"])
def test_audit_actor_refuses_anything_but_a_saved_user(who):
    if who == "unsaved":
        who = UserFactory.build()
    with pytest.raises(ValueError, match="audit_actor: the actor is a saved user"):
        with audit_actor(who):
            pass
    assert fetch_one("SELECT current_setting('shop.actor_id', true)") in (None, "")


def test_an_actor_setting_that_is_not_a_user_id_refuses_the_change():
    order = OrderFactory()
    execute("SELECT set_config('shop.actor_id', 'the-night-shift', true)")
    with violates("audit_actor_is_a_user_id"):
        Order.objects.filter(pk=order.pk).update(order_status="confirmed")
    assert Order.objects.get(pk=order.pk).order_status == "pending"
    assert [action for action, _, _ in trail("orders", order.pk)] == ["insert"]


def test_an_actor_who_is_no_user_is_recorded_as_nobody():
    # As if the user had been erased: the trail never names an id that is no user's.
    order = OrderFactory()
    execute("SELECT set_config('shop.actor_id', '0190c9a4-0000-7000-8000-000000000001', true)")
    Order.objects.filter(pk=order.pk).update(order_status="confirmed")
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign key holds
    assert trail("orders", order.pk)[1:] == [
        ("update", {"order_status": ["pending", "confirmed"]}, None)
    ]


def test_row_history_is_newest_first():
    order = OrderFactory()
    Order.objects.filter(pk=order.pk).update(order_status="confirmed")
    Order.objects.filter(pk=order.pk).update(order_status="cancelled", cancelled_at=order.placed_at)
    OrderFactory()  # another order's trail is not this one's
    assert [entry.action for entry in row_history(table="orders", row_id=str(order.pk))] == [
        "update",
        "update",
        "insert",
    ]
    assert row_history(table="orders", row_id=str(order.pk))[0].changes["order_status"] == [
        "confirmed",
        "cancelled",
    ]


# --- Append-only ------------------------------------------------------------------------------


def test_rows_are_added_but_never_changed_or_deleted():
    entry = AuditLogFactory()  # INSERT works
    before = fetch_one("SELECT to_jsonb(a)::text FROM audit_logs a WHERE id = %s", [entry.pk])

    for statement in (
        "UPDATE audit_logs SET changes = '{}' WHERE id = %s",
        "UPDATE audit_logs SET user_id = NULL WHERE id = %s",  # the user still exists
        "UPDATE audit_logs SET user_id = user_id WHERE id = %s",
        "DELETE FROM audit_logs WHERE id = %s",
    ):
        with violates("audit_logs_append_only"):
            execute(statement, [entry.pk])
    # Not even the trusted backend key may (it has every privilege and bypasses RLS).
    with violates("audit_logs_append_only"), acting_as_service():
        execute("DELETE FROM audit_logs WHERE id = %s", [entry.pk])

    after = fetch_one("SELECT to_jsonb(a)::text FROM audit_logs a WHERE id = %s", [entry.pk])
    assert after == before


def test_the_refusal_says_why():
    entry = AuditLogFactory()
    with pytest.raises(DatabaseError, match="DELETE of an audit_logs row refused; the audit trail"):
        execute("DELETE FROM audit_logs WHERE id = %s", [entry.pk])


def test_erasing_a_user_clears_their_id_from_the_trail_and_nothing_else():
    user, other = UserFactory(is_staff=True), UserFactory(is_staff=True)
    entry = AuditLogFactory(user=user, created_by=user, updated_by=user)
    by_them = AuditLogFactory(user=other, created_by=user)
    columns = "action, table_name, row_id, changes::text, ip_address, user_agent, timestamp"
    before = fetch(f"SELECT {columns} FROM audit_logs WHERE id = %s", [entry.pk])

    execute("DELETE FROM users WHERE id = %s", [user.pk])
    execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert fetch(f"SELECT {columns} FROM audit_logs WHERE id = %s", [entry.pk]) == before
    users = "SELECT user_id, created_by_id, updated_by_id FROM audit_logs WHERE id = %s"
    assert fetch(users, [entry.pk]) == [(None, None, None)]
    assert fetch(users, [by_them.pk]) == [(other.pk, None, None)]


def test_a_user_erasing_their_own_account_is_recorded_as_nobody():
    # The DELETE's cascade (their roles) is audited once their users row is gone: the actor is
    # no user any more, and the trail says nobody, as SET NULL would have made it.
    user, admin = UserFactory(), UserFactory(is_staff=True)
    with audit_actor(admin):
        granted = UserRoleFactory(user=user)
    with audit_actor(user):
        execute("DELETE FROM users WHERE id = %s", [user.pk])
        execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert [(action, actor) for action, _, actor in trail("user_roles", granted.pk)] == [
        ("insert", admin.pk),
        ("delete", None),
    ]


def test_partition_maintenance_moves_and_drops_months_as_ddl():
    # Rows of a month that gets its own partition move out of the DEFAULT partition: detached,
    # it is a plain table without the parent's triggers. Old months leave by DROP.
    old = AuditLogFactory(timestamp="2019-03-05T12:00:00Z")
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # no DDL while a foreign key check is pending
    execute("ALTER TABLE audit_logs DETACH PARTITION audit_logs_default")
    execute(
        "CREATE TABLE audit_logs_2019_03 PARTITION OF audit_logs "
        "FOR VALUES FROM ('2019-03-01') TO ('2019-04-01')"
    )
    execute(
        "WITH moved AS (DELETE FROM audit_logs_default WHERE timestamp < '2019-04-01' "
        "RETURNING *) INSERT INTO audit_logs SELECT * FROM moved"
    )
    execute("ALTER TABLE audit_logs ATTACH PARTITION audit_logs_default DEFAULT")
    assert fetch("SELECT tableoid::regclass::text FROM audit_logs WHERE id = %s", [old.pk]) == [
        ("audit_logs_2019_03",)
    ]
    # The re-attached DEFAULT partition is append-only again.
    recent = AuditLogFactory()
    with violates("audit_logs_append_only"):
        execute("DELETE FROM audit_logs_default WHERE id = %s", [recent.pk])

    execute("DROP TABLE audit_logs_2019_03")
    assert count_rows("audit_logs", id=old.pk) == 0
