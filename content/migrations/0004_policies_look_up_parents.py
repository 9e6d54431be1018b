"""Blog subsections check their blog by primary key (see catalog 0007 for why).

Who sees what is unchanged; the reverse restores 0003's policy.
"""

from importlib import import_module

from django.db import migrations

from shop.db.policies import parent_visible, replace_policies_sql, rewritten

LANDED = import_module("content.migrations.0003_row_level_security")

TABLES = rewritten(
    LANDED.TABLES,
    {"blog_id IN (SELECT id FROM public.blogs)": parent_visible("blogs", "blog_id")},
)


class Migration(migrations.Migration):
    dependencies = [("content", "0003_row_level_security")]

    operations = [migrations.RunSQL(*replace_policies_sql(LANDED.TABLES, TABLES))]
