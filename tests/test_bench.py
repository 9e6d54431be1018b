"""manage.py bench on the tiniest volume shop: a smoke test, so the benchmark never rots.

Benchmarks are commands, not tests: the figures mean nothing at this size. What is checked is
that every hot path is measured as its role with the fields the report needs, that concurrent
writes oversell nothing (exact counts of holds and orders), that the plans name the indexes
that serve them, and that the side-by-side variants leave the schema as it was.
"""

import json
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shop.perf.bench_pages import PAGES
from shop.perf.bench_queries import HOT_PATHS
from tests.support import fetch

# The write paths' threads use their own connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

THREADS, WRITE_OPS = 8, 2
PATHS = (*HOT_PATHS, *PAGES)
PLAN_INDEXES = sorted({path.plan_index for path in PATHS if path.plan_index})


def schema_fingerprint() -> list[tuple]:
    """Every policy (with its condition) and index of the public schema."""
    return fetch(
        """SELECT 'policy', tablename || '.' || policyname, coalesce(qual, '') FROM pg_policies
           WHERE schemaname = 'public'
           UNION ALL
           SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
           ORDER BY 1, 2"""
    )


def indexes_leading_with(table: str, column: str) -> set[str]:
    return {
        name
        for (name,) in fetch(
            """SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
               WHERE x.indrelid = %s::regclass AND a.attname = %s""",
            [table, column],
        )
    }


@pytest.fixture
def tiny_shop():
    call_command("seed_volume", "--scale", "0.001", stdout=StringIO())


def run_bench(*args: str) -> dict:
    out = StringIO()
    call_command(
        "bench",
        "--iterations=2",
        "--warmup=0",
        f"--threads={THREADS}",
        f"--write-ops={WRITE_OPS}",
        "--json",
        # At this size the planner rightly scans; the plans should still name the indexes.
        "--prefer-indexes",
        *args,
        stdout=out,
        stderr=StringIO(),
    )
    return json.loads(out.getvalue())


def by_name(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for query in report["queries"]:
        found.setdefault(query["name"], []).append(query)
    return found


def test_bench_measures_every_hot_path_and_oversells_nothing(tiny_shop, tmp_path):
    before = schema_fingerprint()

    report = run_bench(f"--report={tmp_path}")

    queries = by_name(report)
    assert sorted(queries) == sorted(path.name for path in PATHS)
    assert report["skipped"] == []
    for path in PATHS:
        for query in queries[path.name]:
            assert query["role"] == path.role
            assert query["iterations"] == 2
            assert 0 < query["p50_ms"] <= query["p95_ms"], query
            assert isinstance(query["rows"], int)
            assert query["plan"]["top_node"]
            assert set(query["plan"]) >= {
                "access",
                "indexes",
                "uses_index",
                "seq_scans_on_large_tables",
                "partitions_scanned",
            }
    # Two customers (heaviest, median), two search words: each is its own row.
    assert [q["subject"] for q in queries["customer_orders_by_status"]] == [
        "heaviest customer",
        "median customer",
    ]
    assert len(queries["product_search"]) == 2
    (estimate,) = queries["admin_order_count_estimate"]
    assert estimate["rows"] == 1 and estimate["estimated_count"] >= 0

    # The plans name the indexes that serve them.
    for query in queries["customer_orders_by_status"]:
        assert query["plan"]["indexes"], query["plan"]
    median = queries["customer_orders_by_status"][1]
    assert set(median["plan"]["indexes"]) <= indexes_leading_with("orders", "user_id")
    (payment,) = queries["payment_by_razorpay_order"]
    assert payment["plan"]["indexes"] == ["idx_payment_transactions_razorpay"]
    assert payment["rows"] == 1
    (audit,) = queries["admin_user_audit_log"]
    assert audit["plan"]["partitions_scanned"], audit["plan"]
    # The pages as clients ask for them, each served by the index made for it.
    for name, index in (
        ("customer_orders_newest", "idx_orders_user_newest"),
        ("customer_notifications_newest", "idx_notifications_user_newest"),
        ("admin_orders_newest", "idx_orders_newest"),
        ("admin_order_search", "idx_orders_number_trgm"),
        ("admin_notifications_newest", "idx_notifications_newest"),
    ):
        # The median subject: at this size the heaviest customer holds so many of the orders
        # that walking all orders newest first is as cheap, and the planner may do that.
        query = queries[name][-1]
        assert index in query["plan"]["indexes"], (name, query["plan"])
    # A PostgREST page counts its rows; the same request left to RLS returns the same rows.
    for own, left in zip(
        queries["customer_orders_newest"], queries["customer_orders_left_to_rls"], strict=True
    ):
        assert own["rows"] == left["rows"] > 0
    (search,) = queries["admin_order_search"]
    assert search["rows"] >= 1
    (payments,) = queries["customer_payments"]
    assert payments["rows"] >= 1  # the customer reads their own order's payments
    assert report["goals"]["slow_paths"] == ["category_products", "product_text_search"]

    # Side by side: RLS against the owner connection for every path RLS applies to, the
    # plan's policies, and every plan index dropped; then the schema is as it was.
    comparisons = report["comparisons"]
    assert {(r["name"], r["rls_role"]) for r in comparisons["rls_cost"]} >= {
        ("customer_orders_by_status", "customer"),
        ("cart_items", "customer"),
        ("admin_order_list", "admin_api"),
        ("storefront_products", "anon"),
    }
    assert all(r["owner_rows"] == r["rls_rows"] for r in comparisons["rls_cost"])
    assert {r["name"] for r in comparisons["plan_policies"]} == {
        "customer_orders_by_status",
        "admin_order_list",
        "admin_order_count_estimate",
        "cart_items",
        "cart_totals",
        "unread_notification_count",
        "admin_user_audit_log",
    }
    assert sorted({r["index"] for r in comparisons["plan_indexes"]}) == PLAN_INDEXES
    assert schema_fingerprint() == before

    # Concurrent writes: exactly the stock there was is held or sold, the rest refused.
    attempts = THREADS * WRITE_OPS
    holds, checkouts = report["writes"]["stock_reservations"], report["writes"]["checkouts"]
    assert (holds["succeeded"], holds["refused_insufficient_stock"]) == (
        attempts // 2,
        attempts - attempts // 2,
    )
    assert holds["stock"]["problems"] == checkouts["stock"]["problems"] == []
    assert (holds["stock"]["available"], holds["stock"]["reserved"]) == (0, attempts // 2)
    assert (checkouts["succeeded"], checkouts["orders_placed"]) == (attempts * 3 // 4,) * 2
    assert checkouts["refused_insufficient_stock"] == attempts - attempts * 3 // 4
    assert (checkouts["stock"]["available"], checkouts["stock"]["reserved"]) == (0, 0)
    assert holds["error_count"] == checkouts["error_count"] == 0
    assert report["goals"]["zero_oversell"] is True

    # The report: Markdown with every query, and the chart.
    page = (tmp_path / "report.md").read_text()
    assert all(f"| {path.name} |" in page for path in PATHS)
    assert "![p50 and p95 per read path](latency.png)" in page
    assert (tmp_path / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db  # nothing is written: no need of the module's transactional tests
def test_a_report_without_matplotlib_is_refused_before_the_run(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the bench extra is missing
    with pytest.raises(CommandError) as refused:
        call_command("bench", "--report", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert str(refused.value) == (
        "bench --report draws its chart with matplotlib, which is not installed: "
        'pip install -e ".[bench]" (or run without --report).'
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db  # reads only
def test_growth_counts_rows_read_and_p50_beyond_noise_and_leaves_out_unmatched_paths():
    from shop.perf.bench import GROWTH_GOAL, growth

    def run(orders: int, **paths: tuple[float, int]) -> dict:
        return {
            "meta": {"started_at": "then", "table_rows": {"orders": orders}},
            "queries": [
                {
                    "name": name,
                    "subject": "common word 'x'" if name == "search" else "s",
                    "p50_ms": p50,
                    "plan": {"rows_read": rows_read},
                    "grows_with_data": "counts the subject's rows" if name == "count" else None,
                    "slow_path": None,
                }
                for name, (p50, rows_read) in paths.items()
            ],
        }

    baseline = run(
        100,
        flat=(1.0, 10),
        slower=(1.0, 10),
        noisy=(0.2, 10),
        more_rows=(1.0, 10),
        count=(1.0, 10),
        search=(1.0, 10),
    )
    report = run(
        1000,
        flat=(1.5, 11),
        slower=(1.6, 10),
        noisy=(0.6, 10),
        more_rows=(1.1, 30),
        count=(9.0, 100),
        search=(1.2, 10),
        new=(3.0, 1),
    )

    found = growth(report, baseline)

    assert found["data_growth"] == 10.0
    assert [
        (g["name"], g["growth"], g["rows_read_growth"], g["allowed"], g["goal_met"])
        for g in found["paths"]
    ] == [
        ("flat", 1.5, 1.1, GROWTH_GOAL, True),
        ("slower", 1.6, 1.0, GROWTH_GOAL, False),  # 0.6 ms more: beyond the noise
        ("noisy", 3.0, 1.0, GROWTH_GOAL, True),  # 0.4 ms more, the same rows read
        ("more_rows", 1.1, 3.0, GROWTH_GOAL, False),  # fast still, but its plan grows
        ("count", 9.0, 10.0, 10.0, True),  # the subject's rows grow with the data
        ("search", 1.2, 1.0, GROWTH_GOAL, True),  # the same subject, another word
    ]
