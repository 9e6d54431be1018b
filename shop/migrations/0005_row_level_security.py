"""Row level security for the audit trail and Django's own tables (see shop.db.policies)."""

from django.db import migrations

from shop.db.policies import SELECT, access, admins, closed, table_access_sql

TABLES = [
    # Admins read the trail; nobody edits it through the API (rows come from the backend).
    access("audit_logs", admins(SELECT)),
    # A partition read directly, bypassing its parent's policies: closed.
    closed("audit_logs_default"),
    # Django's tables hold sessions, the admin's log and migration state: none of a client's
    # business. Django reaches them as the owner, outside row level security.
    *(
        closed(table)
        for table in (
            "django_migrations",
            "django_content_type",
            "django_admin_log",
            "django_session",
            "auth_permission",
            "auth_group",
            "auth_group_permissions",
        )
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_supabase_auth"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunSQL(*table_access_sql(*TABLES))]
