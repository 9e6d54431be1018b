"""Volume load: customers (users, profiles, addresses) and a handful of staff with real roles.

Customer n signs up at the n-th quantile of a growing history, so customer numbers follow
sign-up order; ``vol_user`` (n, id, created_at) is what the later steps draw customers from.
"""

from typing import TYPE_CHECKING

from shop.perf.volume_sql import DOMAIN, Tag

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan
    from shop.perf.volume_loader import Loader

# Staff users per role of shop.seeds: admins make row level security's admin paths real.
STAFF = (("super_admin", 2), ("admin", 4), ("support", 4), ("warehouse", 3))
# Customer n has a second address when n * 7 % 10 < 3 (30 %).
SECOND_ADDRESS = "u.n * 7 % 10 < 3"


def load(loader: "Loader", plan: "VolumePlan") -> None:
    users = plan.users
    loader.stage(
        "vol_user",
        f"""SELECT n, t AS created_at, pg_temp.vol_uuid(t, {Tag.USER}, n) AS id
        FROM (SELECT n, pg_temp.vol_time((n - random()) / {users}) AS t
              FROM generate_series(1, {users}) n) s""",
    )
    loader.execute("CREATE UNIQUE INDEX ON vol_user (n)")
    loader.load(
        "users",
        f"""INSERT INTO public.users (id, password, last_login, email, phone, first_name,
                                      last_name, is_active, is_staff, is_superuser,
                                      email_verified_at, created_at, updated_at)
        SELECT u.id, '!volume', pg_temp.vol_between(u.created_at, now(), random()),
               'customer' || u.n || '@{DOMAIN}', '+91' || (9000000000 + u.n),
               pg_temp.vol_first_name(u.n), pg_temp.vol_last_name(u.n), true, false, false,
               CASE WHEN random() < 0.8 THEN u.created_at + interval '4 minutes' END,
               u.created_at, u.created_at
        FROM vol_user u ORDER BY u.n""",
    )
    loader.load(
        "customer_profiles",
        f"""INSERT INTO public.customer_profiles (id, user_id, date_of_birth, gender,
                                                  marketing_opt_in, loyalty_points, created_at,
                                                  updated_at)
        SELECT pg_temp.vol_uuid(u.created_at, {Tag.CUSTOMER_PROFILE}, u.n), u.id,
               CASE WHEN r.birth < 0.6 THEN date '1965-01-01' + (r.birth * 24000)::int END,
               CASE WHEN r.gender < 0.46 THEN 'female' WHEN r.gender < 0.9 THEN 'male'
                    WHEN r.gender < 0.92 THEN 'other' ELSE 'undisclosed' END,
               r.opt_in < 0.4, floor(2000 * power(r.points, 4))::int,
               u.created_at, u.created_at
        FROM vol_user u
        CROSS JOIN LATERAL (SELECT random() AS birth, random() AS gender, random() AS opt_in,
                                   random() AS points, u.n AS n) r
        ORDER BY u.n""",
    )
    loader.load(
        "user_addresses",
        f"""INSERT INTO public.user_addresses (id, user_id, label, full_name, phone, line1,
                                               line2, landmark, city, state, postal_code,
                                               country, is_default_shipping, is_default_billing,
                                               created_at, updated_at)
        SELECT pg_temp.vol_uuid(u.created_at, {Tag.USER_ADDRESS}, u.n * 2 + a.variant), u.id,
               CASE a.variant WHEN 0 THEN 'Home' ELSE 'Work' END,
               j ->> 'full_name', j ->> 'phone', j ->> 'line1', j ->> 'line2', j ->> 'landmark',
               j ->> 'city', j ->> 'state', j ->> 'postal_code', j ->> 'country',
               a.variant = 0, a.variant = 0, u.created_at, u.created_at
        FROM vol_user u
        CROSS JOIN LATERAL (SELECT 0 AS variant UNION ALL
                            SELECT 1 WHERE {SECOND_ADDRESS}) a
        CROSS JOIN LATERAL pg_temp.vol_address(u.n, a.variant) j
        ORDER BY u.n, a.variant""",
    )
    load_staff(loader)


def load_staff(loader: "Loader") -> None:
    """A handful of staff, each holding one of the seeded roles (user_roles keeps its audit
    trigger: the trail of these few rows is written by the database itself)."""
    staff = " UNION ALL ".join(
        f"SELECT '{role}' AS role, k FROM generate_series(1, {count}) k" for role, count in STAFF
    )
    loader.stage(
        "vol_staff",
        f"""SELECT s.role, s.k, pg_temp.vol_uuid(now() - interval '2 years', {Tag.USER},
                                                 1000000000000 + row_number() OVER ()) AS id,
                   'staff-' || replace(s.role, '_', '-') || '-' || s.k || '@{DOMAIN}' AS email
        FROM ({staff}) s""",
    )
    loader.load(
        "users",
        """INSERT INTO public.users (id, password, email, first_name, last_name, is_active,
                                     is_staff, is_superuser, email_verified_at, created_at,
                                     updated_at)
        SELECT s.id, '!volume', s.email, initcap(replace(s.role, '_', ' ')), 'No. ' || s.k,
               true, true, s.role = 'super_admin', now() - interval '2 years',
               now() - interval '2 years', now() - interval '2 years'
        FROM vol_staff s""",
        label="users (staff)",
    )
    loader.load(
        "admin_profiles",
        f"""INSERT INTO public.admin_profiles (id, user_id, display_name, job_title, department,
                                               created_at, updated_at)
        SELECT pg_temp.vol_uuid(now() - interval '2 years', {Tag.ADMIN_PROFILE},
                                row_number() OVER ()),
               s.id, initcap(replace(s.role, '_', ' ')) || ' ' || s.k,
               initcap(replace(s.role, '_', ' ')), 'Operations',
               now() - interval '2 years', now() - interval '2 years'
        FROM vol_staff s""",
    )
    loader.load(
        "user_roles",
        """INSERT INTO public.user_roles (user_id, role_id)
        SELECT s.id, r.id FROM vol_staff s
        JOIN public.roles r ON r.name = s.role AND NOT r.is_deleted""",
    )
