"""The machinery of row level security: roles, auth functions, helpers, grants, acting_as.

Which rows each actor sees and may change is proven table by table in test_rls_attacks.py.
"""

import importlib
import json
import re

import pytest
from django.db import DatabaseError

from catalog.models import Product
from shop.db.policies import (
    DELETE,
    SELECT,
    UPDATE,
    access,
    admins,
    owner,
    replace_policies_sql,
    rewritten,
)
from shop.db.rls import acting_as, acting_as_anon, acting_as_service
from tests.factories import (
    CartFactory,
    CartItemFactory,
    OrderFactory,
    ProductFactory,
    RoleFactory,
    UserFactory,
    UserRoleFactory,
)
from tests.support import execute, fetch, fetch_one

pytestmark = pytest.mark.django_db

supabase_auth = importlib.import_module("shop.migrations.0004_supabase_auth")

# What anon may read: the published catalogue and content. Everything else is closed to it.
ANON_READABLE = {
    "products",
    "product_variants",
    "product_faqs",
    "reviews",
    "product_questions",
    "tiers",
    "product_categories",
    "collections",
    "collection_products",
    "tags",
    "blogs",
    "blog_subsections",
}


def session_state() -> tuple:
    return fetch_one(
        "SELECT current_user, current_setting('request.jwt.claims', true), auth.uid()::text"
    )


# --- Supabase compatibility -------------------------------------------------------------------


def test_the_api_roles_exist_as_supabase_has_them():
    rows = fetch(
        """SELECT rolname, rolcanlogin, rolbypassrls, rolsuper FROM pg_roles
           WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY rolname"""
    )
    assert rows == [
        ("anon", False, False, False),
        ("authenticated", False, False, False),
        ("service_role", False, True, False),
    ]


@pytest.mark.parametrize(
    ("jwt_settings", "expected"),
    [
        # PostgREST today: all claims as one JSON document.
        (
            {
                "request.jwt.claims": '{"sub": "0190c9a4-0000-7000-8000-000000000001", '
                '"role": "authenticated", "email": "a@example.com"}'
            },
            ("0190c9a4-0000-7000-8000-000000000001", "authenticated", "a@example.com"),
        ),
        # Older PostgREST: one setting per claim, which wins when both are present.
        (
            {
                "request.jwt.claim.sub": "0190c9a4-0000-7000-8000-000000000002",
                "request.jwt.claims": '{"sub": "0190c9a4-0000-7000-8000-000000000001"}',
            },
            ("0190c9a4-0000-7000-8000-000000000002", None, None),
        ),
        ({}, (None, None, None)),
    ],
)
def test_auth_functions_read_the_jwt_claims_like_supabase(jwt_settings, expected):
    for name, value in jwt_settings.items():
        execute("SELECT set_config(%s, %s, true)", [name, value])
    assert fetch_one("SELECT auth.uid()::text, auth.role(), auth.email()") == expected
    claims = jwt_settings.get("request.jwt.claims")
    # Django's connection hands jsonb back as text (JSONField decodes it itself).
    jwt = fetch_one("SELECT auth.jwt()")
    assert (json.loads(jwt) if jwt else None) == (json.loads(claims) if claims else None)


def test_existing_auth_functions_are_left_untouched():
    # On Supabase auth.uid() is Supabase's: running the migration again must not replace it.
    execute(
        "CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid $$"
    )
    execute(supabase_auth.CREATE_AUTH_SQL)
    assert fetch_one("SELECT prosrc FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure") == (
        " SELECT NULL::uuid "
    )


def test_admin_helpers_are_security_definer_private_and_pinned():
    rows = fetch(
        """SELECT p.proname, p.prosecdef, p.provolatile, p.proconfig,
                  has_function_privilege('anon', p.oid, 'EXECUTE'),
                  has_function_privilege('authenticated', p.oid, 'EXECUTE')
           FROM pg_proc p WHERE p.pronamespace = 'private'::regnamespace ORDER BY 1"""
    )
    assert rows == [
        # Checkout (orders.services.place_order) runs as the owner; no client may call it.
        ("address_snapshot", False, "i", ['search_path=""'], False, False),
        # The role a user's requests run as: the Supabase hook's and acting_as's answer.
        ("api_role", True, "s", ['search_path=""'], False, False),
        # Fired by triggers only: PostgreSQL checks no EXECUTE privilege for a trigger.
        ("audit_row_change", True, "v", ['search_path=""'], False, False),
        ("cart_item_price", True, "s", ['search_path=""'], False, True),
        ("cart_line_snapshots", False, "s", ['search_path=""'], False, False),
        ("cart_line_stock", False, "s", ['search_path=""'], False, False),
        ("commit_cart_items", False, "v", ['search_path=""'], False, False),
        # Called by Supabase Auth (supabase_auth_admin) before it issues an access token.
        ("custom_access_token_hook", True, "s", ['search_path=""'], False, False),
        ("has_role", True, "s", ['search_path=""'], False, True),
        ("is_admin", False, "s", ['search_path=""'], False, True),
        ("is_super_admin", False, "s", ['search_path=""'], False, True),
        ("next_order_number", True, "v", ['search_path=""'], False, True),
        ("place_order", False, "v", ['search_path=""'], False, False),
        # Called by public.search_products (as its owner) and the admin (the owner).
        ("prefix_tsquery", False, "i", ['search_path=""'], False, False),
    ]
    assert fetch_one("SELECT has_schema_privilege('anon', 'private', 'USAGE')") is False


def test_has_role_is_plpgsql_so_its_plan_is_cached_not_made_at_every_call():
    language = "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
    assert fetch_one(f"{language} WHERE p.oid = 'private.has_role(text[])'::regprocedure") == (
        "plpgsql"
    )


@pytest.mark.parametrize(
    ("role_names", "is_admin", "is_super_admin"),
    [
        ([], False, False),
        (["customer"], False, False),
        (["admin"], True, False),
        (["super_admin"], True, True),
    ],
)
def test_admin_helpers_follow_the_users_roles(role_names, is_admin, is_super_admin):
    user = UserFactory()
    for name in role_names:
        UserRoleFactory(user=user, role=RoleFactory(name=name))
    with acting_as(user):
        assert fetch_one("SELECT private.is_admin(), private.is_super_admin()") == (
            is_admin,
            is_super_admin,
        )


# --- Every table, every function, every view ----------------------------------------------------


def test_row_level_security_is_on_for_every_table_and_never_forced():
    rows = fetch(
        """SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
           WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"""
    )
    assert len(rows) > 50
    # Not forced: the owner connection Django uses stays outside (admin, migrations).
    assert [row for row in rows if row[1:] != (True, False)] == []


def test_anon_reads_only_the_published_catalogue_and_content_and_writes_nothing():
    rows = fetch(
        """SELECT relname,
                  has_any_column_privilege('anon', oid, 'SELECT'),
                  has_table_privilege('anon', oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
           FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"""
    )
    assert {table for table, can_read, _ in rows if can_read} == ANON_READABLE
    assert [table for table, _, can_write in rows if can_write] == []


def test_no_client_role_may_truncate_reference_or_trigger_anything():
    assert (
        fetch(
            """SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
           WHERE table_schema = 'public' AND grantee IN ('anon', 'authenticated')
             AND privilege_type IN ('TRUNCATE', 'REFERENCES', 'TRIGGER')"""
        )
        == []
    )


def test_service_role_may_do_everything_everywhere():
    assert (
        fetch(
            """SELECT relname FROM pg_class
           WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
             AND NOT has_table_privilege('service_role', oid,
                                         'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')"""
        )
        == []
    )


def test_every_policy_names_its_role_and_calls_helpers_once_per_statement():
    policies = fetch(
        "SELECT tablename, policyname, roles::text[], coalesce(qual, '') || ' ' || "
        "coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public'"
    )
    assert len(policies) > 60
    for table, name, roles, expressions in policies:
        assert "public" not in roles, (table, name, roles)
        # Bare auth.uid() / private.is_admin() would run once per row; "( SELECT auth.uid()"
        # is an InitPlan, run once per statement.
        bare = re.findall(r"(?<!SELECT )\b(auth\.uid|private\.is_\w+)\(\)", expressions)
        assert bare == [], (table, name, expressions)


def test_every_column_a_policy_filters_by_leads_an_index():
    expressions = fetch(
        "SELECT tablename, coalesce(qual, '') || ' ' || coalesce(with_check, '') "
        "FROM pg_policies WHERE schemaname = 'public'"
    )
    filtered = {
        (table, column)
        for table, sql in expressions
        for column in re.findall(r"\((\w+) = \( SELECT auth\.uid\(\)", sql)
        + re.findall(r"\(parent\.id = \w+\.(\w+)\)", sql)
    }
    assert ("orders", "user_id") in filtered and ("cart_items", "cart_id") in filtered
    indexed = set(
        fetch(
            """SELECT c.relname, a.attname FROM pg_index i
               JOIN pg_class c ON c.oid = i.indrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
               WHERE c.relnamespace = 'public'::regnamespace"""
        )
    )
    assert filtered - indexed == set()


def test_child_rows_look_up_their_own_parent_by_primary_key():
    policies = fetch(
        "SELECT tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') "
        "FROM pg_policies WHERE schemaname = 'public'"
    )
    lookups = {
        (table, parent, child_table, key)
        for table, _, sql in policies
        for parent, child_table, key in re.findall(
            r"FROM (\w+) parent\s+WHERE \(parent\.id = (\w+)\.(\w+)\)", sql
        )
    }
    # The key is the policy's own table's column, never a column of the parent of that name.
    assert {(t, p, k) for t, p, c, k in lookups if c == t} == {
        ("cart_items", "carts", "cart_id"),
        ("wishlist_items", "wishlists", "wishlist_id"),
        ("order_items", "orders", "order_id"),
        ("payment_transactions", "orders", "order_id"),
        ("invoices", "orders", "order_id"),
        ("invoice_versions", "invoices", "invoice_id"),
        ("invoice_line_items", "invoices", "invoice_id"),
        ("product_variants", "products", "product_id"),
        ("product_faqs", "products", "product_id"),
        ("reviews", "products", "product_id"),
        ("product_questions", "products", "product_id"),
        ("product_categories", "products", "product_id"),
        ("product_categories", "tiers", "tier_id"),
        ("collection_products", "products", "product_id"),
        ("collection_products", "collections", "collection_id"),
        ("blog_subsections", "blogs", "blog_id"),
    }
    assert all(c == t for t, _, c, _ in lookups), lookups
    # "key IN (SELECT id FROM parent)" reads every parent row the role may see; only the
    # invitation rule keeps that form, over the handful of admin roles.
    whole_parent = {(table, name) for table, name, sql in policies if "IN ( SELECT" in sql}
    assert whole_parent == {
        ("invitation", "invitation_admin_insert"),
        ("invitation", "invitation_admin_update"),
    }


def test_a_rewritten_rule_replaces_only_the_policies_it_changes_and_reverses():
    landed = [access("notes", owner(SELECT, UPDATE)), access("tags", admins(SELECT))]
    [notes] = rewritten(landed, {"user_id = ": "author_id = "})
    sql, reverse_sql = replace_policies_sql(landed, [notes])
    assert sql.splitlines() == [
        'DROP POLICY "notes_owner_select" ON public."notes";',
        'CREATE POLICY "notes_owner_select" ON public."notes" AS PERMISSIVE FOR SELECT TO '
        "authenticated USING (author_id = (select auth.uid()));",
        'DROP POLICY "notes_owner_update" ON public."notes";',
        'CREATE POLICY "notes_owner_update" ON public."notes" AS PERMISSIVE FOR UPDATE TO '
        "authenticated USING (author_id = (select auth.uid())) "
        "WITH CHECK (author_id = (select auth.uid()));",
    ]
    assert reverse_sql.splitlines()[1] == (
        'CREATE POLICY "notes_owner_select" ON public."notes" AS PERMISSIVE FOR SELECT TO '
        "authenticated USING (user_id = (select auth.uid()));"
    )
    # Who may do what is a new table_access_sql, never a rewrite.
    with pytest.raises(ValueError, match="notes: policies or privileges differ"):
        replace_policies_sql(landed, [access("notes", owner(SELECT, UPDATE, DELETE))])


def test_a_cart_s_lines_probe_their_cart_by_primary_key_not_every_cart():
    customer = UserFactory()
    cart = CartFactory(user=customer)
    CartItemFactory.create_batch(2, cart=cart)
    # The planner picks the probe or a hash of every cart the role sees by their estimated cost,
    # so the test gives it a shop's proportions (guests' carts far outnumber one cart's lines,
    # and a customer keeps the carts their orders converted) rather than disabling scans:
    # PostgreSQL 18 no longer counts a disabled scan in the cost that decides between the two.
    execute("INSERT INTO carts (session_key) SELECT 'guest-' || n FROM generate_series(1, 20000) n")
    execute(
        "INSERT INTO carts (user_id, status) SELECT %s, 'converted' FROM generate_series(1, 200)",
        [customer.pk],
    )
    execute("ANALYZE carts, cart_items")
    with acting_as(customer):
        plan = "\n".join(
            row[0]
            for row in fetch(
                "EXPLAIN (COSTS OFF) SELECT id, quantity FROM cart_items WHERE cart_id = %s",
                [cart.id],
            )
        )
        assert len(fetch("SELECT id FROM cart_items WHERE cart_id = %s", [cart.id])) == 2
    # Never a hash of every cart the customer may see (OFFSET 0 in the lookup, shop 0012).
    assert "Index Cond: (id = cart_items.cart_id)" in plan, plan
    assert "hashed SubPlan" not in plan, plan


def test_no_function_has_a_mutable_search_path():
    # pgtrigger's trigger functions included (shop.db.triggers pins them).
    mutable = fetch(
        """SELECT p.oid::regprocedure::text FROM pg_proc p
           WHERE p.pronamespace IN ('public'::regnamespace, 'private'::regnamespace,
                                    'auth'::regnamespace)
             AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')"""
    )
    assert mutable == []
    assert (
        fetch_one(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
            "AND proname LIKE 'pgtrigger%'"
        )
        > 40
    )


def test_no_view_bypasses_row_level_security():
    # A view runs with its owner's rights unless security_invoker; a materialized view cannot
    # have row level security at all, so none may sit in the exposed schema.
    assert (
        fetch(
            """SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
             AND (relkind = 'm' OR (relkind = 'v'
                  AND NOT coalesce('security_invoker=true' = ANY (reloptions), false)))"""
        )
        == []
    )


# --- The owner connection and acting_as ---------------------------------------------------------


def test_the_owner_connection_stays_outside_row_level_security():
    assert (
        fetch_one("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        is True
    )
    draft = ProductFactory(status="draft")
    assert list(Product.objects.values_list("id", flat=True)) == [draft.id]
    with acting_as_anon():
        assert list(Product.objects.values_list("id", flat=True)) == []


def test_acting_as_switches_role_and_claims_and_restores_them():
    customer = UserFactory()
    before = session_state()
    with acting_as(customer):
        assert session_state()[0] == "authenticated"
        assert session_state()[2] == str(customer.id)
        with acting_as_service():
            assert session_state()[:1] == ("service_role",)
        assert session_state()[2] == str(customer.id)
    assert session_state() == before
    with acting_as_anon():
        assert session_state() == ("anon", '{"role": "anon"}', None)
    assert session_state() == before


def test_acting_as_restores_the_owner_even_on_error():
    customer = UserFactory()
    before = session_state()
    with pytest.raises(DatabaseError, match="permission denied for table email_otps"):
        with acting_as(customer):
            execute("SELECT * FROM email_otps")
    assert session_state() == before
    with pytest.raises(RuntimeError), acting_as(customer):
        raise RuntimeError("a bug in the code acting for the customer")
    assert session_state() == before


def test_the_orders_policy_runs_once_per_statement_not_per_row():
    customer = UserFactory()
    OrderFactory(user=customer)
    with acting_as(customer):
        plan = "\n".join(row[0] for row in fetch("EXPLAIN (COSTS OFF) SELECT * FROM orders"))
    assert "InitPlan" in plan, plan
    assert "SubPlan" not in plan, plan
