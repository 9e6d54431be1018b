"""The pages a shop opens most, asked the way their clients ask them.

``bench_queries`` holds the shop's own querysets and selectors. These are the same pages as a
supabase-js client requests them through PostgREST (``shop.perf.postgrest``: prepared, the page
in ``json_agg``, embeds as lateral joins, ``count=exact``; soft-deleted rows left to the
policies, which hide them, as docs/supabase.md tells clients), the Django admin's own changelist
queries, and the common client mistake of leaving the customer's filter to row level security.
Each runs for the heaviest subject of the skewed data and a median one, so a plan that grows
with a subject's rows shows in the growth between two scales (``bench --baseline-url``).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.test import RequestFactory

from notifications.models import Notification
from orders.models import Order
from shop.perf.bench_measure import ADMIN, ANON, CUSTOMER, statement_of
from shop.perf.bench_queries import (
    COUNTS_SUBJECT,
    ORDER_LIST_FIELDS,
    PAGE,
    RANKS_MATCHES,
    Case,
    HotPath,
    Subjects,
)
from shop.perf.postgrest import CountEmbed, read, rpc

# A category's products grow with the catalogue.
GROWS_WITH_CATALOGUE = "sorts the category's products, which grow with the catalogue"

NOTIFICATION_FIELDS = ("id", "type", "title", "is_read", "created_at")


def _customer_orders(s: Subjects, *, own_filter: bool, count_exact: bool = False) -> list[Case]:
    cases = []
    for label, customer in s.customers.items():
        where = {"user_id": ("eq", customer.pk)} if own_filter else {}
        statement = read(
            "orders",
            columns=ORDER_LIST_FIELDS,
            embeds=(CountEmbed("order_items", "order_id"),),
            where=where,
            order=("-created_at", "-id"),
            limit=PAGE,
            count_exact=count_exact,
        )
        grows = COUNTS_SUBJECT if count_exact and label == "heaviest" else None
        cases.append(Case(f"{label} customer", statement, customer, grows_with_data=grows))
    return cases


def customer_orders_newest(s: Subjects) -> list[Case]:
    return _customer_orders(s, own_filter=True)


def customer_orders_left_to_rls(s: Subjects) -> list[Case]:
    return _customer_orders(s, own_filter=False)


def customer_orders_count_exact(s: Subjects) -> list[Case]:
    return _customer_orders(s, own_filter=True, count_exact=True)


def _customer_notifications(s: Subjects, *, own_filter: bool) -> list[Case]:
    cases = []
    for label, reader in s.notified.items():
        where = {"user_id": ("eq", reader.pk)} if own_filter else {}
        statement = read(
            "notifications",
            columns=NOTIFICATION_FIELDS,
            where=where,
            order=("-created_at",),
            limit=PAGE,
        )
        cases.append(Case(f"{label} reader", statement, reader))
    return cases


def customer_notifications_newest(s: Subjects) -> list[Case]:
    return _customer_notifications(s, own_filter=True)


def customer_notifications_left_to_rls(s: Subjects) -> list[Case]:
    return _customer_notifications(s, own_filter=False)


def customer_payments(s: Subjects) -> list[Case]:
    if s.latest_order is None:
        return []
    order_id, customer = s.latest_order
    statement = read(
        "payment_transactions",
        columns=("id", "status", "amount", "currency", "method", "captured_at"),
        where={"order_id": ("eq", order_id)},
        order=("-created_at",),
        limit=PAGE,
    )
    return [Case("heaviest customer's latest order", statement, customer)]


def admin_changelist(model: type, params: dict[str, str], s: Subjects) -> QuerySet:
    """Page 1 of the admin's changelist of ``model``, as the admin builds it for ``params``."""
    request = RequestFactory().get("/", params)
    request.user = s.admin
    model_admin = admin.site._registry[model]
    changelist = model_admin.get_changelist_instance(request)
    return changelist.queryset[: changelist.list_per_page]


def admin_orders_newest(s: Subjects) -> list[Case]:
    if s.admin is None:
        return []
    page = admin_changelist(Order, {}, s)
    return [Case("no filter, page 1", statement_of(page), s.admin)]


def admin_order_search(s: Subjects) -> list[Case]:
    if s.admin is None or s.order_number_fragment is None:
        return []
    page = admin_changelist(Order, {"q": s.order_number_fragment}, s)
    return [Case(f"part of a number '{s.order_number_fragment}'", statement_of(page), s.admin)]


def admin_notifications_newest(s: Subjects) -> list[Case]:
    if s.admin is None:
        return []
    page = admin_changelist(Notification, {}, s)
    return [Case("no filter, page 1", statement_of(page), s.admin)]


def category_listing(s: Subjects) -> list[Case]:
    if s.category is None:
        return []
    statement = rpc("category_products", category_id=s.category, max_results=PAGE)
    return [Case("largest category", statement, grows_with_data=GROWS_WITH_CATALOGUE)]


def product_text_search(s: Subjects) -> list[Case]:
    return [
        Case(
            f"{label} '{term}'",
            read(
                "products",
                columns=("id", "name", "slug", "selling_price"),
                where={"search_vector": ("fts", f"{term}:*")},
                limit=PAGE,
            ),
        )
        for label, term in s.search_terms.items()
    ]


def product_search_rpc(s: Subjects) -> list[Case]:
    return [
        Case(
            f"{label} '{term}'",
            rpc("search_products", query=term, max_results=PAGE),
            grows_with_data=RANKS_MATCHES,
        )
        for label, term in s.search_terms.items()
    ]


PAGES = (
    HotPath(
        "customer_orders_newest",
        CUSTOMER,
        "PostgREST: a customer's orders, newest first, with their item counts",
        customer_orders_newest,
        plan_index="idx_orders_user_newest",
        compare_through_rls=False,
    ),
    HotPath(
        "customer_orders_left_to_rls",
        CUSTOMER,
        "the same request without the customer's filter: row level security alone picks rows",
        customer_orders_left_to_rls,
        compare_through_rls=False,
    ),
    HotPath(
        "customer_orders_count_exact",
        CUSTOMER,
        "the same request with Prefer: count=exact",
        customer_orders_count_exact,
        compare_through_rls=False,
    ),
    HotPath(
        "customer_notifications_newest",
        CUSTOMER,
        "PostgREST: a user's 20 newest notifications",
        customer_notifications_newest,
        plan_index="idx_notifications_user_newest",
        compare_through_rls=False,
    ),
    HotPath(
        "customer_notifications_left_to_rls",
        CUSTOMER,
        "the same request without the user's filter",
        customer_notifications_left_to_rls,
        compare_through_rls=False,
    ),
    HotPath(
        "customer_payments",
        CUSTOMER,
        "PostgREST: the payments of one of the customer's orders",
        customer_payments,
    ),
    HotPath(
        "admin_orders_newest",
        ADMIN,
        "the admin's order list, no filter: page 1",
        admin_orders_newest,
        plan_index="idx_orders_newest",
        compare_through_rls=False,
    ),
    HotPath(
        "admin_order_search",
        ADMIN,
        "the admin's order list searched for part of an order number",
        admin_order_search,
        plan_index="idx_orders_number_trgm",
        compare_through_rls=False,
    ),
    HotPath(
        "admin_notifications_newest",
        ADMIN,
        "the admin's notification list, no filter: page 1",
        admin_notifications_newest,
        plan_index="idx_notifications_newest",
        compare_through_rls=False,
    ),
    HotPath(
        "category_listing",
        ANON,
        "rpc category_products: a category's newest products for sale",
        category_listing,
    ),
    HotPath(
        "product_search_rpc",
        ANON,
        "rpc search_products, as a client calls it",
        product_search_rpc,
    ),
    HotPath(
        "product_text_search",
        ANON,
        "PostgREST .textSearch() on search_vector: the documented slow path",
        product_text_search,
        slow_path="@@ is not LEAKPROOF: under row level security the GIN index cannot serve "
        "it (docs/performance.md); clients call rpc search_products instead",
    ),
)
