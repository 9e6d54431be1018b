"""The migration history is reversible: to zero and forward again leaves the same schema."""

import pytest
from django.core.management import call_command

from tests.support import fetch

SNAPSHOT_QUERIES = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attgenerated
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
        FROM pg_trigger WHERE NOT tgisinternal""",
    "functions": """
        SELECT p.pronamespace::regnamespace::text || '.' || p.proname,
               pg_get_function_identity_arguments(p.oid), p.proconfig::text, p.prosecdef
        FROM pg_proc p
        WHERE p.pronamespace::regnamespace::text IN ('public', 'private', 'auth')""",
    "row_level_security": """
        SELECT relname, relforcerowsecurity FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relrowsecurity""",
    "policies": """
        SELECT tablename, policyname, cmd, roles::text, qual, with_check
        FROM pg_policies""",
    "grants": """
        SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
        WHERE grantee IN ('anon', 'authenticated', 'service_role')""",
    "comments": """
        SELECT c.relname, obj_description(c.oid, 'pg_class')
        FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace""",
}


def schema_snapshot() -> dict[str, set[tuple]]:
    return {name: set(fetch(sql)) for name, sql in SNAPSHOT_QUERIES.items()}


@pytest.mark.django_db(transaction=True)
def test_the_whole_history_migrates_to_zero_and_back_leaving_nothing_behind():
    before = schema_snapshot()
    django_only = {
        name: {row for row in rows if str(row[0]).startswith(("auth_", "django_"))}
        for name, rows in before.items()
    }

    # Every app's first migration depends on shop.0001, so this unapplies the project's whole
    # history (and Django's admin, whose log points at users).
    call_command("migrate", "shop", "zero", verbosity=0)
    emptied = schema_snapshot()
    leftovers = {name: rows - django_only[name] for name, rows in emptied.items()}
    assert leftovers == {name: set() for name in leftovers}

    call_command("migrate", verbosity=0)
    assert schema_snapshot() == before
