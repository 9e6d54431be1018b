"""Row level security for the shop's content (see shop.db.policies)."""

from django.db import migrations

from shop.db.policies import access, admins, everyone_reads, table_access_sql

PUBLISHED_BLOG = "status = 'published' AND NOT is_deleted AND published_at <= now()"

TABLES = [
    access("blogs", everyone_reads(PUBLISHED_BLOG), admins()),
    access(
        "blog_subsections",
        everyone_reads("NOT is_deleted AND blog_id IN (SELECT id FROM public.blogs)"),
        admins(),
    ),
    # Storage metadata of files (paths, checksums), including invoice PDFs: admins only.
    # Public images are served from their URLs on products and blogs.
    access("uploads", admins()),
]


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_pinned_search_path"),
        ("shop", "0004_supabase_auth"),
    ]

    operations = [migrations.RunSQL(*table_access_sql(*TABLES))]
