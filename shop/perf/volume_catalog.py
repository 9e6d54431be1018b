"""Volume load: the catalogue (category tree, products, their categories) and stock locations.

Product k: the even ones are apparel sold in SIZES (their stock is the variants'), the odd ones
are sold from ``inventory`` at LOCATIONS. 40 % of the catalogue is there at the start, the rest
launches over the window, so ``least(SELLABLE, LAUNCH + (P - LAUNCH) * elapsed)`` products exist
at any moment, and product k is more popular the lower k is. The stock rows themselves are
written by ``volume_orders`` once their ledgers are known.

Staged for later steps: ``vol_product`` (k, id, prices, tax, ...), ``vol_variant`` (k, size),
``vol_location`` (loc: 1 is the shop's default location) and ``vol_stock`` (every stock row).
"""

from typing import TYPE_CHECKING

from shop.perf.volume_sql import DOMAIN, Tag, array

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan
    from shop.perf.volume_loader import Loader

# Top categories: the first four are apparel (sized), the others are sold as they are.
TOPS = ("men", "women", "kids", "sports", "home", "beauty", "electronics", "books")
MIDS = ("essentials", "premium", "seasonal", "value")
LEAVES = ("classic", "modern", "outlet")
NOUNS = [
    "Shirt",
    "Chinos",
    "Polo",
    "Jacket",
    "Kurta",
    "Dress",
    "Top",
    "Saree",
    "Tee",
    "Shorts",
    "Hoodie",
    "Pyjamas",
    "Track Pants",
    "Running Tee",
    "Jersey",
    "Gym Shorts",
    "Cushion Cover",
    "Bedsheet",
    "Lamp",
    "Mug",
    "Face Cream",
    "Shampoo",
    "Lipstick",
    "Perfume",
    "Earbuds",
    "Power Bank",
    "Charger",
    "Smartwatch",
    "Novel",
    "Cookbook",
    "Notebook",
    "Atlas",
]
ADJECTIVES = ("Classic", "Everyday", "Premium", "Urban", "Vintage", "Essential", "Soft", "Bold")
HSN = ("6205", "6204", "6111", "6112", "6302", "3304", "8518", "4901")
# GST per top category, in percent; apparel up to 1000 rupees pays the lower rate.
TAX = ("5", "5", "5", "5", "12", "18", "18", "0")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# (code, name, type, city) of the locations besides the shop's default one.
LOCATIONS = (
    ("VOL-BLR-WH", "Bengaluru warehouse", "warehouse", "Bengaluru"),
    ("VOL-DEL-WH", "Delhi warehouse", "warehouse", "Delhi"),
    ("VOL-MUM-ST", "Mumbai store", "store", "Mumbai"),
    ("VOL-KOL-DS", "Kolkata dropship partner", "dropship", "Kolkata"),
)
LAUNCH_SHARE = 0.4


def sellable(plan: "VolumePlan") -> int:
    """Products 1..sellable are ever for sale; the newest 1 % are still drafts."""
    return plan.products - plan.products // 100


def available_products(plan: "VolumePlan", moment: str) -> str:
    """SQL: how many products (the first ones) exist at ``moment``."""
    launch = int(plan.products * LAUNCH_SHARE)
    return (
        f"least({sellable(plan)}, {launch} + floor({plan.products - launch} "
        f"* pg_temp.vol_elapsed({moment})))"
    )


def popular_product(plan: "VolumePlan", moment: str) -> str:
    """SQL: a product k drawn for a cart line at ``moment``; low k sells most."""
    return f"(1 + floor({available_products(plan, moment)} * power(random(), 2)))::int"


def load(loader: "Loader", plan: "VolumePlan") -> None:
    # Both are called with random(): a body that names `u` once is inlined even so (naming it
    # twice would draw twice), so no call runs as a query of its own (see functions_sql).
    loader.execute(
        """CREATE OR REPLACE FUNCTION pg_temp.vol_size(u float8) RETURNS int
        LANGUAGE sql IMMUTABLE AS $$
            SELECT 1 + width_bucket(u, ARRAY[0.05, 0.20, 0.50, 0.78, 0.93]::float8[])
        $$"""
    )
    # Stock at the default location sells most: 1 below 0.4, then 2 to 5 in steps of 0.15.
    loader.execute(
        """CREATE OR REPLACE FUNCTION pg_temp.vol_location(u float8) RETURNS int
        LANGUAGE sql IMMUTABLE AS $$
            SELECT 2 + greatest(-1, least(3, floor((u - 0.4) / 0.15)))::int
        $$"""
    )
    load_tiers(loader)
    stage_products(loader, plan)
    loader.load(
        "products",
        f"""INSERT INTO public.products (id, name, slug, sku, description, short_description,
                                         status, featured, image_url, selling_price,
                                         compare_at_price, cost_price, tags, hsn_code,
                                         weight_grams, meta_title, created_at, updated_at)
        SELECT p.id, p.name, 'product-' || p.k, p.sku,
               'The ' || p.name || ': ' || p.noun_lower || ' from our ' || p.top
               || ' range, made to last and easy to care for. Ships in 2 days.',
               p.name || ' from our ' || p.top || ' range', p.status, p.k % 97 = 0,
               'https://cdn.{DOMAIN}/p/' || p.k || '.jpg', p.price, p.compare_at, p.cost,
               jsonb_build_array(p.top, p.noun_lower), p.hsn, 150 + (p.k * 37) % 1800,
               p.name, p.created_at, p.created_at
        FROM vol_product p ORDER BY p.k""",
        replaces=("audit_trail",),
    )
    loader.audit(
        "products",
        source="FROM public.products t JOIN vol_product p ON p.id = t.id",
        actor="(SELECT id FROM vol_staff WHERE role = 'admin' AND k = 1)",
        tag=Tag.AUDIT + Tag.PRODUCT,
    )
    loader.load(
        "product_categories",
        """INSERT INTO public.product_categories (product_id, tier_id, is_primary, sort_order,
                                                  created_at, updated_at)
        SELECT p.id, t.id, c.is_primary, p.k % 100, p.created_at, p.created_at
        FROM vol_product p
        CROSS JOIN LATERAL (SELECT p.leaf AS code, true AS is_primary UNION ALL
                            SELECT p.second_leaf, false WHERE p.k % 5 < 2) c
        JOIN vol_tier t ON t.code = c.code
        ORDER BY p.k, c.is_primary DESC""",
    )
    load_locations(loader)
    stage_stock(loader)


def load_tiers(loader: "Loader") -> None:
    """The category tree: TOPS > MIDS > LEAVES, three levels, inserted level by level so the
    tree-shape trigger (left on) checks each one."""
    loader.stage(
        "vol_tier",
        f"""SELECT top * 100 + mid * 10 + leaf AS code, top, mid, leaf,
                   CASE WHEN mid = 0 THEN 1 WHEN leaf = 0 THEN 2 ELSE 3 END AS level,
                   CASE WHEN mid = 0 THEN NULL WHEN leaf = 0 THEN top * 100
                        ELSE top * 100 + mid * 10 END AS parent_code,
                   concat_ws('-', ({array(TOPS)})[top], ({array(MIDS)})[nullif(mid, 0)],
                             ({array(LEAVES)})[nullif(leaf, 0)]) AS slug,
                   pg_temp.vol_uuid(now() - interval '2 years', {Tag.TIER},
                                    top * 100 + mid * 10 + leaf) AS id
        FROM generate_series(1, {len(TOPS)}) top, generate_series(0, {len(MIDS)}) mid,
             generate_series(0, {len(LEAVES)}) leaf
        WHERE leaf = 0 OR mid > 0""",
    )
    for level in (1, 2, 3):
        loader.load(
            "tiers",
            f"""INSERT INTO public.tiers (id, name, slug, parent_id, level, sort_order,
                                          created_at, updated_at)
            SELECT t.id, initcap(replace(t.slug, '-', ' ')), t.slug, p.id, t.level,
                   t.mid * 10 + t.leaf, now() - interval '2 years', now() - interval '2 years'
            FROM vol_tier t LEFT JOIN vol_tier p ON p.code = t.parent_code
            WHERE t.level = {level} ORDER BY t.code""",
            label=f"tiers (level {level})",
        )


def stage_products(loader: "Loader", plan: "VolumePlan") -> None:
    products, launch = plan.products, int(plan.products * LAUNCH_SHARE)
    half = len(TOPS) // 2
    loader.stage(
        "vol_product",
        f"""SELECT p.*, pg_temp.vol_uuid(p.created_at, {Tag.PRODUCT}, p.k) AS id,
                   ({array(TOPS)})[p.top_i] AS top,
                   lower(({array(NOUNS)})[(p.top_i - 1) * 4 + 1 + (p.k / 3) % 4]) AS noun_lower,
                   ({array(ADJECTIVES)})[1 + p.k % {len(ADJECTIVES)}] || ' '
                   || ({array(NOUNS)})[(p.top_i - 1) * 4 + 1 + (p.k / 3) % 4] || ' ' || p.k
                       AS name,
                   'VP' || lpad(p.k::text, 7, '0') AS sku,
                   p.top_i * 100 + (1 + (p.k / 8) % 4) * 10 + 1 + (p.k / 32) % 3 AS leaf,
                   p.top_i * 100 + (1 + (p.k / 8 + 1) % 4) * 10 + 1 + (p.k / 32) % 3
                       AS second_leaf,
                   CASE WHEN p.k > {sellable(plan)} THEN 'draft'
                        WHEN p.k * 13 % 100 < 2 AND p.k <= {products * 9 // 10} THEN 'archived'
                        ELSE 'active' END AS status,
                   ({array(HSN)})[p.top_i] AS hsn,
                   CASE WHEN p.top_i <= {half} AND p.price > 1000 THEN 12
                        ELSE (({array(TAX)})[p.top_i])::int END AS tax_rate,
                   round(p.price * (0.45 + 0.2 * p.margin), 2) AS cost,
                   CASE WHEN p.margin < 0.3 THEN round(p.price * 1.25, 2) END AS compare_at
        FROM (SELECT k, k % 2 = 0 AS has_variants,
                     CASE WHEN k % 2 = 0 THEN 1 + (k / 2) % {half}
                          ELSE {half + 1} + (k / 2) % {half} END AS top_i,
                     CASE WHEN k <= {launch} THEN pg_temp.vol_at_elapsed(0) + k * interval '1 ms'
                          ELSE pg_temp.vol_at_elapsed((k - {launch})::float8 / {products - launch})
                     END AS created_at,
                     (round(exp(ln(2) + random() * ln(50))) * 100 - 1)::numeric(12, 2) AS price,
                     random()::numeric AS margin
              FROM generate_series(1, {products}) k) p""",
    )
    loader.execute("CREATE UNIQUE INDEX ON vol_product (k)")
    loader.stage(
        "vol_variant",
        f"""SELECT p.k, s.size, pg_temp.vol_uuid(p.created_at, {Tag.VARIANT}, p.k * 8 + s.size)
                       AS id,
                   p.sku || '-' || ({array(SIZES)})[s.size] AS sku,
                   ({array(SIZES)})[s.size] AS option_value,
                   p.price + CASE WHEN s.size = 6 THEN 100 ELSE 0 END AS price,
                   p.cost + CASE WHEN s.size = 6 THEN 50 ELSE 0 END AS cost,
                   round((p.price + CASE WHEN s.size = 6 THEN 100 ELSE 0 END) * 1.25, 2)
                       AS list_price,
                   p.compare_at IS NOT NULL AS on_sale, p.created_at
        FROM vol_product p CROSS JOIN generate_series(1, {len(SIZES)}) s(size)
        WHERE p.has_variants""",
    )


def load_locations(loader: "Loader") -> None:
    values = ", ".join(
        f"({i}, '{code}', '{name}', '{kind}', '{city}')"
        for i, (code, name, kind, city) in enumerate(LOCATIONS, start=2)
    )
    loader.stage(
        "vol_location",
        f"""SELECT 1 AS loc, id, code FROM public.inventory_locations
            WHERE is_default AND NOT is_deleted
        UNION ALL
        SELECT v.loc, pg_temp.vol_uuid(now() - interval '2 years', {Tag.LOCATION}, v.loc), v.code
        FROM (VALUES {values}) v(loc, code, name, kind, city)""",
    )
    loader.load(
        "inventory_locations",
        f"""INSERT INTO public.inventory_locations (id, name, code, location_type, city,
                                                    country, created_at, updated_at)
        SELECT l.id, v.name, v.code, v.kind, v.city, 'IN', now() - interval '2 years',
               now() - interval '2 years'
        FROM (VALUES {values}) v(loc, code, name, kind, city)
        JOIN vol_location l ON l.loc = v.loc""",
    )


def stage_stock(loader: "Loader") -> None:
    """Every stock row: the variants, and the inventory of each unsized product at each
    location. Ids are derived from (product, slot), so order lines find them by computation."""
    loader.stage(
        "vol_stock",
        f"""SELECT 'v'::char AS kind, v.id, v.k, v.size AS slot, v.created_at FROM vol_variant v
        UNION ALL
        SELECT 'i', pg_temp.vol_uuid(p.created_at, {Tag.INVENTORY}, p.k * 8 + l.loc), p.k,
               l.loc, p.created_at
        FROM vol_product p CROSS JOIN vol_location l WHERE NOT p.has_variants""",
    )
    loader.execute("CREATE UNIQUE INDEX ON vol_stock (id)")
