"""Blog subsections check their blog by primary key (see catalog 0007 for why).

Who sees what is unchanged; the reverse restores 0003's policy.
"""

from importlib import import_module

from django.db import migrations

from shop.db.policies import access, admins, everyone_reads, parent_visible, replace_policies_sql

LANDED = import_module("content.migrations.0003_row_level_security")

TABLES = [
    access(
        "blog_subsections",
        everyone_reads(f"NOT is_deleted AND {parent_visible('blogs', 'blog_id')}"),
        admins(),
    ),
]


class Migration(migrations.Migration):
    dependencies = [("content", "0003_row_level_security")]

    operations = [migrations.RunSQL(*replace_policies_sql(LANDED.TABLES, TABLES))]
