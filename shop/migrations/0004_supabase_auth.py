"""Supabase's API roles and ``auth`` functions where missing; the ``private`` policy helpers.

On Supabase the roles ``anon``, ``authenticated``, ``service_role`` and the ``auth`` schema exist:
they are left untouched. On plain PostgreSQL this creates compatible ones, so the same policies
and the same tests run everywhere. What this migration creates carries the comment prefix
``shopdb:``, and only that is removed on the way back. Roles belong to the whole cluster (other
databases may use them), so they stay.
"""

from django.db import migrations

MARK = "shopdb:"

CREATE_ROLES_SQL = """
DO $$
DECLARE
    api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
            -- Like Supabase: NOLOGIN roles a connection switches to; only service_role
            -- bypasses row level security.
            EXECUTE pg_catalog.format(
                'CREATE ROLE %I NOLOGIN NOINHERIT%s', api_role,
                CASE WHEN api_role = 'service_role' THEN ' BYPASSRLS' ELSE '' END);
            -- A non-superuser owner must be a member to SET ROLE (superusers always may).
            IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
                EXECUTE pg_catalog.format('GRANT %I TO %I', api_role, current_user);
            END IF;
        END IF;
    END LOOP;
END
$$;
"""

# Supabase's definitions (claims from request.jwt.claims, falling back to the older single-claim
# settings), with a pinned search_path and qualified names.
AUTH_FUNCTIONS = {
    "uid() RETURNS uuid": "coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),"
    " (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid",
    "role() RETURNS text": "coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),"
    " (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text",
    "email() RETURNS text": "coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.email', true), ''),"
    " (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text",
    "jwt() RETURNS jsonb": "coalesce(nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),"
    " nullif(pg_catalog.current_setting('request.jwt.claims', true), ''))::jsonb",
}

CREATE_AUTH_SQL = f"""
DO $do$
BEGIN
    IF pg_catalog.to_regnamespace('auth') IS NULL THEN
        CREATE SCHEMA auth;
        COMMENT ON SCHEMA auth IS '{MARK} Supabase-compatible auth functions (on Supabase, Supabase''s own)';
        GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
        -- Supabase grants these; a plain database must too, or no client could use the tables.
        GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
    END IF;
END
$do$;
""" + "".join(
    f"""
DO $do$
BEGIN
    IF pg_catalog.to_regprocedure('auth.{signature.split(" ")[0]}') IS NULL THEN
        CREATE FUNCTION auth.{signature} LANGUAGE sql STABLE SET search_path = ''
            AS $$ SELECT {body} $$;
        COMMENT ON FUNCTION auth.{signature.split(" ")[0]} IS '{MARK} as Supabase''s auth.{signature.split(" ")[0]}';
    END IF;
END
$do$;
"""
    for signature, body in AUTH_FUNCTIONS.items()
)

DROP_AUTH_SQL = f"""
DO $$
DECLARE
    ours regprocedure;
BEGIN
    FOR ours IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = pg_catalog.to_regnamespace('auth')
          AND pg_catalog.obj_description(p.oid, 'pg_proc') LIKE '{MARK}%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || ours;
    END LOOP;
    IF pg_catalog.obj_description(pg_catalog.to_regnamespace('auth'), 'pg_namespace') LIKE '{MARK}%' THEN
        DROP SCHEMA auth;
        REVOKE USAGE ON SCHEMA public FROM anon, authenticated, service_role;
    END IF;
END
$$;
"""

# Admin checks for policies. SECURITY DEFINER, so they read user_roles whatever its own policies
# say (a policy on user_roles that reads user_roles would recurse); search_path '' so nobody can
# shadow a name they use; in a schema PostgREST does not expose, so no client calls them as RPC.
# A deactivated or soft-deleted user has no role, nor does a soft-deleted role.
CREATE_PRIVATE_SQL = """
CREATE SCHEMA private;
COMMENT ON SCHEMA private IS 'Helpers for row level security policies; never exposed through the API.';
REVOKE ALL ON SCHEMA private FROM PUBLIC;
GRANT USAGE ON SCHEMA private TO authenticated, service_role;

CREATE FUNCTION private.has_role(role_names text[]) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT EXISTS (
        SELECT FROM public.user_roles ur
        JOIN public.roles r ON r.id = ur.role_id
        JOIN public.users u ON u.id = ur.user_id
        WHERE ur.user_id = auth.uid() AND r.name = ANY (role_names)
          AND NOT r.is_deleted AND u.is_active AND NOT u.is_deleted
    )
$$;
COMMENT ON FUNCTION private.has_role(text[]) IS 'Whether the signed-in user (auth.uid()) holds one of these roles.';

CREATE FUNCTION private.is_admin() RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$ SELECT private.has_role(ARRAY['admin', 'super_admin']) $$;
COMMENT ON FUNCTION private.is_admin() IS 'The signed-in user is an admin or a super admin.';

CREATE FUNCTION private.is_super_admin() RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$ SELECT private.has_role(ARRAY['super_admin']) $$;
COMMENT ON FUNCTION private.is_super_admin() IS 'The signed-in user is a super admin.';

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA private FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA private TO authenticated, service_role;
"""

DROP_PRIVATE_SQL = """
DROP FUNCTION private.is_super_admin();
DROP FUNCTION private.is_admin();
DROP FUNCTION private.has_role(text[]);
DROP SCHEMA private;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_pinned_search_path"),
        ("accounts", "0002_pinned_search_path_and_customer_columns"),
    ]

    operations = [
        migrations.RunSQL(sql=CREATE_ROLES_SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(sql=CREATE_AUTH_SQL, reverse_sql=DROP_AUTH_SQL),
        migrations.RunSQL(sql=CREATE_PRIVATE_SQL, reverse_sql=DROP_PRIVATE_SQL),
    ]
