"""``public.search_products(query, max_results)``: the storefront's full-text search, for every
client key (a Supabase ``rpc('search_products', ...)``) and for ``catalog.selectors``.

Through row level security the GIN index on ``search_vector`` cannot serve ``@@``: the operator
is not ``LEAKPROOF``, so PostgreSQL applies it only after the policy, to every product for sale
(6.6 ms at 20,000 products, against 1.5 ms through the index). The function is ``SECURITY
DEFINER``: it runs as the tables' owner, outside row level security, applies the products'
public rule itself (active, not soft-deleted) and returns only ids and ranks; the caller reads
the products by id, through its own policies and column privileges.

What a user types is text, never tsquery operators: ``private.prefix_tsquery`` quotes each
whitespace-separated word, which must match as a prefix (``lin kur`` finds "Linen Kurta"). The
admin's product search, over every product, uses it too.
"""

from django.db import migrations

CREATE_SQL = r"""
CREATE FUNCTION private.prefix_tsquery(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
    -- 'word':* for each word, backslashes and quotes escaped: to_tsquery reads it as text.
    SELECT pg_catalog.to_tsquery('pg_catalog.simple'::pg_catalog.regconfig, pg_catalog.string_agg(
               '''' || pg_catalog.replace(pg_catalog.replace(word, '\', '\\'), '''', '''''')
               || ''':*', ' & '))
      FROM pg_catalog.regexp_split_to_table(query, '\s+') AS word
     WHERE word <> ''
$$;
COMMENT ON FUNCTION private.prefix_tsquery(text) IS
    'What a user typed as a tsquery in which every word must match as a prefix; NULL if no word.';
REVOKE ALL ON FUNCTION private.prefix_tsquery(text) FROM PUBLIC;

CREATE FUNCTION public.search_products(query text, max_results integer DEFAULT 20)
RETURNS TABLE (id uuid, rank real)
-- ROWS: a page of results, so a caller joins the products by primary key, not by hashing all.
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
    terms tsquery := private.prefix_tsquery(query);
BEGIN
    IF max_results IS NULL OR max_results NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'A search returns 1 to 100 products: max_results=% is out of range.',
            coalesce(max_results::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF terms IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT p.id, pg_catalog.ts_rank(p.search_vector, terms)
          FROM public.products p
         WHERE p.search_vector OPERATOR(pg_catalog.@@) terms
           AND p.status = 'active' AND NOT p.is_deleted
         ORDER BY 2 DESC, p.name, p.id
         LIMIT max_results;
END $$;
COMMENT ON FUNCTION public.search_products(text, integer) IS
    'Products for sale matching every word of query as a prefix, best first: ids and ranks.';
REVOKE ALL ON FUNCTION public.search_products(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.search_products(text, integer)
    TO anon, authenticated, service_role;
"""

DROP_SQL = """
DROP FUNCTION public.search_products(text, integer);
DROP FUNCTION private.prefix_tsquery(text);
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_policies_look_up_parents")]

    operations = [migrations.RunSQL(CREATE_SQL, reverse_sql=DROP_SQL)]
