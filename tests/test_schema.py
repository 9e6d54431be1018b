"""The schema as a whole: tables, types, ids, comments, indexes, ON DELETE rules, triggers.

These read PostgreSQL's catalog, so they check what `migrate` really built, whoever wrote the
migration (Django's autodetector or a hand-written RunSQL).
"""

import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from shop.db.backend.schema import on_delete_sql
from shop.db.ids import uuid7
from tests.support import fetch

pytestmark = pytest.mark.django_db

PLAN_TABLES = {
    # accounts
    "users", "admin_profiles", "customer_profiles", "user_addresses", "roles", "permissions",
    "role_permissions", "user_roles", "invitation", "email_otps",
    # catalog
    "products", "product_variants", "product_faqs", "product_questions", "collections",
    "collection_products", "reviews", "tags", "tiers", "product_categories",
    "inventory_locations", "inventory", "inventory_adjustments", "variant_inventory_adjustments",
    # orders
    "carts", "cart_items", "orders", "order_items", "payment_transactions",
    "payment_webhook_logs", "invoices", "invoice_versions", "invoice_line_items", "wishlists",
    "wishlist_items",
    # orders, beyond the plan: what a partitioned log and gapless invoice numbers need
    "payment_webhook_events", "invoice_number_counters",
    # content
    "blogs", "blog_subsections", "uploads",
    # notifications
    "notifications", "notification_templates", "notification_preferences",
    "notification_delivery_logs",
    # shop
    "audit_logs",
}  # fmt: skip
DJANGO_TABLES = {
    "auth_group", "auth_group_permissions", "auth_permission", "django_admin_log",
    "django_content_type", "django_migrations", "django_session",
}  # fmt: skip
PARTITIONED = {"audit_logs": "timestamp", "notifications": "created_at",
               "payment_webhook_logs": "created_at"}  # fmt: skip
COMPOSITE_PRIMARY_KEY = {"product_categories": ["product_id", "tier_id"]}


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.db_table in PLAN_TABLES]


def test_public_schema_holds_exactly_the_plan_tables_and_djangos_own():
    tables = {
        name
        for (name,) in fetch(
            """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"""
        )
    }
    assert tables == PLAN_TABLES | DJANGO_TABLES


def test_every_plan_table_has_a_model_and_every_model_a_table():
    assert {m._meta.db_table for m in project_models()} == PLAN_TABLES
    assert len(project_models()) == len(PLAN_TABLES)


def test_no_timestamp_without_time_zone():
    naive = fetch(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'"""
    )
    assert naive == []


def test_partitioned_tables_are_partitioned_by_range_on_their_timestamp():
    rows = fetch(
        """SELECT c.relname, p.partstrat, a.attname
           FROM pg_partitioned_table p
           JOIN pg_class c ON c.oid = p.partrelid
           JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
           ORDER BY 1"""
    )
    assert rows == [(table, "r", column) for table, column in sorted(PARTITIONED.items())]


def primary_keys() -> dict[str, list[tuple[str, str, str | None]]]:
    """table -> [(column, type, default)] of its primary key, for non-partition tables."""
    rows = fetch(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                  pg_get_expr(d.adbin, d.adrelid)
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
           LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
           WHERE n.nspname = 'public' AND i.indisprimary AND NOT c.relispartition
           ORDER BY c.relname, k.ord"""
    )
    keys: dict[str, list] = {}
    for table, column, type_, default in rows:
        keys.setdefault(table, []).append((column, type_, default))
    return keys


def test_every_primary_key_is_a_uuid_v7_generated_by_the_database():
    keys = primary_keys()
    for table in PLAN_TABLES:
        if table in COMPOSITE_PRIMARY_KEY:
            assert [column for column, _, _ in keys[table]] == COMPOSITE_PRIMARY_KEY[table]
            continue
        expected = [("id", "uuid", "uuid_generate_v7()")]
        if table in PARTITIONED:
            # The partition key must be part of the primary key of a partitioned table.
            expected.append((PARTITIONED[table], "timestamp with time zone", None))
        got = [(c, t, d if c == "id" else None) for c, t, d in keys[table]]
        assert got == expected, table


def test_uuid_generate_v7_and_the_python_default_make_version_7_ids_in_time_order():
    first, second = fetch("SELECT uuid_generate_v7() FROM generate_series(1, 2)")
    python_id = uuid7()
    for value in (first[0], second[0], python_id):
        assert isinstance(value, uuid.UUID)
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
    # The first 48 bits are Unix milliseconds: ids made later sort later.
    assert first[0].int >> 80 <= second[0].int >> 80 <= python_id.int >> 80


def test_every_table_and_json_or_generated_column_has_a_comment():
    uncommented = fetch(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND obj_description(c.oid, 'pg_class') IS NULL
             AND c.relname <> ALL(%s)""",
        [sorted(DJANGO_TABLES)],
    )
    assert uncommented == []
    uncommented_columns = fetch(
        """SELECT c.relname, a.attname FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND a.attnum > 0 AND NOT a.attisdropped
             AND (a.atttypid IN ('jsonb'::regtype, 'json'::regtype, 'tsvector'::regtype)
                  OR a.attgenerated <> '')
             AND col_description(c.oid, a.attnum) IS NULL"""
    )
    assert uncommented_columns == []


def test_every_foreign_key_leads_an_index():
    """Deletes on the referenced table and joins scan the FK columns: they must be indexed."""
    unindexed = fetch(
        """SELECT con.conrelid::regclass::text, con.conname
           FROM pg_constraint con
           JOIN pg_class c ON c.oid = con.conrelid
           WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace
             AND NOT c.relispartition
             AND NOT EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = con.conrelid AND i.indpred IS NULL
                 AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] = con.conkey
             )"""
    )
    assert unindexed == []


def test_no_index_duplicates_or_is_a_redundant_prefix_of_another():
    """A non-unique index whose keys lead another index with the same predicate is dead weight."""
    redundant = fetch(
        """SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
           FROM pg_index a
           JOIN pg_index b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
           JOIN pg_class t ON t.oid = a.indrelid
           JOIN pg_class ia ON ia.oid = a.indexrelid
           JOIN pg_class ib ON ib.oid = b.indexrelid
           WHERE t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
             AND t.relname <> ALL(%s)
             AND ia.relam = ib.relam
             AND NOT a.indisunique
             AND a.indexprs IS NULL AND b.indexprs IS NULL
             AND pg_get_expr(a.indpred, a.indrelid) IS NOT DISTINCT FROM
                 pg_get_expr(b.indpred, b.indrelid)
             AND a.indnkeyatts <= b.indnkeyatts
             AND (a.indkey::int2[])[0:a.indnkeyatts - 1] = (b.indkey::int2[])[0:a.indnkeyatts - 1]
             AND (a.indclass::oid[])[0:a.indnkeyatts - 1] = (b.indclass::oid[])[0:a.indnkeyatts - 1]
             AND (a.indoption::int2[])[0:a.indnkeyatts - 1]
                 = (b.indoption::int2[])[0:a.indnkeyatts - 1]
             AND (a.indnkeyatts < b.indnkeyatts OR a.indexrelid > b.indexrelid)""",
        [sorted(DJANGO_TABLES)],
    )
    assert redundant == []


CONFDELTYPE = {
    "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d", "RESTRICT": "r", "NO ACTION": "a",
}  # fmt: skip


def database_foreign_keys() -> dict[tuple[str, str], str]:
    """(table, column) -> confdeltype for every single-column FK in public."""
    rows = fetch(
        """SELECT c.relname, a.attname, con.confdeltype
           FROM pg_constraint con
           JOIN pg_class c ON c.oid = con.conrelid
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
           WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace
             AND NOT c.relispartition AND array_length(con.conkey, 1) = 1"""
    )
    return {(table, column): rule for table, column, rule in rows}


def test_every_foreign_keys_on_delete_rule_is_in_the_database_as_the_model_declares():
    in_database = database_foreign_keys()
    declared = {}
    for model in project_models():
        for field in model._meta.local_fields:
            if field.remote_field is not None and field.db_constraint:
                declared[(model._meta.db_table, field.column)] = CONFDELTYPE[on_delete_sql(field)]
    assert {k: v for k, v in in_database.items() if k[0] in PLAN_TABLES} == declared


def test_every_table_keeps_updated_at_by_trigger():
    tables_with_updated_at = {
        table
        for (table,) in fetch(
            """SELECT table_name FROM information_schema.columns
               WHERE table_schema = 'public' AND column_name = 'updated_at'"""
        )
    }
    with_trigger = {
        table
        for (table,) in fetch(
            """SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE t.tgname LIKE 'pgtrigger_keep_audit_fields_%' AND NOT c.relispartition"""
        )
    }
    assert tables_with_updated_at >= PLAN_TABLES
    assert with_trigger == PLAN_TABLES


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_delete_behaviour_doc_is_current():
    from shop.management.commands.delete_rules import delete_rules_markdown

    path = Path(__file__).resolve().parent.parent / "docs" / "delete-behaviour.md"
    assert path.read_text() == delete_rules_markdown(), (
        "docs/delete-behaviour.md is stale: run `python manage.py delete_rules --write`"
    )


def test_every_declared_column_constraint_and_index_exists_in_the_database():
    """Django's state and the database agree, also where a RunSQL built the table by hand."""
    columns = set(
        fetch(
            """SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
               WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
                 AND NOT a.attisdropped AND NOT c.relispartition"""
        )
    )
    named = set(
        fetch("SELECT conrelid::regclass::text, conname FROM pg_constraint")
        + fetch("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'")
    )
    for model in project_models():
        table = model._meta.db_table
        declared_columns = {(table, f.column) for f in model._meta.concrete_fields}
        assert declared_columns <= columns, declared_columns - columns
        declared_names = {
            (table, obj.name) for obj in [*model._meta.constraints, *model._meta.indexes]
        }
        assert declared_names <= named, declared_names - named
        database_columns = {column for t, column in columns if t == table}
        assert database_columns == {column for _, column in declared_columns}, table
