"""Row level security's helpers are PARALLEL SAFE, and the API roles run without JIT.

A function is PARALLEL UNSAFE unless it says otherwise, and a statement that calls one gets no
parallel worker: every statement under row level security ran on one core, the admin's lists
through the API at twice the owner's time. ``auth.uid()`` and the role checks only read settings
and tables, which parallel workers may do (the leader's settings, the request's claims included,
are copied to its workers). ``auth.*`` is changed only where shopdb created it: Supabase's own
functions belong to Supabase.

JIT compiles a plan whose cost passes ``jit_above_cost``: on the API's short statements it only
adds compile time (0.4 s on the orders statement that left its filter to row level security).
``ALTER ROLE ... SET`` is what PostgREST applies to the role it switches to (impersonated role
settings, PostgREST 11.1 and later), so it holds for every request of that role; Supabase's
documentation sets ``statement_timeout`` the same way. Roles are the cluster's: on a shared
development server the setting holds for these roles in every database, which is harmless,
and it stays on the way back, as the roles themselves do (shop 0004).
"""

from django.db import migrations

HELPERS = (
    "private.has_role(text[])",
    "private.is_admin()",
    "private.is_super_admin()",
    "private.prefix_tsquery(text)",
)
OURS_IN_AUTH = "pg_catalog.obj_description(p.oid, 'pg_proc') LIKE 'shopdb:%'"
API_ROLES = ("anon", "authenticated")


def _helpers(parallel: str) -> str:
    return "\n".join(
        [
            *(f"ALTER FUNCTION {f} PARALLEL {parallel};" for f in HELPERS),
            f"""DO $$
DECLARE
    ours regprocedure;
BEGIN
    FOR ours IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
                WHERE p.pronamespace = pg_catalog.to_regnamespace('auth') AND {OURS_IN_AUTH}
    LOOP
        EXECUTE 'ALTER FUNCTION ' || ours || ' PARALLEL {parallel}';
    END LOOP;
END $$;""",
        ]
    )


FORWARD = _helpers("SAFE") + "".join(f"\nALTER ROLE {r} SET jit = off;" for r in API_ROLES)
REVERSE = _helpers("UNSAFE")


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0008_has_role_plpgsql"),
        ("catalog", "0008_search_products_function"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
