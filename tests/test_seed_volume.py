"""manage.py seed_volume: a tiny load, held to the database's rules, the plan's proportions and
skew, so the command never rots. (The benchmarks themselves are commands, not tests.)"""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from orders.invoices import line_of, shipping_line, snapshot_of
from orders.models import Invoice
from shop.health import health_findings
from shop.partitions import PARTITIONED_TABLES
from shop.perf import volume_notifications
from shop.perf.volume_sql import MONTHS, Clock, functions_sql
from tests.support import count_rows, execute, fetch, fetch_one

pytestmark = pytest.mark.django_db

SCALE = "0.001"  # 100 customers, 20 products, 1,000 orders, 200 carts, 2,000 notifications
AUDITED = (
    "orders",
    "order_items",
    "payment_transactions",
    "invoices",
    "inventory",
    "products",
    "user_roles",
    "role_permissions",
)


def load(*args: str) -> list[str]:
    out = StringIO()
    call_command("seed_volume", "--scale", SCALE, *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker) -> list[str]:
    """One load shared by the tests of a class (each runs in a savepoint of its own), rolled
    back after the class."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load()
        transaction.set_rollback(True)


def schema() -> list[tuple]:
    """Every index, constraint and trigger (with its state) of the tables, DEFAULT partitions
    included (partitions of months the load creates are not there before it). Constraints
    derived from a partitioned table's (one per partition, named by PostgreSQL) follow the
    partitions, so they are left out."""
    return fetch(
        """SELECT 'index', tablename, indexname, indexdef FROM pg_indexes
           WHERE schemaname = 'public' AND tablename !~ '_p[0-9]{4}_[0-9]{2}$'
           UNION ALL
           SELECT 'constraint', c.relname, k.conname, pg_get_constraintdef(k.oid)
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
           WHERE c.relnamespace = 'public'::regnamespace AND k.conparentid = 0
             AND c.relname !~ '_p[0-9]{4}_[0-9]{2}$'
           UNION ALL
           SELECT 'trigger', c.relname, t.tgname, t.tgenabled::text FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid
           WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
             AND c.relname !~ '_p[0-9]{4}_[0-9]{2}$'
           ORDER BY 1, 2, 3, 4"""
    )


# The class shares one load: its tests stay together on one pytest-xdist worker.
@pytest.mark.xdist_group("seed_volume_loaded_shop")
class TestALoadedShop:
    """Read the shop one load made (at SCALE)."""

    def test_rows_come_in_the_plans_proportions(self, loaded):
        assert count_rows("users", is_staff=False) == 100
        assert count_rows("users", is_staff=True) == 13
        assert fetch("SELECT r.name, count(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
                     "GROUP BY 1 ORDER BY 1") == [
            ("admin", 4), ("super_admin", 2), ("support", 4), ("warehouse", 3)
        ]  # fmt: skip
        exact = {
            "customer_profiles": 100,
            "user_addresses": 130,
            "tiers": 136,
            "products": 20,
            "product_variants": 60,
            "inventory_locations": 5,
            "inventory": 50,
            "orders": 1000,
            "carts": 200,
            "notifications": 2000,
        }
        assert {table: count_rows(table) for table in exact} == exact
        assert 2800 <= count_rows("order_items") <= 3200
        # The audit trail is exactly the INSERTs of the audited tables, one row each.
        trail = dict(fetch("SELECT table_name, count(*) FROM audit_logs GROUP BY 1"))
        assert trail == {table: count_rows(table) for table in AUDITED}
        assert count_rows("payment_webhook_events") == count_rows("payment_webhook_logs") > 900
        assert count_rows("invoices") == fetch_one(
            "SELECT count(*) FROM orders WHERE order_status IN ('shipped', 'delivered', 'returned')"
        )
        assert loaded[-1].startswith("loaded ") and " rows at scale 0.001 in " in loaded[-1]
        assert any(line.startswith("order_items ") and line.endswith(" rows/s") for line in loaded)
        assert any(line.startswith("ANALYZE done in ") for line in loaded)

    def test_rows_land_in_their_monthly_partitions(self, loaded):
        for table in PARTITIONED_TABLES:
            assert fetch_one(f"SELECT count(*) FROM ONLY {table}_default") == 0, table
        months = {
            table: fetch_one(
                f"SELECT count(DISTINCT tableoid) FROM {table} WHERE tableoid <> '{table}_default'"
                "::regclass"
            )
            for table in ("audit_logs", "notifications", "payment_webhook_logs")
        }
        assert months == {"audit_logs": MONTHS + 1, "notifications": MONTHS + 1,
                          "payment_webhook_logs": MONTHS + 1}  # fmt: skip
        # Partition maintenance finds nothing left to do, and db_health nothing to warn about.
        assert [f for f in health_findings() if f.level != "info"] == []

    def test_the_database_rules_hold(self, loaded):
        out = StringIO()
        call_command("check_stock", stdout=out)
        assert out.getvalue() == "Stock agrees with its ledgers and cart holds.\n"
        held = fetch_one("SELECT sum(reserved_quantity) FROM cart_items")
        assert held > 0  # so the holds check had something to check
        assert held == fetch_one(
            "SELECT (SELECT sum(reserved_quantity) FROM product_variants)"
            " + (SELECT sum(reserved_quantity) FROM inventory)"
        )
        # Checkout's totals: items add up to the order, and the order to what it bills.
        assert (
            fetch(
                """SELECT o.order_number FROM orders o
               JOIN (SELECT order_id, sum(unit_price * quantity) AS subtotal,
                            sum(discount_amount) AS discount, sum(tax_amount) AS tax
                     FROM order_items GROUP BY 1) i ON i.order_id = o.id
               WHERE (o.subtotal, o.discount_total, o.tax_total) <> (i.subtotal, i.discount, i.tax)
                  OR o.grand_total <> o.subtotal - o.discount_total + o.tax_total
                                     + o.shipping_total - o.giftcard_total"""
            )
            == []
        )
        # Payments: every paid order has its capture, refunds as the order says.
        assert (
            fetch(
                """SELECT o.order_number FROM orders o
               LEFT JOIN payment_transactions p ON p.order_id = o.id AND p.captured_at IS NOT NULL
               WHERE (o.payment_status IN ('paid', 'refunded', 'partially_refunded'))
                     <> (p.id IS NOT NULL)
                  OR (o.payment_status = 'refunded') <> (p.refund_amount = p.amount)"""
            )
            == []
        )
        # Invoice numbers run 1, 2, 3 ... per financial year; the counters hold the last one.
        assert (
            fetch(
                """SELECT financial_year, count(*), max(split_part(invoice_number, '/', 3)::int),
                      count(DISTINCT invoice_number) FROM invoices GROUP BY 1
               HAVING count(*) <> max(split_part(invoice_number, '/', 3)::int)
                   OR count(*) <> count(DISTINCT invoice_number)"""
            )
            == []
        )
        assert fetch("SELECT series, financial_year, last_number FROM invoice_number_counters "
                     "ORDER BY 2") == fetch(
            "SELECT series, financial_year, count(*)::int FROM invoices GROUP BY 1, 2 ORDER BY 2"
        )  # fmt: skip

    def test_invoices_are_what_the_invoice_service_issues(self, loaded):
        for invoice in Invoice.objects.select_related("order").order_by("?")[:60]:
            lines = list(invoice.line_items.order_by("created_at", "id"))
            (version,) = invoice.versions.all()
            assert version.snapshot == json.loads(json.dumps(snapshot_of(invoice, lines)))
            items = invoice.order.items.select_related("product").order_by("created_at", "id")
            expected = [line_of(item) for item in items]
            if invoice.order.shipping_total:
                expected.append(shipping_line(invoice.order))
            fields = ("order_item_id", "description", "hsn_code", "quantity", "unit_price",
                      "tax_rate", "tax_amount", "line_total")  # fmt: skip
            assert [[getattr(line, f) for f in fields] for line in lines] == [
                [getattr(line, f) for f in fields] for line in expected
            ]
            billed = sum(line.line_total for line in lines)
            assert max(billed - invoice.order.giftcard_total, 0) == invoice.order.grand_total

    @pytest.mark.parametrize("table", ["orders", "order_items", "products"])
    def test_the_audit_rows_are_the_ones_the_trigger_writes(self, loaded, table):
        """A copy of a loaded row, inserted with the audit trigger on, is recorded alike."""
        unique = {"orders": {"order_number": "'SO-COPY'", "razorpay_order_id": "NULL",
                             "cart_id": "NULL"},
                  "order_items": {},
                  "products": {"slug": "'copy'", "sku": "'COPY'"}}[table]  # fmt: skip
        columns = [
            name
            for (name,) in fetch(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                [table],
            )
        ]
        original = fetch_one(f"SELECT id FROM {table} ORDER BY id LIMIT 1")
        copy = "00000000-0000-7000-8000-00000000c0b1"
        values = [f"'{copy}'" if c == "id" else unique.get(c, f"t.{c}") for c in columns]
        execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} t WHERE t.id = %s",
            [original],
        )
        differ = ["id", *unique]
        written, loaded_row = (
            fetch_one(
                "SELECT changes - %s::text[] FROM audit_logs WHERE table_name = %s AND row_id = %s",
                [differ, table, str(row)],
            )
            for row in (copy, original)
        )
        assert written == loaded_row
        assert len(written) > 3

    def test_a_few_customers_and_products_make_most_sales(self, loaded):
        customers = [n for (n,) in fetch(
            "SELECT count(*) FROM orders WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY 1 DESC"
        )]  # fmt: skip
        top = max(1, count_rows("users", is_staff=False) // 100)
        assert sum(customers[:top]) > 0.10 * sum(customers)  # expected about 20 %
        units = [n for (n,) in fetch(
            "SELECT sum(quantity) FROM order_items GROUP BY product_id ORDER BY 1 DESC"
        )]  # fmt: skip
        assert sum(units[: len(units) // 10 or 1]) > 0.25 * sum(units)
        # Traffic grows: the last year has more orders than the first.
        first, last = fetch_one(
            "SELECT count(*) FILTER (WHERE created_at < now() - interval '1 year'),"
            " count(*) FILTER (WHERE created_at >= now() - interval '1 year') FROM orders"
        )
        assert last > 1.5 * first

    def test_a_shop_with_orders_is_refused_and_left_alone(self, loaded):
        before = count_rows("audit_logs")
        with pytest.raises(CommandError) as refused:
            load()
        assert str(refused.value) == (
            "seed_volume refused: the database holds 1000 orders and 20 products. seed_volume "
            "fills an empty shop (createdb, migrate, seed_defaults): mixed into a real one, its "
            "customers would show up in reports and its invoices would take numbers of the shop's "
            "series. Nothing was written."
        )
        assert (count_rows("orders"), count_rows("audit_logs")) == (1000, before)


def test_the_helper_functions_are_inlined():
    """The planner inlines every call of the load's helpers, given row values and random() as
    the load gives them: a call it cannot inline runs the body as a query of its own, which
    costs more than the rest of a row's work."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for sql in functions_sql(Clock(start=start, end=start + timedelta(days=730))):
        execute(sql)
    at = "(now() - g * interval '1 hour')"
    calls = [
        f"pg_temp.vol_uuid({at}, 7, g)",
        f"pg_temp.vol_uuid_of({at}, 7, gen_random_uuid())",
        "pg_temp.vol_time(random())",
        f"pg_temp.vol_elapsed({at})",
        f"pg_temp.vol_reached({at})",
        "pg_temp.vol_at_elapsed(g / 100.0)",
        f"pg_temp.vol_between({at}, now(), random())",
        "pg_temp.vol_first_name(g)",
        "pg_temp.vol_last_name(g)",
        "pg_temp.vol_address(g, 1)",
        f"pg_temp.vol_isoformat({at})",
        "pg_temp.vol_order_number(g)",
        f"pg_temp.vol_financial_year({at})",
    ]
    for call in calls:
        plan = fetch(f"EXPLAIN VERBOSE SELECT {call} FROM generate_series(1, 10) g")
        assert "vol_" not in str(plan), call


def test_a_row_without_its_parent_fails_the_whole_load(monkeypatch):
    """The big tables' foreign keys are checked when they are added back: an order line whose
    order does not exist fails the load, and the database is left as it was."""
    before = schema()

    def orphan_line(loader, plan):
        loader.execute(
            "INSERT INTO public.order_items (order_id, product_id, product_name, quantity, "
            "unit_price, cost_price, line_total) SELECT gen_random_uuid(), id, name, 1, 1, 1, 1 "
            "FROM public.products LIMIT 1"
        )

    monkeypatch.setattr(volume_notifications, "load", orphan_line)
    with pytest.raises(CommandError) as failed:
        load()
    assert str(failed.value).startswith(
        "seed_volume failed, nothing was written (one transaction): insert or update on table "
        '"order_items" violates foreign key constraint "order_items_order_id_'
    )
    assert [count_rows(t) for t in ("users", "products", "orders", "audit_logs")] == [0] * 4
    assert schema() == before


@pytest.mark.slow
def test_the_same_seed_makes_the_same_shop_and_the_schema_stays():
    """Within one transaction now() stands still, so two loads may be compared row by row
    (order numbers aside: a sequence does not roll back)."""
    digest = (
        "SELECT md5(string_agg((to_jsonb(o) - 'order_number')::text, '' ORDER BY o.id))"
        " || md5(string_agg(i::text, '' ORDER BY i.id))"
        " FROM orders o JOIN order_items i ON i.order_id = o.id"
    )
    before = schema()
    digests = []
    for seed in ("7", "7", "8"):
        with transaction.atomic():
            load("--seed", seed)
            digests.append(fetch_one(digest))
            # Triggers back on, indexes and foreign keys back as they were, and valid.
            assert schema() == before
            assert (
                fetch("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid") == []
            )
            transaction.set_rollback(True)
    assert digests[0] == digests[1] != digests[2]
