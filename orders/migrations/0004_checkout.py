"""Order numbers from a database sequence, and the ``cart_totals`` view."""

from django.db import migrations, models

import orders.models
from shop.db.policies import SERVICE_ROLE

# SECURITY DEFINER so that whoever inserts an order (checkout, an admin through the API) needs
# no privilege on the sequence itself. Past 99,999,999 the number simply grows a digit.
CREATE_ORDER_NUMBER_SQL = f"""
CREATE SEQUENCE public.order_number_seq;
COMMENT ON SEQUENCE public.order_number_seq IS 'Source of orders.order_number; never reused.';
CREATE FUNCTION private.next_order_number() RETURNS varchar
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'SO-' || CASE WHEN n < 100000000 THEN pg_catalog.lpad(n::text, 8, '0') ELSE n::text END
    FROM pg_catalog.nextval('public.order_number_seq') AS n
$$;
REVOKE ALL ON FUNCTION private.next_order_number() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.next_order_number() TO authenticated, {SERVICE_ROLE};
"""

DROP_ORDER_NUMBER_SQL = """
DROP FUNCTION private.next_order_number();
DROP SEQUENCE public.order_number_seq;
"""

# The plan's 6.2, computed from the lines that are not soft-deleted. security_invoker: it runs
# with the reader's rights, so the carts and cart_items policies decide whose totals one sees.
CREATE_CART_TOTALS_SQL = f"""
CREATE VIEW public.cart_totals WITH (security_invoker = true) AS
SELECT c.id AS cart_id,
       c.currency,
       count(ci.id)::integer AS item_count,
       coalesce(sum(ci.quantity), 0)::integer AS quantity,
       coalesce(sum(ci.line_subtotal), 0)::numeric(12, 2) AS subtotal,
       coalesce(sum(ci.discount_amount), 0)::numeric(12, 2) AS discount_total,
       c.shipping_total,
       c.giftcard_total,
       -- A gift card pays for the order; it is never paid out.
       greatest(coalesce(sum(ci.line_total), 0) + c.shipping_total - c.giftcard_total, 0)
           ::numeric(12, 2) AS grand_total
FROM public.carts c
LEFT JOIN public.cart_items ci ON ci.cart_id = c.id AND NOT ci.is_deleted
WHERE NOT c.is_deleted
GROUP BY c.id;
COMMENT ON VIEW public.cart_totals IS 'What each cart adds up to; computed, never stored (plan 6.2).';
REVOKE ALL ON public.cart_totals FROM anon, authenticated;
GRANT SELECT ON public.cart_totals TO authenticated, {SERVICE_ROLE};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(sql=CREATE_ORDER_NUMBER_SQL, reverse_sql=DROP_ORDER_NUMBER_SQL),
        migrations.AlterField(
            model_name="order",
            name="order_number",
            field=models.CharField(
                db_comment=(
                    "Customer-facing order number, e.g. SO-00001042, from order_number_seq. "
                    "Unique for ever: a soft-deleted order keeps its number."
                ),
                db_default=orders.models.NextOrderNumber(),
                max_length=32,
            ),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=CREATE_CART_TOTALS_SQL, reverse_sql="DROP VIEW public.cart_totals;"
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="CartTotal",
                    fields=[
                        (
                            "cart",
                            models.OneToOneField(
                                on_delete=models.DO_NOTHING,
                                primary_key=True,
                                related_name="totals",
                                serialize=False,
                                to="orders.cart",
                            ),
                        ),
                        ("currency", models.CharField(max_length=3)),
                        ("item_count", models.IntegerField(help_text="Lines in the cart.")),
                        ("quantity", models.IntegerField(help_text="Units in the cart.")),
                        ("subtotal", models.DecimalField(decimal_places=2, max_digits=12)),
                        ("discount_total", models.DecimalField(decimal_places=2, max_digits=12)),
                        ("shipping_total", models.DecimalField(decimal_places=2, max_digits=12)),
                        ("giftcard_total", models.DecimalField(decimal_places=2, max_digits=12)),
                        ("grand_total", models.DecimalField(decimal_places=2, max_digits=12)),
                    ],
                    options={"db_table": "cart_totals", "managed": False},
                ),
            ],
        ),
    ]
