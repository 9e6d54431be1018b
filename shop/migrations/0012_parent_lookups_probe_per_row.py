"""A child row's policy looks up its parent by primary key, row by row, never by hashing every
parent the customer owns.

``EXISTS (SELECT FROM orders parent WHERE parent.id = order_items.order_id)`` may be planned two
ways: a probe of ``orders_pkey`` per child row, or a hash of every order the role may see, built
once per statement. The planner picks by cost, and it cannot know how many orders the signed-in
customer has (``auth.uid()`` is a parameter): it assumes the average, about ten. Once the
customer's condition became index-friendly (shop 0010), it hashed: the heaviest customer's 20
newest orders with their item counts read all of their 31,281 orders (17.6 ms at scale 1),
and a payment of one order the same (9 ms). ``OFFSET 0`` keeps PostgreSQL from turning the
``EXISTS`` into a hashed ``IN``: every child row costs one primary-key probe (1.1 ms), whatever
the customer's history.

Every policy of ``public`` with such a parent lookup (``shop.db.policies.follows``) is rewritten
in place, its ``USING`` and ``WITH CHECK`` alike; the reverse takes the ``OFFSET 0`` out.
"""

from django.db import migrations

# The deparsed lookup: "WHERE (parent.id = order_items.order_id)))" ends the EXISTS.
LOOKUP = r"(WHERE \(parent\.id = \w+\.\w+\))\)"


def _rewrite(pattern: str, replacement: str) -> str:
    return f"""
DO $$
DECLARE
    found record;
    clause text;
BEGIN
    FOR found IN SELECT tablename, policyname, qual, with_check FROM pg_catalog.pg_policies
                 WHERE schemaname = 'public'
                   AND (qual ~ '{pattern}' OR with_check ~ '{pattern}')
    LOOP
        clause := '';
        IF found.qual ~ '{pattern}' THEN
            clause := ' USING (' || pg_catalog.regexp_replace(
                found.qual, '{pattern}', '{replacement}', 'g') || ')';
        END IF;
        IF found.with_check ~ '{pattern}' THEN
            clause := clause || ' WITH CHECK (' || pg_catalog.regexp_replace(
                found.with_check, '{pattern}', '{replacement}', 'g') || ')';
        END IF;
        EXECUTE pg_catalog.format('ALTER POLICY %I ON public.%I', found.policyname,
                                  found.tablename) || clause;
    END LOOP;
END $$;
"""


FORWARD = _rewrite(LOOKUP, r"\1 OFFSET 0)")
REVERSE = _rewrite(r"(WHERE \(parent\.id = \w+\.\w+\))\s+OFFSET 0\)", r"\1)")


class Migration(migrations.Migration):
    dependencies = [("shop", "0011_client_writer_includes_staff")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
