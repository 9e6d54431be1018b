"""manage.py db_health: each check finds exactly the problem planted for it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shop.health import health_findings, largest_tables
from tests.factories import AuditLogFactory, InventoryFactory
from tests.support import execute

pytestmark = pytest.mark.django_db


def problems() -> set[tuple[str, str, str]]:
    """The warnings and errors: (level, check, subject)."""
    return {(f.level, f.check, f.subject) for f in health_findings() if f.level != "info"}


@pytest.fixture
def healthy():
    """A migrated database whose partitions are kept ahead: nothing to warn about."""
    call_command("partitions", stdout=StringIO())
    assert problems() == set()


def db_health(*args: str) -> str:
    out = StringIO()
    call_command("db_health", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("plant", "expected"),
    [
        (
            "CREATE TABLE public.scratch (id int PRIMARY KEY)",
            ("error", "row level security off", "scratch"),
        ),
        (
            "CREATE INDEX orders_user_id_again ON orders (user_id)",
            ("warning", "duplicate index", "orders_user_id_again"),
        ),
        (
            "ALTER TABLE orders ADD CONSTRAINT orders_scratch CHECK (grand_total >= 0) NOT VALID",
            ("warning", "constraint not validated", "orders.orders_scratch"),
        ),
        (
            "ALTER TABLE tags ADD COLUMN scratch_id uuid REFERENCES tags (id)",
            ("warning", "foreign key without index", "tags.scratch_id"),
        ),
    ],
)
def test_each_check_finds_its_problem_and_nothing_else(healthy, plant, expected):
    execute(plant)
    assert problems() == {expected}


def test_rows_in_a_default_partition_are_reported(healthy):
    AuditLogFactory(timestamp="2019-05-01T00:00:00Z")
    assert problems() == {
        ("warning", "rows in a DEFAULT partition", "audit_logs_default"),
        ("warning", "partition maintenance due", "audit_logs"),
    }


def test_stock_that_disagrees_with_its_ledger_is_an_error(healthy):
    row = InventoryFactory()
    # Only a superuser can switch the triggers off; that is what it takes to break the ledger.
    execute("SET LOCAL session_replication_role = replica")
    execute("UPDATE inventory SET available_quantity = 7 WHERE id = %s", [row.pk])
    execute("SET LOCAL session_replication_role = origin")
    assert problems() == {("error", "stock ledger drift", f"inventory {row.pk}")}


def test_the_report_ends_with_a_verdict_naming_the_worst_finding(healthy):
    info = sum(f.level == "info" for f in health_findings())
    assert db_health().splitlines()[-1] == f"Healthy: 0 errors, 0 warnings, {info} info."

    execute("CREATE INDEX orders_user_id_again ON orders (user_id)")
    execute("CREATE TABLE public.scratch (id int PRIMARY KEY)")
    info = sum(f.level == "info" for f in health_findings())
    assert db_health().splitlines()[-1] == (
        f"Needs attention: 1 error, 1 warning, {info} info; "
        "worst: error row level security off, scratch."
    )


def flush_statistics() -> None:
    """A session's counts of changed rows reach the shared statistics when it is idle after a
    commit, at most once a second unless asked: this asks, for the next idle moment."""
    execute("SELECT pg_stat_force_next_flush()")


@pytest.mark.django_db(transaction=True)  # the statistics of committed changes are read
def test_a_table_s_row_estimate_says_when_no_analyze_made_it():
    def estimate() -> str:
        [size] = [f.detail for f in largest_tables() if f.subject == "scratch_load"]
        return size.split(" total, ")[1]

    # Autovacuum off: the test decides when the table is analyzed.
    execute("CREATE TABLE public.scratch_load (n int) WITH (autovacuum_enabled = off)")
    try:
        execute("INSERT INTO scratch_load SELECT generate_series(1, 20000)")
        flush_statistics()
        assert estimate() == "not analyzed yet (ANALYZE gives a row estimate)"
        execute("ANALYZE scratch_load")
        assert estimate() == "about 20,000 rows"
        execute("DELETE FROM scratch_load WHERE n <= 5000")
        flush_statistics()
        assert estimate() == "not analyzed since 5,000 row changes (was about 20,000)"
        execute("ANALYZE scratch_load")
        assert estimate() == "about 15,000 rows"
    finally:
        execute("DROP TABLE scratch_load")


def test_json_output_and_exit_status(healthy):
    findings = json.loads(db_health("--json"))
    assert {f["level"] for f in findings} == {"info"}
    assert db_health("--fail-on", "warning").splitlines()[0].split() == [
        "level",
        "check",
        "subject",
        "detail",
    ]
    execute("CREATE TABLE public.scratch (id int PRIMARY KEY)")
    with pytest.raises(CommandError, match=r"1 finding\(s\) at level error or worse"):
        db_health("--fail-on", "error")
