from django.db import migrations

# Every app's first migration depends on this one: their primary keys default to this function,
# so rows written by Supabase clients or a SQL console get version-7 ids too.
# Written out here, not imported, because a migration is history: a change needs a new migration.
UUID_GENERATE_V7_SQL = """
CREATE OR REPLACE FUNCTION public.uuid_generate_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
SET search_path = ''
AS $$
  -- 48 bits of Unix time in milliseconds, then the random bits of a v4 UUID, with the
  -- version nibble turned from 0100 (4) into 0111 (7); the variant bits stay 10.
  -- pg_catalog is searched first even with an empty search_path.
  SELECT encode(
    set_bit(
      set_bit(
        overlay(
          uuid_send(gen_random_uuid())
          PLACING substring(
            int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3
          )
          FROM 1 FOR 6
        ),
        52, 1
      ),
      53, 1
    ),
    'hex'
  )::uuid
$$;
COMMENT ON FUNCTION public.uuid_generate_v7() IS
  'RFC 9562 version-7 UUID (Unix-millisecond time prefix); default of every primary key.';
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            sql=UUID_GENERATE_V7_SQL,
            reverse_sql="DROP FUNCTION public.uuid_generate_v7();",
        ),
    ]
