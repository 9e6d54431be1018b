"""Staff sign in to the API as role ``shop_staff``: a customer's statement plans as
``user_id = $0``, which an index serves, even when the client leaves its filter to row level
security.

Permissive policies are ORed. With the admins' policies on role ``authenticated``, a customer's
``select * from orders order by created_at desc limit 20`` was filtered by ``(user_id = $0 AND
NOT is_deleted) OR $1``: an ``OR`` no index serves, so PostgreSQL walked every order (410 ms at
1M orders for a customer with a handful). A policy applies only to the roles it names, so the
admins' policies now name ``shop_staff`` and a customer's statement carries the owner's
condition alone (0.16 ms through ``idx_orders_user_newest``).

- ``shop_staff`` is a NOLOGIN role that inherits ``authenticated`` (its privileges and its
  policies: a staff member is a signed-in user too). The admins' policies still check
  ``private.is_admin()``: the role only says which policies to consider, the roles in
  ``user_roles`` still decide.
- Who gets it: ``private.api_role(user_id)``, ``shop_staff`` for an active admin or super admin,
  else ``authenticated``. On Supabase the access token says it: ``private.
  custom_access_token_hook`` is a Custom Access Token hook that sets the ``role`` claim, and
  PostgREST switches to that role (``authenticator`` is granted ``shop_staff`` here). Until the
  hook is enabled (docs/supabase.md), staff sign in as ``authenticated`` and see what a customer
  sees.
- The triggers that treat a client's write differently from the owner's count ``shop_staff`` as
  a client (the migrations after this one, from ``shop.db.triggers.CLIENT_WRITER``).

Roles belong to the cluster: the role stays on the way back, the policies and functions go.
"""

from django.db import migrations

STAFF = "shop_staff"
ADMIN_POLICY = r"policyname ~ '_(super_)?admin_(all|select|insert|update|delete)$'"


def _retarget(from_role: str, to_role: str) -> str:
    """ALTER every admins' policy of ``public`` on ``from_role`` to ``to_role``."""
    return f"""
DO $$
DECLARE
    found record;
BEGIN
    FOR found IN SELECT tablename, policyname FROM pg_catalog.pg_policies
                 WHERE schemaname = 'public' AND {ADMIN_POLICY} AND roles = '{{{from_role}}}'
    LOOP
        EXECUTE pg_catalog.format('ALTER POLICY %I ON public.%I TO {to_role}',
                                  found.policyname, found.tablename);
    END LOOP;
END $$;
"""


FORWARD = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{STAFF}') THEN
        CREATE ROLE {STAFF} NOLOGIN INHERIT;
    END IF;
    GRANT authenticated TO {STAFF};
    -- A non-superuser owner must be a member to SET ROLE; PostgREST's login role too.
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE pg_catalog.format('GRANT {STAFF} TO %I', current_user);
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticator') THEN
        GRANT {STAFF} TO authenticator;
    END IF;
END $$;

CREATE FUNCTION private.api_role(user_id uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE SET search_path = '' AS $$
    SELECT CASE WHEN EXISTS (
        SELECT FROM public.user_roles ur
        JOIN public.roles r ON r.id = ur.role_id
        JOIN public.users u ON u.id = ur.user_id
        WHERE ur.user_id = api_role.user_id AND r.name IN ('admin', 'super_admin')
          AND NOT r.is_deleted AND u.is_active AND NOT u.is_deleted
    ) THEN '{STAFF}' ELSE 'authenticated' END
$$;
COMMENT ON FUNCTION private.api_role(uuid) IS
    'The database role a signed-in user''s requests run as: {STAFF} for admins, else authenticated.';
REVOKE ALL ON FUNCTION private.api_role(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.api_role(uuid) TO service_role;

-- Supabase Auth calls it before issuing an access token (Authentication > Hooks > Custom
-- Access Token): the token's role claim is the role PostgREST switches to.
CREATE FUNCTION private.custom_access_token_hook(event jsonb) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT pg_catalog.jsonb_set(
        event, '{{claims,role}}',
        pg_catalog.to_jsonb(private.api_role((event ->> 'user_id')::uuid)))
$$;
COMMENT ON FUNCTION private.custom_access_token_hook(jsonb) IS
    'Supabase Custom Access Token hook: role {STAFF} for admins, authenticated for the others.';
REVOKE ALL ON FUNCTION private.custom_access_token_hook(jsonb) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'supabase_auth_admin') THEN
        GRANT USAGE ON SCHEMA private TO supabase_auth_admin;
        GRANT EXECUTE ON FUNCTION private.custom_access_token_hook(jsonb) TO supabase_auth_admin;
    END IF;
END $$;
""" + _retarget("authenticated", STAFF)

REVERSE = (
    _retarget(STAFF, "authenticated")
    + """
DROP FUNCTION private.custom_access_token_hook(jsonb);
DROP FUNCTION private.api_role(uuid);
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0009_parallel_safe_helpers_and_api_jit"),
        ("accounts", "0004_admin_names"),
        ("catalog", "0009_category_listing_and_bounded_search"),
        ("content", "0004_policies_look_up_parents"),
        ("notifications", "0005_newest_first_indexes_and_owner_policy"),
        ("orders", "0009_customer_policies_payments_and_deleted_orders"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
