"""A category's newest products from the category's own index, and a search that ranks a
bounded set of matches.

``public.category_products(category_id, max_results)``: through row level security a listing
joined ``product_categories`` to ``products`` with each policy's parent lookups, and the planner
walked every product for sale newest first to find a category's 24. The function starts from
``idx_product_categories_tier``, reads the category's products by primary key and sorts only
them. It is ``SECURITY DEFINER`` for the same reason as ``search_products``: it applies the
public rules itself (a category that is active, a product for sale) and returns only the columns
every client may read, never ``cost_price``.

``public.search_products``: a common word matched an eighth of the catalogue, and every match
was ranked before the first 20 were kept, so the search grew with the catalogue. It now ranks
at most ``SEARCH_CANDIDATES`` matches: the best of them by ``ts_rank`` come first. A word that
matches more products than that returns good matches, not necessarily the best of all; a
second word narrows it (docs/performance.md).
"""

from django.db import migrations

SEARCH_CANDIDATES = 400

CHECK_MAX_RESULTS = """
    IF max_results IS NULL OR max_results NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'A {what} returns 1 to 100 products: max_results=% is out of range.',
            coalesce(max_results::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;"""

SEARCH_HEAD = (
    """
CREATE OR REPLACE FUNCTION public.search_products(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
    terms tsquery := private.prefix_tsquery(query);
BEGIN"""
    + CHECK_MAX_RESULTS.format(what="search")
    + """
    IF terms IS NULL THEN
        RETURN;
    END IF;"""
)

BOUNDED_SEARCH = (
    SEARCH_HEAD
    + f"""
    RETURN QUERY
        SELECT found.id, pg_catalog.ts_rank(found.search_vector, terms)
          FROM (SELECT p.id, p.name, p.search_vector
                  FROM public.products p
                 WHERE p.search_vector OPERATOR(pg_catalog.@@) terms
                   AND p.status = 'active' AND NOT p.is_deleted
                 LIMIT {SEARCH_CANDIDATES}) AS found
         ORDER BY 2 DESC, found.name, found.id
         LIMIT max_results;
END $$;
"""
)

# catalog 0008's body, for the reverse.
UNBOUNDED_SEARCH = (
    SEARCH_HEAD
    + """
    RETURN QUERY
        SELECT p.id, pg_catalog.ts_rank(p.search_vector, terms)
          FROM public.products p
         WHERE p.search_vector OPERATOR(pg_catalog.@@) terms
           AND p.status = 'active' AND NOT p.is_deleted
         ORDER BY 2 DESC, p.name, p.id
         LIMIT max_results;
END $$;
"""
)

CREATE_LISTING = (
    """
CREATE FUNCTION public.category_products(category_id uuid, max_results integer DEFAULT 24)
RETURNS TABLE (id uuid, name varchar, slug varchar, selling_price numeric, currency varchar,
               image_url varchar, featured boolean, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 24 SET search_path = '' AS $$
#variable_conflict use_column
BEGIN"""
    + CHECK_MAX_RESULTS.format(what="category listing")
    + """
    RETURN QUERY
        SELECT p.id, p.name, p.slug, p.selling_price, p.currency, p.image_url, p.featured,
               p.created_at
          FROM public.product_categories pc
          JOIN public.tiers t ON t.id = pc.tier_id
          JOIN public.products p ON p.id = pc.product_id
         WHERE pc.tier_id = category_id AND t.is_active AND NOT t.is_deleted
           AND p.status = 'active' AND NOT p.is_deleted
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT max_results;
END $$;
COMMENT ON FUNCTION public.category_products(uuid, integer) IS
    'The newest products for sale in an active category: the columns any client may read.';
REVOKE ALL ON FUNCTION public.category_products(uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.category_products(uuid, integer)
    TO anon, authenticated, service_role;
"""
)

DROP_LISTING = "DROP FUNCTION public.category_products(uuid, integer);"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_search_products_function")]

    operations = [
        migrations.RunSQL(BOUNDED_SEARCH, UNBOUNDED_SEARCH),
        migrations.RunSQL(CREATE_LISTING, DROP_LISTING),
    ]
