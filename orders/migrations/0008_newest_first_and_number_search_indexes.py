"""Orders newest first without a filter, for a customer and for the admin, and part of an order
number found by index (docs/performance.md, issue "pages stay fast at any size").

At 1M orders a customer's first page sorted all of the customer's orders (31k for the heaviest),
the admin's unfiltered list sorted every order, and ``order_number ILIKE '%12345%'`` read the
whole table. The btree indexes are built ``CONCURRENTLY``: orders keep being taken while they
build (the migration is not atomic; a failed build leaves an INVALID index that the reverse, or
a rerun after ``DROP INDEX``, clears).

The trigram index needs ``pg_trgm``. Supabase keeps extensions in schema ``extensions``; this
creates it there when it is missing, and refuses, naming the schema, when it is installed
elsewhere (moving someone's extension is their decision, not a migration's).
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import shop.db.indexes

MARK = "shopdb: created by orders 0008"

CREATE_PG_TRGM = f"""
DO $$
DECLARE
    installed_in text := (
        SELECT n.nspname FROM pg_catalog.pg_extension e
        JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
BEGIN
    IF installed_in IS NULL THEN
        CREATE SCHEMA IF NOT EXISTS extensions;
        CREATE EXTENSION pg_trgm WITH SCHEMA extensions;
        COMMENT ON EXTENSION pg_trgm IS '{MARK}';
    ELSIF installed_in <> 'extensions' THEN
        RAISE EXCEPTION 'pg_trgm is installed in schema %, the order number index needs it in '
            'schema extensions (as Supabase installs it): ALTER EXTENSION pg_trgm SET SCHEMA '
            'extensions, then migrate again.', installed_in
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END $$;
"""

# Only the extension this migration created goes with it.
DROP_PG_TRGM = f"""
DO $$
BEGIN
    IF pg_catalog.obj_description(
        (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'pg_trgm'), 'pg_extension'
    ) = '{MARK}' THEN
        DROP EXTENSION pg_trgm;
    END IF;
END $$;
"""


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("orders", "0007_customer_orders_newest_first_index")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["user", "-created_at", "-id"],
                name="idx_orders_user_newest",
            ),
        ),
        AddIndexConcurrently(
            model_name="order",
            index=shop.db.indexes.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["-created_at", "-id"],
                name="idx_orders_newest",
            ),
        ),
        migrations.RunSQL(CREATE_PG_TRGM, DROP_PG_TRGM),
        AddIndexConcurrently(
            model_name="order",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["order_number"],
                opclasses=["extensions.gin_trgm_ops"],
                name="idx_orders_number_trgm",
            ),
        ),
    ]
