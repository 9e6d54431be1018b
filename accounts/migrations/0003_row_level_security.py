"""Row level security for the accounts tables (see shop.db.policies)."""

from django.db import migrations

from shop.db.policies import (
    ALL,
    DELETE,
    INSERT,
    SELECT,
    UPDATE,
    access,
    admins,
    closed,
    owner,
    super_admins,
    table_access_sql,
)

NOT_AN_ADMIN_ROLE = (
    "role_id NOT IN (SELECT id FROM public.roles WHERE name IN ('admin', 'super_admin'))"
)

TABLES = [
    # Their own row; the users_customer_columns trigger limits what they may change in it.
    # Admins read everyone; accounts are managed through Django (the owner connection). The
    # password hash is Django's and never leaves the database.
    access("users", owner(SELECT, UPDATE, column="id"), admins(SELECT), hidden=("password",)),
    access("admin_profiles", admins()),
    # Created at sign-up by the backend; the customer reads and edits it.
    access("customer_profiles", owner(SELECT, UPDATE), admins()),
    access("user_addresses", owner(ALL), admins()),
    # Roles and permissions: admins read them; granting them is a super admin's, since that is
    # how privileges are raised. A user reads their own role rows.
    access("roles", admins(SELECT), super_admins()),
    access("permissions", admins(SELECT), super_admins()),
    access("role_permissions", admins(SELECT), super_admins()),
    access("user_roles", owner(SELECT), admins(SELECT), super_admins()),
    # Admins invite staff and customers; an invitation to an admin role is a grant of it, so
    # only a super admin makes one.
    access(
        "invitation",
        admins(SELECT, DELETE),
        admins(INSERT, UPDATE, new_rows=NOT_AN_ADMIN_ROLE),
        super_admins(),
    ),
    # One-time codes: only the backend (service_role) ever reads or writes them.
    closed("email_otps"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_pinned_search_path_and_customer_columns"),
        ("shop", "0004_supabase_auth"),
    ]

    operations = [migrations.RunSQL(*table_access_sql(*TABLES))]
