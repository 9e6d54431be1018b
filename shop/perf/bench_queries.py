"""The shop's hot read paths: what each one asks, who asks it, and for whom.

Each :class:`HotPath` builds its statements from the shop's own querysets and selectors, for
subjects picked from the data (:func:`pick_subjects`): the customer with the most orders and a
median one, the fullest active cart, an admin, the busiest category, ... Customer statements
carry the customer's own filter (``user_id = ...``) as a Supabase client should send it: row
level security then only confirms it, and the same SQL runs on the owner connection for the
RLS-cost comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from catalog.models import Inventory
from catalog.selectors import for_sale, search_products
from notifications.selectors import unread_count
from orders.models import CartItem, CartTotal, Order, PaymentTransaction
from shop.models import AuditLog
from shop.perf.bench_measure import (
    ADMIN,
    ANON,
    CUSTOMER,
    SERVICE,
    Statement,
    captured_statement,
    estimate_of,
    statement_of,
)
from shop.perf.bench_writes import BENCH_EMAIL_DOMAIN, BENCH_SKU_PREFIX

ADMIN_ROLES = ("admin", "super_admin")
PAGE = 20  # rows a customer's or storefront list shows
ADMIN_PAGE = 50  # rows of an admin list page
ADMIN_WINDOW = timedelta(days=90)  # the admin order list's date filter
AUDIT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Case:
    """One run of a hot path: for whom (``subject``), as whom (``actor``), and the SQL."""

    subject: str
    statement: Statement
    # The signed-in customer of a customer path; the staff member of an admin path (who signs
    # in to a Supabase client for the RLS comparisons).
    actor: User | None = None
    # Why this subject's time may grow with the data (bench.GROWTH_GOAL does not apply).
    grows_with_data: str | None = None


@dataclass(frozen=True)
class HotPath:
    name: str
    role: str
    what: str
    cases: Callable[[Subjects], list[Case]]
    # The plan's index serving it (bench_compare drops it in a rolled-back transaction).
    plan_index: str | None = None
    # The tables whose policies decide it (bench_compare swaps in the plan's literal ones).
    policy_tables: tuple[str, ...] = ()
    # Whether the same SQL runs both through row level security and on the owner connection
    # (the RLS-cost comparison). Not for a statement that leaves a filter to row level
    # security (its customer's rows, or soft-deleted rows, which the owners' policies hide:
    # the owner would read other rows), nor for the Django admin's own queries (they read
    # columns no client may, such as a user's password hash).
    compare_through_rls: bool = True
    # A path kept to show what it costs, with the reason it is slow and what to use instead:
    # its goals are reported, not counted.
    slow_path: str | None = None


@dataclass
class Subjects:
    """What the hot paths run for, picked from the data on the owner connection."""

    now: datetime
    admin: User | None = None
    customers: dict[str, User] = field(default_factory=dict)  # by order count
    customer_status: dict[str, str] = field(default_factory=dict)  # their commonest status
    notified: dict[str, User] = field(default_factory=dict)  # by unread notifications
    cart: tuple[UUID, User] | None = None  # the fullest active cart and its owner
    order_status: str | None = None  # commonest order status
    keyset_cursor: tuple[datetime, UUID] | None = None  # the admin list's page 2
    audited: User | None = None  # most audit rows in the last 30 days
    stocked_product: UUID | None = None  # held at the most locations
    category: UUID | None = None  # the tier with the most products
    search_terms: dict[str, str] = field(default_factory=dict)
    razorpay_order_id: str | None = None
    latest_order: tuple[UUID, User] | None = None  # the heaviest customer's newest order
    order_number_fragment: str | None = None  # what staff type to find a median order

    def as_dict(self) -> dict[str, Any]:
        return {
            "admin": _email(self.admin),
            "customers": {k: _email(u) for k, u in self.customers.items()},
            "notified": {k: _email(u) for k, u in self.notified.items()},
            "cart": str(self.cart[0]) if self.cart else None,
            "order_status": self.order_status,
            "audited": _email(self.audited),
            "stocked_product": str(self.stocked_product) if self.stocked_product else None,
            "category": str(self.category) if self.category else None,
            "search_terms": self.search_terms,
            "razorpay_order_id": self.razorpay_order_id,
            "order_number_fragment": self.order_number_fragment,
        }


# The write paths' own rows (bench_writes) are never picked as subjects.
BENCH_USERS = f"%@{BENCH_EMAIL_DOMAIN}"

# A count reads every row it counts, and the heaviest subject's rows grow with the data.
COUNTS_SUBJECT = (
    "counts every row of the subject, and the heaviest subject's rows grow with the data "
    "(10 times from scale 0.1 to 1)"
)
# A word's matches grow with the catalogue; the search ranks at most 400 (catalog 0009).
RANKS_MATCHES = (
    "ranks the word's matches, which grow with the catalogue up to the 400 it ranks at most"
)


def not_bench_user(column: str) -> str:
    """SQL: ``column`` is not one of the write paths' customers (parameter: BENCH_USERS)."""
    return f"{column} NOT IN (SELECT id FROM users WHERE email LIKE %s)"


def _email(user: User | None) -> str | None:
    return user.email if user else None


def _rows(sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _first(sql: str, params: list | tuple = ()) -> Any:
    """The first column of the first row, None without rows."""
    rows = _rows(sql, params)
    return rows[0][0] if rows else None


def _user(pk: UUID | None) -> User | None:
    return User.all_objects.get(pk=pk) if pk else None


def heaviest_and_median(ranked: list[tuple]) -> dict[str, Any]:
    """The first and the middle key of rows ranked by weight, heaviest first."""
    if not ranked:
        return {}
    return {"heaviest": ranked[0][0], "median": ranked[len(ranked) // 2][0]}


def heaviest_and_median_users(sql: str, params: list | tuple = ()) -> dict[str, User]:
    """``sql`` ranks user ids, heaviest first."""
    return {label: _user(pk) for label, pk in heaviest_and_median(_rows(sql, params)).items()}


def pick_subjects() -> Subjects:
    """Subjects from the data: heaviest and median customers, the fullest cart, ..."""
    now = timezone.now()
    found = Subjects(now=now)
    found.admin = _user(
        _first(
            """SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id
               JOIN users u ON u.id = ur.user_id
               WHERE r.name = ANY(%s) AND NOT r.is_deleted AND u.is_active AND NOT u.is_deleted
               ORDER BY ur.user_id LIMIT 1""",
            [list(ADMIN_ROLES)],
        )
    )
    found.customers = heaviest_and_median_users(
        f"""SELECT user_id FROM orders WHERE NOT is_deleted AND user_id IS NOT NULL
              AND {not_bench_user("user_id")}
            GROUP BY user_id ORDER BY count(*) DESC, user_id""",
        [BENCH_USERS],
    )
    for label, customer in found.customers.items():
        found.customer_status[label] = _first(
            """SELECT order_status FROM orders WHERE user_id = %s AND NOT is_deleted
               GROUP BY order_status ORDER BY count(*) DESC, order_status LIMIT 1""",
            [customer.pk],
        )
    found.notified = heaviest_and_median_users(
        """SELECT user_id FROM notifications WHERE NOT is_read AND NOT is_deleted
           GROUP BY user_id ORDER BY count(*) DESC, user_id"""
    )
    carts = _rows(
        f"""SELECT c.id, c.user_id FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
            WHERE c.status = 'active' AND NOT c.is_deleted AND c.user_id IS NOT NULL
              AND NOT ci.is_deleted AND {not_bench_user("c.user_id")}
            GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1""",
        [BENCH_USERS],
    )
    if carts:
        found.cart = (carts[0][0], _user(carts[0][1]))

    found.order_status = _first(
        """SELECT order_status FROM orders WHERE NOT is_deleted
           GROUP BY order_status ORDER BY count(*) DESC, order_status LIMIT 1"""
    )
    if found.order_status:
        # Page 1's last row: where the keyset page 2 starts.
        page_1_end = _rows(
            """SELECT created_at, id FROM orders
               WHERE order_status = %s AND created_at >= %s AND created_at < %s
                 AND NOT is_deleted
               ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1""",
            [found.order_status, now - ADMIN_WINDOW, now, ADMIN_PAGE - 1],
        )
        found.keyset_cursor = page_1_end[0] if page_1_end else (now, UUID(int=2**128 - 1))

    found.audited = _user(
        _first(
            """SELECT user_id FROM audit_logs WHERE timestamp >= %s AND user_id IS NOT NULL
               GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1""",
            [now - AUDIT_WINDOW],
        )
    )
    found.stocked_product = _first(
        """SELECT product_id FROM inventory GROUP BY product_id
           ORDER BY count(*) DESC, product_id LIMIT 1"""
    )
    found.category = _first(
        """SELECT pc.tier_id FROM product_categories pc
           JOIN products p ON p.id = pc.product_id
           WHERE p.status = 'active' AND NOT p.is_deleted
           GROUP BY pc.tier_id ORDER BY count(*) DESC, pc.tier_id LIMIT 1"""
    )
    found.search_terms = pick_search_terms()
    found.razorpay_order_id = _first(
        """SELECT razorpay_order_id FROM payment_transactions
           ORDER BY id OFFSET (SELECT count(*) / 2 FROM payment_transactions) LIMIT 1"""
    )
    heaviest = found.customers.get("heaviest")
    if heaviest:
        latest = _first(
            """SELECT o.id FROM orders o WHERE o.user_id = %s AND NOT o.is_deleted
                 AND EXISTS (SELECT FROM payment_transactions pt WHERE pt.order_id = o.id)
               ORDER BY o.created_at DESC LIMIT 1""",
            [heaviest.pk],
        )
        found.latest_order = (latest, heaviest) if latest else None
    # The digits of a median order's number, without its leading zeros: "SO-00012345" is
    # searched as "12345", as a person reads it off a parcel.
    number = _first(
        """SELECT order_number FROM orders
           ORDER BY id OFFSET (SELECT count(*) / 2 FROM orders) LIMIT 1"""
    )
    found.order_number_fragment = number.rsplit("-", 1)[-1].lstrip("0") if number else None
    return found


def pick_search_terms() -> dict[str, str]:
    """The commonest word of the products' names (the most matches to rank) and a median one.

    Words as the search vector has them (``ts_stat`` over the names of the products for sale),
    three letters or more and no digits.
    """
    names = (
        "SELECT to_tsvector('simple', name) FROM public.products"
        f" WHERE status = 'active' AND NOT is_deleted AND sku NOT LIKE '{BENCH_SKU_PREFIX}%'"
    )
    ranked = _rows(
        """SELECT word FROM ts_stat(%s) WHERE word ~ '^[[:alpha:]]{3,}$'
           ORDER BY ndoc DESC, word""",
        [names],
    )
    picked = heaviest_and_median(ranked)
    return {"common word": picked["heaviest"], "median word": picked["median"]} if picked else {}


# --- The hot paths -------------------------------------------------------------------------

ORDER_LIST_FIELDS = (
    "id",
    "order_number",
    "order_status",
    "payment_status",
    "grand_total",
    "currency",
    "created_at",
)


def customer_orders(s: Subjects) -> list[Case]:
    return [
        Case(
            f"{label} customer",
            statement_of(
                Order.objects.filter(user=customer, order_status=s.customer_status[label])
                .only(*ORDER_LIST_FIELDS)
                .order_by("-created_at", "-id")[:PAGE]
            ),
            customer,
        )
        for label, customer in s.customers.items()
    ]


def cart_items(s: Subjects) -> list[Case]:
    if s.cart is None:
        return []
    cart_id, owner = s.cart
    items = (
        CartItem.objects.filter(cart_id=cart_id)
        .select_related("product")
        # Only what a client may read: cost prices are withheld from it (column privileges).
        .only(
            "id",
            "quantity",
            "unit_price",
            "line_total",
            "currency",
            "reserved_until",
            "product__name",
            "product__slug",
            "product__image_url",
        )
        .order_by("created_at", "id")
    )
    return [Case("fullest active cart", statement_of(items), owner)]


def cart_totals(s: Subjects) -> list[Case]:
    if s.cart is None:
        return []
    cart_id, owner = s.cart
    return [
        Case("fullest active cart", statement_of(CartTotal.objects.filter(cart_id=cart_id)), owner)
    ]


def unread_notifications(s: Subjects) -> list[Case]:
    return [
        Case(
            f"{label} reader",
            captured_statement(lambda user=user: unread_count(user=user)),
            user,
            grows_with_data=COUNTS_SUBJECT if label == "heaviest" else None,
        )
        for label, user in s.notified.items()
    ]


def admin_orders_filter(s: Subjects) -> Q:
    return Q(order_status=s.order_status, created_at__gte=s.now - ADMIN_WINDOW) & Q(
        created_at__lt=s.now
    )


def admin_order_list(s: Subjects) -> list[Case]:
    if s.order_status is None:
        return []
    at, last_id = s.keyset_cursor
    # Keyset pagination: the rows after page 1's last (created_at, id). created_at <= at is
    # what the index range can use; the OR breaks ties on id.
    page = (
        Order.objects.filter(admin_orders_filter(s), created_at__lte=at)
        .filter(Q(created_at__lt=at) | Q(id__lt=last_id))
        .only(*ORDER_LIST_FIELDS, "email")
        .order_by("-created_at", "-id")[:ADMIN_PAGE]
    )
    return [Case(f"status {s.order_status}, 90 days, page 2", statement_of(page), s.admin)]


def admin_order_count(s: Subjects) -> list[Case]:
    if s.order_status is None:
        return []
    matching = Order.objects.filter(admin_orders_filter(s)).only("id")
    return [
        Case(
            f"status {s.order_status}, 90 days",
            estimate_of(matching),
            s.admin,
        )
    ]


def admin_audit_log(s: Subjects) -> list[Case]:
    if s.audited is None:
        return []
    trail = AuditLog.objects.filter(user=s.audited, timestamp__gte=s.now - AUDIT_WINDOW).order_by(
        "-timestamp"
    )[:ADMIN_PAGE]
    return [Case("most active user", statement_of(trail), s.admin)]


def product_stock(s: Subjects) -> list[Case]:
    if s.stocked_product is None:
        return []
    rows = (
        Inventory.objects.filter(product_id=s.stocked_product)
        .select_related("location")
        .only(
            "available_quantity",
            "reserved_quantity",
            "status",
            "condition",
            "location__code",
            "location__name",
        )
        .order_by("location__code")
    )
    return [Case("stocked at the most locations", statement_of(rows))]


def storefront(s: Subjects) -> list[Case]:
    shelf = for_sale().filter(featured=True).order_by("-created_at", "-id")[:PAGE]
    return [Case("featured, newest first", statement_of(shelf))]


def product_search(s: Subjects) -> list[Case]:
    return [
        Case(
            f"{label} '{term}'",
            captured_statement(lambda t=term: search_products(query=t)),
            grows_with_data=RANKS_MATCHES,
        )
        for label, term in s.search_terms.items()
    ]


def category_products(s: Subjects) -> list[Case]:
    if s.category is None:
        return []
    listed = (
        for_sale()
        .filter(product_categories__tier_id=s.category)
        .order_by("-created_at", "-id")[:PAGE]
    )
    return [Case("largest category", statement_of(listed))]


def payment_by_razorpay_order(s: Subjects) -> list[Case]:
    if s.razorpay_order_id is None:
        return []
    found = PaymentTransaction.objects.filter(razorpay_order_id=s.razorpay_order_id)
    return [Case("a median transaction", statement_of(found))]


HOT_PATHS = (
    HotPath(
        "customer_orders_by_status",
        CUSTOMER,
        "a customer's orders of one status, newest first",
        customer_orders,
        plan_index="idx_orders_composite",
        policy_tables=("orders",),
    ),
    HotPath(
        "admin_order_list",
        ADMIN,
        "orders by status and date, newest first, keyset page 2",
        admin_order_list,
        plan_index="idx_orders_status_dates",
        policy_tables=("orders",),
    ),
    HotPath(
        "admin_order_count_estimate",
        ADMIN,
        "the same filter's row count, estimated by the planner",
        admin_order_count,
        policy_tables=("orders",),
    ),
    HotPath(
        "cart_items",
        CUSTOMER,
        "a cart's live lines with their products",
        cart_items,
        plan_index="idx_cart_items_active",
        policy_tables=("carts", "cart_items"),
    ),
    HotPath(
        "cart_totals",
        CUSTOMER,
        "a cart's totals (the cart_totals view)",
        cart_totals,
        plan_index="idx_cart_items_active",
        policy_tables=("carts", "cart_items"),
    ),
    HotPath(
        "product_stock_by_location",
        SERVICE,
        "stock of one product at every location",
        product_stock,
        plan_index="uq_inventory_product_location",
    ),
    HotPath(
        "unread_notification_count",
        CUSTOMER,
        "a user's unread notifications, counted",
        unread_notifications,
        plan_index="idx_notifications_user_read",
        policy_tables=("notifications",),
    ),
    HotPath(
        "admin_user_audit_log",
        ADMIN,
        "what one user did in the last 30 days, newest first",
        admin_audit_log,
        plan_index="idx_audit_logs_user_timestamp",
        policy_tables=("audit_logs",),
    ),
    HotPath(
        "storefront_products",
        ANON,
        "active featured products, newest first",
        storefront,
        plan_index="idx_products_composite",
    ),
    HotPath(
        "product_search",
        ANON,
        "full-text search (catalog.selectors.search_products)",
        product_search,
        plan_index="idx_products_search_vector",
    ),
    HotPath(
        "category_products",
        ANON,
        "active products of a category, newest first",
        category_products,
        plan_index="idx_product_categories_tier",
        slow_path="through row level security the join checks each product's and category's "
        "policies and sorts all of the category's products: it grows with the category; "
        "clients call rpc category_products (bench_pages.category_listing)",
    ),
    HotPath(
        "payment_by_razorpay_order",
        SERVICE,
        "the payment of a Razorpay order id (webhooks)",
        payment_by_razorpay_order,
        plan_index="idx_payment_transactions_razorpay",
    ),
)
