"""Row level security, proven by attack: every table, as every kind of client.

Each test builds the world of ``tests.rls_world`` (customers A and B, an admin, a super admin,
rows in every table, each labelled with a tag), then acts as a client through the API roles
(``shop.db.rls``) and asserts exactly what it sees and what it cannot do: the exact rows, the
exact refusal (SQLSTATE 42501: ``permission denied for table X`` when the role may not run the
command at all, ``new row violates row-level security policy`` when a policy refuses the row,
or the ``*_customer_columns`` guard's message). Checks that would pass by accident (a typo in
the SQL matching no row) are paired with the same statement succeeding where it should.

The machinery itself (roles, grants, helpers, acting_as) is tested in test_rls.py.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from shop.db.ids import uuid7
from tests.rls_world import ACTORS, World, build_world, key_columns, key_sql
from tests.support import execute, fetch, fetch_one

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


# --- Running SQL as a client ---------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """The database refused the statement with SQLSTATE 42501 and this message."""

    message: str


def denied(table: str) -> Refused:
    """The role has no privilege for the command on the table."""
    return Refused(f"permission denied for table {table}")


def violates_policy(table: str) -> Refused:
    """A row written by the statement fails the policies' WITH CHECK."""
    return Refused(f'new row violates row-level security policy for table "{table}"')


def guarded(table: str, allowed: str) -> Refused:
    """The table's ``<table>_customer_columns`` trigger refused a change of another column."""
    return Refused(f"{table}_customer_columns: on {table} you may change only {allowed}")


def run(world: World, actor: str, sql: str, params: list | dict | None = None):
    """Run ``sql`` as ``actor``: its rows (a query) or row count, or ``Refused`` for a 42501.

    Any other error (a typo, a constraint) is raised: an attack test must not pass because its
    statement was broken. The block is a savepoint, so the test goes on after a refusal.
    """
    try:
        with world.acting(actor), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else cursor.rowcount
    except DatabaseError as error:
        cause = error.__cause__
        if getattr(cause, "sqlstate", None) != "42501":
            raise
        return Refused(cause.diag.message_primary)


def insert_sql(table: str, row: dict) -> tuple[str, list]:
    columns = ", ".join(row)
    placeholders = ", ".join(["%s"] * len(row))
    values = [Jsonb(v) if isinstance(v, dict | list) else v for v in row.values()]
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values


def all_keys(table: str) -> set[str]:
    """Every row of ``table``, read by the owner connection (outside row level security)."""
    return {key for (key,) in fetch(f"SELECT {key_sql(table)} FROM {table}")}


def snapshot(table: str, keys: set[str]) -> dict[str, str]:
    """The full content of these rows, to prove an attack changed nothing."""
    rows = fetch(
        f"SELECT {key_sql(table)}, row_to_json(t)::text FROM {table} t "
        f"WHERE {key_sql(table)} = ANY(%s)",
        [sorted(keys)],
    )
    return dict(rows)


# --- Who sees which rows -------------------------------------------------------------------------

DENIED = "permission denied"
EVERY = "every row"
NOTHING: frozenset[str] = frozenset()


def sees(anon, a, b, admin=EVERY) -> dict:
    """What each actor's ``SELECT`` of a table returns: tags of world rows, EVERY or DENIED.

    A super admin is an admin (reads the same); service_role bypasses row level security.
    """
    return {
        "anon": anon,
        "a": a,
        "b": b,
        "admin": admin,
        "super_admin": admin,
        "service_role": EVERY,
    }


# The patterns most tables follow; any table may spell its own out instead.
CLOSED = sees(anon=DENIED, a=DENIED, b=DENIED, admin=DENIED)
ADMINS_ONLY = sees(anon=DENIED, a=NOTHING, b=NOTHING)
OWN_ROWS = sees(anon=DENIED, a={"a"}, b={"b"})
PUBLISHED = sees(anon={"public"}, a={"public"}, b={"public"})

EXPECTED: dict[str, dict] = {
    # accounts
    "users": OWN_ROWS,
    "admin_profiles": ADMINS_ONLY,
    "customer_profiles": OWN_ROWS,
    "user_addresses": OWN_ROWS,
    "roles": ADMINS_ONLY,
    "permissions": ADMINS_ONLY,
    "role_permissions": ADMINS_ONLY,
    "user_roles": OWN_ROWS,
    "invitation": ADMINS_ONLY,
    "email_otps": CLOSED,
    # catalog: the published part for everyone, a customer's own reviews and questions too
    "products": sees(
        anon={"public", "public_2"}, a={"public", "public_2"}, b={"public", "public_2"}
    ),
    "product_variants": PUBLISHED,
    "product_faqs": PUBLISHED,
    "reviews": sees(
        anon={"b_published"},
        a={"b_published", "a_pending", "a_deleted"},
        b={"b_published", "b_pending", "b_on_hidden"},
    ),
    "product_questions": sees(
        anon={"b_published"},
        a={"b_published", "a_pending"},
        b={"b_published", "b_on_hidden"},
    ),
    "tiers": PUBLISHED,
    "product_categories": PUBLISHED,
    "collections": PUBLISHED,
    "collection_products": PUBLISHED,
    "tags": PUBLISHED,
    "inventory_locations": ADMINS_ONLY,
    "inventory": ADMINS_ONLY,
    "inventory_adjustments": ADMINS_ONLY,
    "variant_inventory_adjustments": ADMINS_ONLY,
    # orders: a guest's cart and order are the admins' only
    "carts": OWN_ROWS,
    "cart_items": OWN_ROWS,
    "wishlists": OWN_ROWS,
    "wishlist_items": OWN_ROWS,
    "orders": OWN_ROWS,
    "order_items": OWN_ROWS,
    "invoices": OWN_ROWS,
    "invoice_versions": OWN_ROWS,
    "invoice_line_items": OWN_ROWS,
    "invoice_number_counters": CLOSED,
    # A customer's own payments (their order's), without the provider's signature.
    "payment_transactions": OWN_ROWS,
    "payment_webhook_logs": ADMINS_ONLY,
    "payment_webhook_logs_default": CLOSED,
    "payment_webhook_events": CLOSED,
    # content
    "blogs": PUBLISHED,
    "blog_subsections": PUBLISHED,
    "uploads": ADMINS_ONLY,
    # notifications
    "notifications": OWN_ROWS,
    "notifications_default": CLOSED,
    "notification_preferences": OWN_ROWS,
    "notification_templates": ADMINS_ONLY,
    "notification_delivery_logs": ADMINS_ONLY,
    # shop
    "audit_logs": ADMINS_ONLY,
    "audit_logs_default": CLOSED,
    # Django's own
    "django_migrations": CLOSED,
    "django_content_type": CLOSED,
    "django_admin_log": CLOSED,
    "django_session": CLOSED,
    "auth_permission": CLOSED,
    "auth_group": CLOSED,
    "auth_group_permissions": CLOSED,
}

# Django fills these itself (migrate); the world adds no row of its own to them.
# Tables with rows the world did not write itself: Django's, and the audit trail (its
# triggers record the world being built).
FILLED_BY_DJANGO = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "audit_logs",
    "audit_logs_default",
}


def test_every_table_in_public_has_a_decision_here():
    # A new table (or partition) without an expectation fails here, not silently later.
    tables = fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p')"
    )
    assert {table for (table,) in tables} == set(EXPECTED)


def test_the_world_has_rows_in_every_table_and_the_owner_sees_them_all(world):
    # Otherwise "sees every row" or "sees nothing" could hold for an empty table. Django's
    # owner connection is outside row level security: it reads every row the world made,
    # secrets and partitions included.
    for table in EXPECTED:
        keys = all_keys(table)
        assert keys, f"{table} is empty"
        if table not in FILLED_BY_DJANGO:
            assert keys == world.keys(table, world.rows[table]), table


def read_as(world: World, actor: str, table: str):
    """What ``SELECT`` of the table gives ``actor``: DENIED, or the sorted tags of its rows."""
    outcome = run(world, actor, f"SELECT {key_sql(table)} FROM {table}")
    if outcome == denied(table):
        return DENIED
    if isinstance(outcome, Refused):
        return outcome  # some other refusal: shown as is in the failed comparison
    return sorted(world.label(table, key) for (key,) in outcome)


def expected_read(world: World, table: str, expected):
    if expected == DENIED:
        return DENIED
    keys = all_keys(table) if expected == EVERY else world.keys(table, expected)
    return sorted(world.label(table, key) for key in keys)


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_select_returns_exactly_the_expected_rows(world, table):
    # Raw SQL, not the ORM: the soft-delete managers would hide deleted rows themselves.
    seen = {actor: read_as(world, actor, table) for actor in ACTORS}
    wanted = {actor: expected_read(world, table, EXPECTED[table][actor]) for actor in ACTORS}
    assert seen == wanted


# --- Inserting rows that belong to someone else ---------------------------------------------------


def public_product(world: World) -> str:
    return world.key("products", "public")


def other_public_product(world: World) -> str:
    # Where A has no alive review (one per user and product).
    return world.key("products", "public_2")


# A new row of each table that belongs to ``owner`` ("a" or "b"): a row of theirs, or a child
# of their parent row. Valid in every other respect, so the owner is all that differs.
NEW_ROWS = {
    "users": lambda w, owner: {"id": uuid7(), "email": f"new.{owner}@example.com", "password": ""},
    "customer_profiles": lambda w, owner: {"user_id": w.user(owner).pk},
    "user_addresses": lambda w, owner: {
        "user_id": w.user(owner).pk,
        "full_name": "Mallory",
        "phone": "+919999999999",
        "line1": "1 MG Road",
        "city": "Pune",
        "state": "Maharashtra",
        "postal_code": "411001",
    },
    "user_roles": lambda w, owner: {"user_id": w.user(owner).pk, "role_id": w.role_ids["customer"]},
    "email_otps": lambda w, owner: {
        "user_id": w.user(owner).pk,
        "email": w.user(owner).email,
        "purpose": "login",
        "code_hash": "0" * 64,
        "expires_at": timezone.now() + timedelta(hours=1),
    },
    "carts": lambda w, owner: {"user_id": w.user(owner).pk},
    "cart_items": lambda w, owner: {
        "cart_id": w.key("carts", owner),
        "product_id": public_product(w),
        "quantity": 1,
        # Replaced by the shop's price (cart_items_priced_by_the_shop, test_client_writes.py).
        "unit_price": Decimal("1.00"),
        "cost_price": Decimal("1.00"),
    },
    "wishlists": lambda w, owner: {"user_id": w.user(owner).pk, "name": "Later"},
    "wishlist_items": lambda w, owner: {
        "wishlist_id": w.key("wishlists", owner),
        "product_id": other_public_product(w),
    },
    "orders": lambda w, owner: {
        "order_number": f"SO-NEW-{owner}",
        "user_id": w.user(owner).pk,
        "email": w.user(owner).email,
        "subtotal": Decimal("1.00"),
        "grand_total": Decimal("1.00"),
        "shipping_address": {},
        "billing_address": {},
    },
    "order_items": lambda w, owner: {
        "order_id": w.key("orders", owner),
        "product_id": public_product(w),
        "product_name": "Free shirt",
        "quantity": 1,
        "unit_price": Decimal("1.00"),
        "cost_price": Decimal("1.00"),
        "line_total": Decimal("1.00"),
    },
    "invoices": lambda w, owner: {
        "order_id": w.key("orders", owner),
        "financial_year": "2026-27",
        "subtotal": Decimal("1.00"),
        "grand_total": Decimal("1.00"),
        "billing_snapshot": {},
    },
    "invoice_versions": lambda w, owner: {
        "invoice_id": w.key("invoices", owner),
        "version_number": 2,
        "snapshot": {},
    },
    "invoice_line_items": lambda w, owner: {
        "invoice_id": w.key("invoices", owner),
        "description": "Refund",
        "quantity": 1,
        "unit_price": Decimal("1.00"),
        "line_total": Decimal("1.00"),
    },
    "payment_transactions": lambda w, owner: {
        "order_id": w.key("orders", owner),
        "razorpay_order_id": f"order_forged_{owner}",
        "amount": Decimal("1.00"),
    },
    "notifications": lambda w, owner: {
        "user_id": w.user(owner).pk,
        "type": "system",
        "title": "Your account is suspended, log in here",
    },
    "notification_preferences": lambda w, owner: {
        "user_id": w.user(owner).pk,
        "channel": "email",
        "type": "order",
    },
    "reviews": lambda w, owner: {
        "product_id": other_public_product(w),
        "user_id": w.user(owner).pk,
        "rating": 1,
    },
    "product_questions": lambda w, owner: {
        "product_id": public_product(w),
        "user_id": w.user(owner).pk,
        "question": "Is it genuine?",
    },
}

# The tables of NEW_ROWS into which A may insert a row of A's own.
A_MAY_INSERT = {
    "user_addresses",
    "carts",
    "cart_items",
    "wishlists",
    "wishlist_items",
    "notification_preferences",
    "reviews",
    "product_questions",
}
# A has no INSERT privilege at all on these; on the others a policy decides.
NO_INSERT_PRIVILEGE = {"users", "email_otps"}


@pytest.mark.parametrize("table", sorted(NEW_ROWS))
def test_insert_of_a_row_belonging_to_another_user_is_refused(world, table):
    refusal = denied(table) if table in NO_INSERT_PRIVILEGE else violates_policy(table)
    bs_row = insert_sql(table, NEW_ROWS[table](world, "b"))
    own_row = insert_sql(table, NEW_ROWS[table](world, "a"))
    before = all_keys(table)

    assert run(world, "a", *bs_row) == refusal
    assert run(world, "anon", *own_row) == denied(table)
    assert all_keys(table) == before
    # The same row with A as its owner: accepted where A may insert at all.
    assert run(world, "a", *own_row) == (1 if table in A_MAY_INSERT else refusal)


# What a customer's new row may not carry: what moderation, checkout and the shop decide.
# Each forgery is a function of the world and the honest row.
FORGERIES = {
    "review-published": ("reviews", lambda w, row: {"status": "published"}),
    "review-rejected": ("reviews", lambda w, row: {"status": "rejected"}),
    "review-verified": ("reviews", lambda w, row: {"is_verified_purchase": True}),
    "review-of-a-draft": ("reviews", lambda w, row: {"product_id": w.key("products", "draft")}),
    "question-published": ("product_questions", lambda w, row: {"status": "published"}),
    "question-of-a-draft": (
        "product_questions",
        lambda w, row: {"product_id": w.key("products", "draft")},
    ),
    "question-answered": (
        "product_questions",
        lambda w, row: {"answer": "Yes, 100% genuine", "answered_at": timezone.now()},
    ),
    "question-answered-by-admin": (
        "product_questions",
        lambda w, row: {"answered_by_id": w.admin.pk},
    ),
    "cart-converted": ("carts", lambda w, row: {"status": "converted"}),
    "cart-giftcard": ("carts", lambda w, row: {"giftcard_total": Decimal("5000.00")}),
    "cart-shipping": ("carts", lambda w, row: {"shipping_total": Decimal("1.00")}),
    "cart-item-reserved": ("cart_items", lambda w, row: {"reserved_quantity": 1}),
    "cart-item-reserved-until": (
        "cart_items",
        lambda w, row: {"reserved_until": timezone.now() + timedelta(days=365)},
    ),
}


@pytest.mark.parametrize(("table", "forged"), FORGERIES.values(), ids=FORGERIES.keys())
def test_a_customers_new_row_cannot_carry_what_the_shop_decides(world, table, forged):
    row = NEW_ROWS[table](world, "a")
    forgery = insert_sql(table, {**row, **forged(world, row)})
    assert run(world, "a", *forgery) == violates_policy(table)
    assert run(world, "a", *insert_sql(table, row)) == 1


# --- Changing or deleting rows that are not one's own -------------------------------------------

# The rows customer A may change or delete: A's own, in the tables whose policies allow it.
# Every other row of every table is someone else's (or the shop's), or A's own but not A's to
# change (A's order, A's role).
A_MAY_UPDATE = {
    "users": {"a"},
    "customer_profiles": {"a"},
    "user_addresses": {"a"},
    "carts": {"a"},
    "cart_items": {"a"},
    "wishlists": {"a"},
    "wishlist_items": {"a"},
    "reviews": {"a_pending", "a_deleted"},
    "product_questions": {"a_pending"},
    "notifications": {"a"},
    "notification_preferences": {"a"},
}
A_MAY_DELETE = {
    table: tags
    for table, tags in A_MAY_UPDATE.items()
    if table not in ("users", "customer_profiles", "notifications")
}
# Tables an authenticated client may read but never change (the backend writes them).
READ_ONLY = {"audit_logs", "payment_webhook_logs"}


def a_update_outcome(table: str, reached: int = 0):
    """What A's UPDATE gives: refused where A has no UPDATE privilege, else ``reached`` rows."""
    closed = EXPECTED[table]["a"] == DENIED
    return denied(table) if closed or table in READ_ONLY else reached


def a_delete_outcome(table: str, reached: int = 0):
    return denied(table) if table == "users" else a_update_outcome(table, reached)


def aimed_update(table: str) -> str:
    """``UPDATE`` of the rows with these keys, rewriting them as they are: still a change if a
    policy lets it through (the row count says so, and updated_at moves)."""
    column = key_columns(table)[0]
    return f"UPDATE {table} SET {column} = {column} WHERE {key_sql(table)} = ANY(%s)"


def aimed_delete(table: str) -> str:
    return f"DELETE FROM {table} WHERE {key_sql(table)} = ANY(%s)"


def blind_update(table: str) -> str:
    """``UPDATE`` of every row that reads no column. A statement that reads columns (a WHERE)
    is also filtered by the SELECT policies; this one meets the UPDATE policies alone."""
    has_updated_at = fetch_one(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s AND column_name = 'updated_at'",
        [table],
    )
    # Django's own tables have no updated_at; they are closed, so any column will do.
    column = "updated_at" if has_updated_at else key_columns(table)[0]
    return f"UPDATE {table} SET {column} = DEFAULT"


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_update_and_delete_of_rows_not_ones_own_change_nothing(world, table):
    own_to_update = world.keys(table, A_MAY_UPDATE.get(table, ()))
    own_to_delete = world.keys(table, A_MAY_DELETE.get(table, ()))
    targets = sorted(all_keys(table) - own_to_update - own_to_delete)
    before = snapshot(table, set(targets))
    # The aimed statements do reach A's own rows where A may change them: the zeros below are
    # the policies' doing, not a statement that could match nothing.
    if own_to_update:
        assert run(world, "a", aimed_update(table), [sorted(own_to_update)]) == len(own_to_update)

    for statement in (aimed_update(table), aimed_delete(table)):
        assert run(world, "anon", statement, [targets]) == denied(table)
    assert run(world, "a", aimed_update(table), [targets]) == a_update_outcome(table)
    assert run(world, "a", aimed_delete(table), [targets]) == a_delete_outcome(table)
    # "Everything": only A's own rows are reached.
    assert run(world, "anon", blind_update(table)) == denied(table)
    assert run(world, "anon", f"DELETE FROM {table}") == denied(table)
    assert run(world, "a", blind_update(table)) == a_update_outcome(table, len(own_to_update))
    assert run(world, "a", f"DELETE FROM {table}") == a_delete_outcome(table, len(own_to_delete))

    assert snapshot(table, set(targets)) == before


# Tables admins read but do not change through the API: accounts and rights are managed in
# Django or by super admins, the audit trail and webhook log are written by the backend. An
# admin's UPDATE of every row reaches only their own users row.
ADMIN_READS_ONLY = {
    "users": (1, denied("users")),
    "roles": (0, 0),
    "permissions": (0, 0),
    "role_permissions": (0, 0),
    "user_roles": (0, 0),
    "audit_logs": (denied("audit_logs"), denied("audit_logs")),
    "payment_webhook_logs": (denied("payment_webhook_logs"), denied("payment_webhook_logs")),
}


@pytest.mark.parametrize("table", sorted(ADMIN_READS_ONLY))
def test_an_admin_reads_but_does_not_change_these_tables(world, table):
    update, delete = ADMIN_READS_ONLY[table]
    others = all_keys(table) - world.keys(table, ["admin"] if table == "users" else [])
    before = snapshot(table, others)
    assert run(world, "admin", blind_update(table)) == update
    assert run(world, "admin", f"DELETE FROM {table}") == delete
    assert snapshot(table, others) == before
    # What the admin may not change, the super admin may (where anyone may through the API).
    if update == 0:
        assert run(world, "super_admin", blind_update(table)) == len(others)


@pytest.mark.parametrize(
    ("table", "to_b"),
    [
        ("user_addresses", "user_id = %(b)s"),
        ("wishlists", "user_id = %(b)s"),
        ("notification_preferences", "user_id = %(b)s"),
        ("wishlist_items", "wishlist_id = %(bs_wishlist)s"),
    ],
)
def test_a_cannot_move_own_rows_into_bs_account(world, table, to_b):
    # Planting an address or a wishlist in someone else's account. No WHERE: the policies
    # reach A's own row, and the new row meets the UPDATE policy's WITH CHECK alone (a WHERE
    # would add the SELECT policy as a second check, hiding a weak WITH CHECK).
    params = {"b": world.b.pk, "bs_wishlist": world.key("wishlists", "b")}
    assert run(world, "a", f"UPDATE {table} SET {to_b}", params) == violates_policy(table)


# --- Privilege escalation -------------------------------------------------------------------------

# What anyone may change of their own users row through the API.
USER_COLUMNS = "first_name, last_name, phone"


def user_role_sql(world: World, user: str, role: str) -> tuple[str, list]:
    return insert_sql(
        "user_roles", {"user_id": world.user(user).pk, "role_id": world.role_ids[role]}
    )


ESCALATIONS = [
    # A customer makes themselves staff.
    pytest.param(
        "a",
        lambda w: user_role_sql(w, "a", "admin"),
        violates_policy("user_roles"),
        id="customer-grants-self-admin",
    ),
    pytest.param(
        "a",
        lambda w: (
            "UPDATE user_roles SET role_id = %s WHERE user_id = %s",
            [w.role_ids["super_admin"], w.a.pk],
        ),
        0,
        id="customer-turns-own-role-into-super-admin",
    ),
    pytest.param(
        "a",
        lambda w: insert_sql("roles", {"name": "admin"}),
        violates_policy("roles"),
        id="customer-creates-a-role",
    ),
    # An admin makes themselves (or a friend) more than an admin.
    pytest.param(
        "admin",
        lambda w: user_role_sql(w, "admin", "super_admin"),
        violates_policy("user_roles"),
        id="admin-grants-self-super-admin",
    ),
    pytest.param(
        "admin",
        lambda w: user_role_sql(w, "b", "admin"),
        violates_policy("user_roles"),
        id="admin-grants-a-customer-admin",
    ),
    pytest.param(
        "admin",
        lambda w: (
            "UPDATE user_roles SET role_id = %s WHERE user_id = %s",
            [w.role_ids["super_admin"], w.admin.pk],
        ),
        0,
        id="admin-turns-own-role-into-super-admin",
    ),
    pytest.param(
        "admin",
        lambda w: ("DELETE FROM user_roles WHERE user_id = %s", [w.super_admin.pk]),
        0,
        id="admin-demotes-the-super-admin",
    ),
    pytest.param(
        "admin",
        lambda w: insert_sql(
            "role_permissions",
            {"role_id": w.role_ids["customer"], "permission_id": w.key("permissions", "shop")},
        ),
        violates_policy("role_permissions"),
        id="admin-gives-customers-a-permission",
    ),
    pytest.param(
        "admin",
        # A soft-deleted role counts for nothing: this would demote every super admin.
        lambda w: (
            "UPDATE roles SET deleted_at = now() WHERE id = %s",
            [w.role_ids["super_admin"]],
        ),
        0,
        id="admin-disables-the-super-admin-role",
    ),
    pytest.param(
        "admin",
        lambda w: ("UPDATE users SET is_staff = true WHERE id = %s", [w.b.pk]),
        0,
        id="admin-makes-a-customer-staff",
    ),
    # The users guard exempts nobody: not even an admin raises their own Django rights.
    pytest.param(
        "admin",
        lambda w: ("UPDATE users SET is_superuser = true WHERE id = %s", [w.admin.pk]),
        guarded("users", USER_COLUMNS),
        id="admin-makes-self-django-superuser",
    ),
    # Accounts are managed through Django: a super admin's API client does not edit users.
    pytest.param(
        "super_admin",
        lambda w: ("UPDATE users SET is_superuser = true WHERE id = %s", [w.b.pk]),
        0,
        id="super-admin-makes-a-customer-django-superuser",
    ),
]


# Where rights live: none of it may change.
RIGHTS = ("users", "roles", "user_roles", "role_permissions")


def rights() -> dict[str, dict[str, str]]:
    return {table: snapshot(table, all_keys(table)) for table in RIGHTS}


@pytest.mark.parametrize(("actor", "statement", "outcome"), ESCALATIONS)
def test_privilege_escalation_is_refused(world, actor, statement, outcome):
    before = rights()
    assert run(world, actor, *statement(world)) == outcome
    assert rights() == before


def test_a_super_admin_may_grant_roles_and_the_grant_takes_effect(world):
    # The positive side of the escalation tests: the same statement from the one who may.
    read = "SELECT id::text FROM invitation"
    assert run(world, "b", read) == []
    assert run(world, "super_admin", *user_role_sql(world, "b", "admin")) == 1
    assert {key for (key,) in run(world, "b", read)} == world.keys("invitation", ["shop"])


@pytest.mark.parametrize("demotion", ["deactivated", "soft_deleted", "role_soft_deleted"])
def test_an_admin_who_lost_the_role_sees_no_admin_rows(world, demotion):
    bs_order = world.key("orders", "b")
    read = "SELECT id::text FROM orders"
    assert {key for (key,) in run(world, "admin", read)} == all_keys("orders")
    if demotion == "deactivated":
        execute("UPDATE users SET is_active = false WHERE id = %s", [world.admin.pk])
    elif demotion == "soft_deleted":
        execute("UPDATE users SET deleted_at = now() WHERE id = %s", [world.admin.pk])
    else:
        execute("UPDATE roles SET deleted_at = now() WHERE id = %s", [world.role_ids["admin"]])
    assert run(world, "admin", read) == []
    assert run(world, "admin", "SELECT id FROM invitation") == []
    update = "UPDATE orders SET order_status = 'cancelled', cancelled_at = now() WHERE id = %s"
    assert run(world, "admin", update, [bs_order]) == 0
    # The super admin holds another role and is untouched.
    assert {key for (key,) in run(world, "super_admin", read)} == all_keys("orders")


@pytest.mark.parametrize(
    ("inviter", "role", "outcome"),
    [
        # An invitation to an admin role grants it: only a super admin makes one.
        ("admin", "super_admin", violates_policy("invitation")),
        ("admin", "admin", violates_policy("invitation")),
        ("admin", "customer", 1),
        ("super_admin", "admin", 1),
    ],
)
def test_only_a_super_admin_invites_to_an_admin_role(world, inviter, role, outcome):
    invitation = {
        "email": "my.other.address@example.com",
        "role_id": world.role_ids[role],
        "token_hash": "f" * 64,
        "invited_by_id": getattr(world, inviter).pk,
        "expires_at": timezone.now() + timedelta(days=7),
    }
    assert run(world, inviter, *insert_sql("invitation", invitation)) == outcome


# --- Column guards: what a customer may change in their own rows ----------------------------------

COLUMN_GUARDS = [
    # (table, A's row, a column A may not change, a change A may make, what A may change)
    ("users", "a", "is_superuser = true", "first_name = 'Ada'", USER_COLUMNS),
    ("users", "a", "is_staff = true", "phone = '+910000000000'", USER_COLUMNS),
    ("users", "a", "email = 'mallory@example.com'", "last_name = 'L'", USER_COLUMNS),
    ("users", "a", "is_active = false", "first_name = 'A'", USER_COLUMNS),
    (
        "customer_profiles",
        "a",
        "loyalty_points = 1000000",
        "marketing_opt_in = NOT marketing_opt_in",
        "date_of_birth, gender, marketing_opt_in",
    ),
    ("reviews", "a_pending", "status = 'published'", "body = 'Edited'", "rating, title, body"),
    ("reviews", "a_pending", "is_verified_purchase = true", "rating = 5", "rating, title, body"),
    ("reviews", "a_pending", "product_id = %(draft)s", "title = 'Meh'", "rating, title, body"),
    ("product_questions", "a_pending", "status = 'published'", "question = 'Why?'", "question"),
    (
        "product_questions",
        "a_pending",
        "answer = 'Yes', answered_at = now()",
        "question = 'Really?'",
        "question",
    ),
    (
        "notifications",
        "a",
        "title = 'You won a prize'",
        "is_read = true, read_at = now()",
        "is_read, read_at",
    ),
    (
        "carts",
        "a",
        "giftcard_total = 5000",
        "applied_discount_codes = '[]'",
        "applied_discount_codes",
    ),
    ("carts", "a", "status = 'active'", "applied_discount_codes = '[]'", "applied_discount_codes"),
    ("cart_items", "a", "unit_price = 0.01", "quantity = quantity + 1", "quantity"),
    ("cart_items", "a", "discount_amount = 1", "quantity = 7", "quantity"),
]


@pytest.mark.parametrize(("table", "tag", "forbidden", "allowed", "may_change"), COLUMN_GUARDS)
def test_a_customer_changes_only_the_allowed_columns_of_own_rows(
    world, table, tag, forbidden, allowed, may_change
):
    params = {"row": world.key(table, tag), "draft": world.key("products", "draft")}
    before = snapshot(table, {params["row"]})
    change = f"UPDATE {table} SET {{}} WHERE id = %(row)s"
    assert run(world, "a", change.format(forbidden), params) == guarded(table, may_change)
    assert snapshot(table, {params["row"]}) == before
    assert run(world, "a", change.format(allowed), params) == 1


@pytest.mark.parametrize(
    ("table", "column"), [("reviews", "body"), ("product_questions", "question")]
)
def test_an_edit_of_published_text_goes_back_to_moderation(world, table, column):
    # Publish something harmless, then edit it into spam: the edit must not go public.
    spam = "Buy cheap followers at example.net"
    published = world.key(table, "b_published")
    read = f"SELECT id::text FROM {table} WHERE id = %s"
    edit = f"UPDATE {table} SET {column} = %s WHERE id = %s"
    assert run(world, "anon", read, [published]) == [(published,)]
    assert run(world, "b", edit, [spam, published]) == 1
    assert run(world, "anon", read, [published]) == []
    assert fetch_one(f"SELECT status FROM {table} WHERE id = %s", [published]) == "pending"


# --- Columns a readable row must not reveal ------------------------------------------------------


# The shop's cost and the staff's password hashes sit in rows these actors read: row level
# security cannot hide a column, column privileges do (checked column by column in
# test_client_writes.py). An admin reading a super admin's hash could crack it offline.
@pytest.mark.parametrize(
    ("actor", "table", "column"),
    [
        ("admin", "users", "password"),
        ("a", "users", "password"),
        ("anon", "products", "cost_price"),
        ("anon", "product_variants", "cost_price"),
        ("admin", "products", "cost_price"),
        ("a", "cart_items", "cost_price"),
        ("a", "order_items", "cost_price"),
        ("a", "payment_transactions", "razorpay_signature"),
        ("admin", "payment_transactions", "razorpay_signature"),
    ],
)
def test_a_hidden_column_is_refused_in_rows_the_actor_reads(world, actor, table, column):
    assert run(world, actor, f"SELECT count(*) FROM {table}") != [(0,)]
    assert run(world, actor, f"SELECT {column} FROM {table}") == denied(table)
    # Nor used as an oracle (PostgREST's ?password=like.pbkdf2*): a filter reads it too.
    oracle = f"SELECT count(*) FROM {table} WHERE {column}::text LIKE %s"
    assert run(world, actor, oracle, ["%"]) == denied(table)
    # PostgREST's select=*, and a whole row as JSON.
    assert run(world, actor, f"SELECT * FROM {table}") == denied(table)
    assert run(world, actor, f"SELECT row_to_json(t)::text FROM {table} t") == denied(table)
