"""Reads of the catalogue for the storefront: product search as you type, and lookup by SKU.

Both return only products for sale (active, not soft-deleted); run inside ``acting_as...`` they
also go through row level security. ``cost_price`` is never read (clients may not read it), nor
is the search vector itself.
"""

import re
from dataclasses import dataclass

from django.db.models import BooleanField, F, Func, QuerySet, Value

from catalog.models import Product, ProductStatus, ProductVariant

MAX_SEARCH_RESULTS = 100
NOT_SERVED = ("cost_price", "search_vector")

# Characters a PostgreSQL text value cannot hold (NUL, lone UTF-16 surrogates): never in a
# product, so in a query they only separate words.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def for_sale() -> QuerySet[Product]:
    return Product.objects.filter(status=ProductStatus.ACTIVE).defer(*NOT_SERVED)


def search_products(*, query: str, limit: int = 20) -> list[Product]:
    """Products for sale matching every word of ``query``, each as a prefix, best first.

    Ranked by ``ts_rank`` over ``search_vector`` (a word in the name counts most, then SKU and
    tags, then the description); equal ranks by name. Each product has ``rank`` set. A query
    without a word finds nothing; what a user types is never read as tsquery operators.

    The search itself is the database function ``public.search_products`` (catalog migration
    0008), which Supabase clients call too: it reaches the GIN index even for a client key,
    where row level security keeps ``@@`` from using it. The products are then read by id,
    as the role in force.
    """
    if type(limit) is not int or not 1 <= limit <= MAX_SEARCH_RESULTS:
        raise ValueError(
            f"A search returns 1 to {MAX_SEARCH_RESULTS} products: limit={limit!r} is out of range."
        )
    words = UNSTORABLE.sub(" ", query).split()
    if not words:
        return []
    columns = ", ".join(
        f'p."{f.column}"' for f in Product._meta.concrete_fields if f.name not in NOT_SERVED
    )
    return list(
        Product.objects.raw(
            f"""SELECT {columns}, found.rank
                FROM public.search_products(%s, %s) AS found
                JOIN public.products p ON p.id = found.id
                ORDER BY found.rank DESC, p.name, p.id""",
            [" ".join(words), limit],
        )
    )


def matches_words(query: str) -> Func:
    """A filter: the product's ``search_vector`` matches every word of ``query`` as a prefix.

    The words become a tsquery in the database (``private.prefix_tsquery``, which
    ``public.search_products`` uses too): what a user types is text, never operators. A query
    without a word matches nothing.
    """
    typed = Func(Value(UNSTORABLE.sub(" ", query)), function="private.prefix_tsquery")
    return Func(
        F("search_vector"),
        typed,
        template="%(expressions)s",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )


@dataclass(frozen=True)
class SkuMatch:
    product: Product
    variant: ProductVariant | None  # the variant whose SKU it is; None for the product's own


def product_by_sku(*, sku: str) -> SkuMatch | None:
    """The product for sale whose SKU, or whose active variant's SKU, is exactly ``sku``.

    The text search vector splits SKUs at hyphens, so SKUs are looked up as written, through
    the unique indexes on live rows (``uq_products_sku``, ``uq_product_variants_sku``). A
    product's own SKU is looked up first.
    """
    if not sku or UNSTORABLE.search(sku):
        return None
    product = first(for_sale().filter(sku=sku))
    if product is not None:
        return SkuMatch(product, None)
    variant = first(
        ProductVariant.objects.filter(
            sku=sku,
            is_active=True,
            product__status=ProductStatus.ACTIVE,
            product__is_deleted=False,
        )
        .select_related("product")
        .defer("cost_price", *(f"product__{name}" for name in NOT_SERVED))
    )
    return SkuMatch(variant.product, variant) if variant is not None else None


def first(rows: QuerySet):
    """The one row a unique lookup finds, or None (no ORDER BY: the unique index decides)."""
    return next(iter(rows[:1]), None)
