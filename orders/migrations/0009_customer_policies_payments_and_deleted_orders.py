"""A customer reads the payment transactions of their own orders, never the provider's
signature; a soft-deleted order is no longer the customer's to read.

Only admins could read ``payment_transactions``, so a customer's order page could not say
whether a payment was captured, failed or refunded. Rows now follow their order, as order items
do (whoever may see the order sees its payments: the order's own policies decide, looked up by
primary key). ``razorpay_signature`` proves a payment to the backend and is withheld from every
client with column privileges, as cost prices are: a client lists the columns it reads.

The owner's read policy on orders adds ``NOT is_deleted``, for the reason notifications 0005
gives: a PostgREST request's filter values are parameters, and only a condition of the policy
lets a generic plan use the partial indexes (``idx_orders_user_newest``); the app hides a
deleted order from its customer already.
"""

from django.db import migrations

TABLE = 'public."payment_transactions"'
POLICY = '"payment_transactions_via_orders_select"'
HIDDEN = "razorpay_signature"

OWNER = "user_id = ( SELECT auth.uid() AS uid)"
ORDERS_POLICY = 'ALTER POLICY "orders_owner_select" ON public."orders" USING ({});'

FORWARD = (
    ORDERS_POLICY.format(f"{OWNER} AND NOT is_deleted")
    + f"""
CREATE POLICY {POLICY} ON {TABLE} AS PERMISSIVE FOR SELECT TO authenticated
    USING (EXISTS (SELECT FROM public."orders" AS parent WHERE parent.id = payment_transactions.order_id));
REVOKE SELECT ON {TABLE} FROM authenticated;
DO $$ BEGIN
    EXECUTE pg_catalog.format('GRANT SELECT (%s) ON {TABLE} TO authenticated', (
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum)
        FROM pg_catalog.pg_attribute
        WHERE attrelid = '{TABLE}'::regclass AND attnum > 0 AND NOT attisdropped
          AND attname <> '{HIDDEN}'));
END $$;
"""
)

REVERSE = (
    ORDERS_POLICY.format(OWNER)
    + f"""
DROP POLICY {POLICY} ON {TABLE};
REVOKE SELECT ON {TABLE} FROM authenticated;
GRANT SELECT ON {TABLE} TO authenticated;
"""
)


class Migration(migrations.Migration):
    dependencies = [("orders", "0008_newest_first_and_number_search_indexes")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
