"""Selling cart lines' units to an order in one call: ``private.commit_cart_items``.

``catalog.stock.commit_cart_items`` took a dozen round trips, with the stock rows locked from
the fifth to the commit; under a hot product every checkout queued behind the one holding the
row while it talked to Python. The function does the same work inside the database:

- locks in the one order every stock service takes them (cart lines, inventory rows, variants,
  each set in id order), so it cannot deadlock with them;
- refuses, as the service did, a line that does not exist, is not alive in an active cart, is
  not in the order's cart, or has no stock for sale, naming the rule (``CONSTRAINT``);
- takes each line's held units from reserved stock and the rest from available stock, where the
  line holds them, else from the default location first and then the fullest, refusing with
  ``insufficient_stock`` (its ``DETAIL`` says what was asked for and what was there, as JSON);
- writes one ``committed`` ledger entry per stock row, which ``apply_to_stock`` applies to its
  row, clears the lines' holds and keeps where a product's units came from.

Only the shop (the owner) calls it: no client role may execute it.
"""

from django.db import migrations

CANDIDATES = """
CREATE FUNCTION private.cart_line_stock(line public.cart_items, held uuid)
RETURNS TABLE (id uuid, location_id uuid, is_default boolean, available_quantity integer,
               reserved_quantity integer)
LANGUAGE sql STABLE SET search_path = '' AS $$
    -- A line with a hold takes from the row that holds it (none once that row is gone);
    -- a line without one from its variant, or from its product's active stock at active
    -- locations.
    SELECT i.id, i.location_id, l.is_default, i.available_quantity, i.reserved_quantity
      FROM public.inventory i
      JOIN public.inventory_locations l ON l.id = i.location_id
     WHERE line.variant_id IS NULL
       AND CASE WHEN line.reserved_quantity > 0 THEN i.id = held
                ELSE i.product_id = line.product_id AND i.status = 'active'
                     AND l.is_active AND NOT l.is_deleted END
    UNION ALL
    SELECT v.id, NULL, false, v.available_quantity, v.reserved_quantity
      FROM public.product_variants v
     WHERE v.id = line.variant_id AND (line.reserved_quantity = 0 OR v.id = held)
$$;
REVOKE ALL ON FUNCTION private.cart_line_stock(public.cart_items, uuid) FROM PUBLIC;
"""

COMMIT = """
CREATE FUNCTION private.commit_cart_items(for_order uuid, line_ids uuid[])
RETURNS TABLE (ledger text, entry_id uuid)
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    order_cart uuid;
    line public.cart_items;
    wrong record;
    held uuid;               -- the stock row holding the line's units
    from_reserved integer;
    need integer;
    pick record;
    spare integer;
    wanted text;
    sold jsonb := '{}';      -- stock row id -> units taken from available and from reserved
    came_from jsonb := '{}'; -- cart line id -> the location its units came from
    taken record;
BEGIN
    SELECT o.cart_id INTO order_cart FROM public.orders o WHERE o.id = for_order;
    PERFORM FROM public.cart_items ci WHERE ci.id = ANY (line_ids) ORDER BY ci.id FOR UPDATE;

    SELECT string_agg(wanted_id::text, ', ') INTO wanted
      FROM unnest(line_ids) wanted_id
     WHERE NOT EXISTS (SELECT FROM public.cart_items ci WHERE ci.id = wanted_id);
    IF wanted IS NOT NULL THEN
        RAISE EXCEPTION 'cart_item_exists: no cart line %', wanted
            USING ERRCODE = 'check_violation', CONSTRAINT = 'cart_item_exists';
    END IF;
    SELECT ci.id INTO wrong
      FROM public.cart_items ci JOIN public.carts c ON c.id = ci.cart_id
     WHERE ci.id = ANY (line_ids) AND (ci.is_deleted OR c.is_deleted OR c.status <> 'active')
     ORDER BY ci.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cart_item_in_active_cart: cart line % is not in an active cart', wrong.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'cart_item_in_active_cart';
    END IF;
    SELECT ci.id INTO wrong FROM public.cart_items ci
     WHERE ci.id = ANY (line_ids) AND ci.cart_id IS DISTINCT FROM order_cart
       AND order_cart IS NOT NULL
     ORDER BY ci.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cart_items_of_the_order: cart line % is not in order %''s cart',
            wrong.id, for_order
            USING ERRCODE = 'check_violation', CONSTRAINT = 'cart_items_of_the_order';
    END IF;
    SELECT ci.id, v.sku INTO wrong
      FROM public.cart_items ci LEFT JOIN public.product_variants v ON v.id = ci.variant_id
     WHERE ci.id = ANY (line_ids) AND ci.reserved_quantity = 0
       AND CASE WHEN ci.variant_id IS NOT NULL THEN NOT v.is_active OR v.is_deleted
                ELSE ci.product_id IS NULL END
     ORDER BY ci.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'stock_for_sale: %', CASE WHEN wrong.sku IS NOT NULL
            THEN pg_catalog.format('variant %s is not for sale', wrong.sku)
            ELSE pg_catalog.format('cart line %s''s product was deleted', wrong.id) END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_for_sale';
    END IF;

    -- Every row a line may take from, locked before the first is changed.
    PERFORM FROM public.inventory i
     WHERE i.id IN (SELECT s.id FROM public.cart_items ci,
                         private.cart_line_stock(ci, (SELECT h.id FROM public.inventory h
                             WHERE h.product_id = ci.product_id
                               AND h.location_id = ci.reserved_from_location_id)) s
                     WHERE ci.id = ANY (line_ids) AND ci.variant_id IS NULL)
     ORDER BY i.id FOR UPDATE;
    PERFORM FROM public.product_variants v
     WHERE v.id IN (SELECT ci.variant_id FROM public.cart_items ci WHERE ci.id = ANY (line_ids))
     ORDER BY v.id FOR UPDATE;

    FOR line IN SELECT * FROM public.cart_items ci WHERE ci.id = ANY (line_ids) ORDER BY ci.id
    LOOP
        held := NULL;
        IF line.reserved_quantity > 0 AND line.variant_id IS NOT NULL THEN
            held := line.variant_id;
        ELSIF line.reserved_quantity > 0 THEN
            SELECT i.id INTO held FROM public.inventory i
             WHERE i.product_id = line.product_id
               AND i.location_id = line.reserved_from_location_id;
        END IF;
        -- Never more than the row still has reserved: a hold it disagrees with is drift.
        SELECT least(line.reserved_quantity,
                     s.reserved_quantity - coalesce((sold -> s.id::text ->> 'reserved')::int, 0))
          INTO from_reserved
          FROM private.cart_line_stock(line, held) s WHERE s.id = held;
        from_reserved := coalesce(from_reserved, 0);
        need := line.quantity - from_reserved;
        SELECT s.id, s.location_id,
               s.available_quantity - coalesce((sold -> s.id::text ->> 'available')::int, 0)
                   AS spare
          INTO pick
          FROM private.cart_line_stock(line, held) s
         ORDER BY s.available_quantity - coalesce((sold -> s.id::text ->> 'available')::int, 0)
                  >= need DESC,
                  s.is_default DESC, spare DESC, s.id
         LIMIT 1;
        IF pick.id IS NULL OR pick.spare < need THEN
            SELECT coalesce(max(s.available_quantity
                                - coalesce((sold -> s.id::text ->> 'available')::int, 0)), 0)
              INTO spare FROM private.cart_line_stock(line, held) s;
            IF line.variant_id IS NOT NULL THEN
                SELECT 'variant ' || v.sku INTO wanted
                  FROM public.product_variants v WHERE v.id = line.variant_id;
            ELSE
                SELECT pg_catalog.format('product %s at %s', p.sku,
                                         coalesce(l.code, 'any location'))
                  INTO wanted
                  FROM public.products p
                  LEFT JOIN public.inventory_locations l
                    ON l.id = line.reserved_from_location_id AND held IS NOT NULL
                 WHERE p.id = line.product_id;
            END IF;
            RAISE EXCEPTION 'insufficient_stock: % of % requested, % available',
                need, wanted, spare
                USING ERRCODE = 'check_violation', CONSTRAINT = 'insufficient_stock',
                      DETAIL = pg_catalog.json_build_object(
                          'stock', wanted, 'requested', need, 'available', spare)::text;
        END IF;
        sold := sold || pg_catalog.jsonb_build_object(pick.id::text, pg_catalog.jsonb_build_object(
            'available', coalesce((sold -> pick.id::text ->> 'available')::int, 0) + need,
            'reserved', coalesce((sold -> pick.id::text ->> 'reserved')::int, 0) + from_reserved,
            'variant', line.variant_id IS NOT NULL));
        came_from := came_from || pg_catalog.jsonb_build_object(line.id::text, pick.location_id);
    END LOOP;

    -- One entry per row; apply_to_stock applies it to the row and fills in *_after.
    FOR taken IN SELECT key::uuid AS id, (value ->> 'available')::int AS available,
                        (value ->> 'reserved')::int AS reserved,
                        (value ->> 'variant')::boolean AS variant
                   FROM pg_catalog.jsonb_each(sold) ORDER BY 1
    LOOP
        CONTINUE WHEN taken.available = 0 AND taken.reserved = 0;
        IF taken.variant THEN
            ledger := 'variant_inventory_adjustments';
            INSERT INTO public.variant_inventory_adjustments
                   (variant_id, available_delta, reserved_delta, available_after, reserved_after,
                    reason, reference_type, reference_id)
            VALUES (taken.id, -taken.available, -taken.reserved, 0, 0, 'committed', 'order',
                    for_order)
            RETURNING id INTO entry_id;
        ELSE
            ledger := 'inventory_adjustments';
            INSERT INTO public.inventory_adjustments
                   (inventory_id, available_delta, reserved_delta, available_after,
                    reserved_after, reason, reference_type, reference_id)
            VALUES (taken.id, -taken.available, -taken.reserved, 0, 0, 'committed', 'order',
                    for_order)
            RETURNING id INTO entry_id;
        END IF;
        RETURN NEXT;
    END LOOP;
    UPDATE public.cart_items ci
       SET reserved_quantity = 0, reserved_until = NULL,
           reserved_from_location_id = (came_from ->> ci.id::text)::uuid
     WHERE ci.id = ANY (line_ids);
END $$;
COMMENT ON FUNCTION private.commit_cart_items(uuid, uuid[]) IS
    'Sell the cart lines'' units to the order: catalog.stock.commit_cart_items.';
REVOKE ALL ON FUNCTION private.commit_cart_items(uuid, uuid[]) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION private.commit_cart_items(uuid, uuid[]);
DROP FUNCTION private.cart_line_stock(public.cart_items, uuid);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_newest_first_indexes"),
        ("orders", "0011_newest_first_indexes"),
    ]

    operations = [migrations.RunSQL(CANDIDATES + COMMIT, DROP)]
