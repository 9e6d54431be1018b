"""Checkout in one call: ``private.place_order``.

``orders.services.place_order`` sent 24 statements, and the stock row of a hot product stayed
locked from the 18th to the commit, while its transaction waited on Python. The function does
the checkout inside the database, in the order that keeps the hot lock shortest: the cart is
locked and checked, the order, its lines and the cart lines' snapshots are written, and only
then is the stock taken (``private.commit_cart_items``, catalog 0012), just before the commit.
Called on its own, it is one statement and one transaction.

It refuses, naming the rule (``CONSTRAINT``), a cart that is not the customer's
(``checkout_own_cart``), an address that is not (``checkout_own_address``), a cart that is not
active or is empty, and a line that is no longer for sale (``checkout_for_sale``). It returns
the order's row; a cart that already became an order returns that order. Only the shop (the
owner) calls it.
"""

from django.db import migrations

SNAPSHOTS = """
CREATE FUNCTION private.address_snapshot(address public.user_addresses) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    -- What an order keeps of an address: later edits of the address must not change it.
    SELECT pg_catalog.jsonb_build_object(
        'full_name', address.full_name, 'phone', address.phone, 'line1', address.line1,
        'line2', address.line2, 'landmark', address.landmark, 'city', address.city,
        'state', address.state, 'postal_code', address.postal_code, 'country', address.country)
$$;
REVOKE ALL ON FUNCTION private.address_snapshot(public.user_addresses) FROM PUBLIC;

CREATE FUNCTION private.cart_line_snapshots(of_cart uuid)
RETURNS TABLE (line_id uuid, product_id uuid, variant_id uuid, quantity integer,
               name varchar, sku varchar, image_url varchar, option_text varchar,
               unit_price numeric, cost_price numeric, not_for_sale text)
LANGUAGE sql STABLE SET search_path = '' AS $$
    -- The cart's live lines as the product (or its variant) is for sale now, in the order
    -- they were added; not_for_sale says why a line cannot be sold.
    SELECT ci.id, ci.product_id, ci.variant_id, ci.quantity, p.name,
           CASE WHEN v.id IS NULL THEN p.sku ELSE v.sku END,
           CASE WHEN v.image_url <> '' THEN v.image_url ELSE p.image_url END,
           CASE WHEN v.id IS NULL THEN '' ELSE v.option_name || ': ' || v.option_value END,
           CASE WHEN v.id IS NULL THEN p.selling_price ELSE v.selling_price END,
           CASE WHEN v.id IS NULL THEN p.cost_price ELSE v.cost_price END,
           CASE WHEN p.id IS NULL
                    THEN coalesce(nullif(ci.product_name, ''), 'A product')
                         || ' is no longer for sale.'
                WHEN p.is_deleted OR p.status <> 'active'
                    THEN p.name || ' is no longer for sale.'
                WHEN v.is_deleted OR NOT v.is_active
                    THEN p.name || ' (' || v.option_value || ') is no longer for sale.'
           END
      FROM public.cart_items ci
      LEFT JOIN public.products p ON p.id = ci.product_id
      LEFT JOIN public.product_variants v ON v.id = ci.variant_id
     WHERE ci.cart_id = of_cart AND NOT ci.is_deleted
     ORDER BY ci.created_at, ci.id
$$;
REVOKE ALL ON FUNCTION private.cart_line_snapshots(uuid) FROM PUBLIC;
"""

PLACE_ORDER = """
CREATE FUNCTION private.place_order(for_customer uuid, of_cart uuid, ship_to uuid,
                                    bill_to uuid, note text)
RETURNS public.orders LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    cart public.carts;
    shipping jsonb;
    billing jsonb;
    placed public.orders;
    refused text;
BEGIN
    -- Serialise checkouts of this cart: the second waits, then finds the first one's order.
    SELECT c.* INTO cart FROM public.carts c
     WHERE c.id = of_cart AND c.user_id = for_customer AND NOT c.is_deleted
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'checkout_own_cart: No such cart.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'checkout_own_cart';
    END IF;
    SELECT private.address_snapshot(a) INTO shipping FROM public.user_addresses a
     WHERE a.id = ship_to AND a.user_id = for_customer AND NOT a.is_deleted;
    billing := shipping;
    IF bill_to IS NOT NULL THEN
        SELECT private.address_snapshot(a) INTO billing FROM public.user_addresses a
         WHERE a.id = bill_to AND a.user_id = for_customer AND NOT a.is_deleted;
    END IF;
    IF shipping IS NULL OR billing IS NULL THEN
        RAISE EXCEPTION 'checkout_own_address: No such address.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'checkout_own_address';
    END IF;

    SELECT o.* INTO placed FROM public.orders o WHERE o.cart_id = cart.id;
    IF FOUND THEN
        RETURN placed;  -- a retry: the cart is already this order
    END IF;
    IF cart.status <> 'active' THEN
        RAISE EXCEPTION 'checkout_cart_active: The cart is %, not active.', cart.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'checkout_cart_active';
    END IF;
    IF NOT EXISTS (SELECT FROM public.cart_items ci
                    WHERE ci.cart_id = cart.id AND NOT ci.is_deleted) THEN
        RAISE EXCEPTION 'checkout_cart_not_empty: The cart is empty.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'checkout_cart_not_empty';
    END IF;
    SELECT s.not_for_sale INTO refused FROM private.cart_line_snapshots(cart.id) s
     WHERE s.not_for_sale IS NOT NULL LIMIT 1;
    IF refused IS NOT NULL THEN
        RAISE EXCEPTION 'checkout_for_sale: %', refused
            USING ERRCODE = 'check_violation', CONSTRAINT = 'checkout_for_sale';
    END IF;

    -- The order, its lines and the cart lines keep the same snapshot of each product.
    WITH line AS (
        SELECT * FROM private.cart_line_snapshots(cart.id)
    ), new_order AS (
        INSERT INTO public.orders
               (user_id, cart_id, email, currency, subtotal, shipping_total, giftcard_total,
                grand_total, shipping_address, billing_address, customer_note, placed_at)
        SELECT for_customer, cart.id, u.email, cart.currency, t.subtotal, cart.shipping_total,
               cart.giftcard_total,
               greatest(t.subtotal + cart.shipping_total - cart.giftcard_total, 0),
               shipping, billing, note, pg_catalog.statement_timestamp()
          FROM public.users u,
               (SELECT sum(line.unit_price * line.quantity) AS subtotal FROM line) t
         WHERE u.id = for_customer
        RETURNING *
    ), items AS (
        INSERT INTO public.order_items
               (order_id, product_id, variant_id, product_name, product_sku, product_image_url,
                option_text, quantity, currency, unit_price, cost_price, line_total)
        SELECT new_order.id, line.product_id, line.variant_id, line.name, line.sku,
               line.image_url, line.option_text, line.quantity, cart.currency,
               line.unit_price, line.cost_price, line.unit_price * line.quantity
          FROM new_order, line
    ), snapshot AS (
        UPDATE public.cart_items ci
           SET product_name = line.name, product_sku = line.sku,
               product_image_url = line.image_url, unit_price = line.unit_price,
               cost_price = line.cost_price
          FROM line WHERE ci.id = line.line_id
    )
    SELECT * INTO placed FROM new_order;

    -- Last, so the stock rows stay locked for as short a time as can be: until the commit.
    PERFORM private.commit_cart_items(
        placed.id,
        ARRAY(SELECT ci.id FROM public.cart_items ci
               WHERE ci.cart_id = cart.id AND NOT ci.is_deleted));
    UPDATE public.carts c SET status = 'converted' WHERE c.id = cart.id;
    RETURN placed;
END $$;
COMMENT ON FUNCTION private.place_order(uuid, uuid, uuid, uuid, text) IS
    'The customer''s cart becomes an order, exactly once: orders.services.place_order.';
REVOKE ALL ON FUNCTION private.place_order(uuid, uuid, uuid, uuid, text) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION private.place_order(uuid, uuid, uuid, uuid, text);
DROP FUNCTION private.cart_line_snapshots(uuid);
DROP FUNCTION private.address_snapshot(public.user_addresses);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_commit_cart_items_function"),
        ("orders", "0011_newest_first_indexes"),
    ]

    operations = [migrations.RunSQL(SNAPSHOTS + PLACE_ORDER, DROP)]
