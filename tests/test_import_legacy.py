"""manage.py import_legacy: a dirty legacy shop into the new schema, nothing lost.

Every test has a migrated database of its own with a legacy shop in its ``legacy`` schema
(``tests/adoption_support.py``); the dirt (``adoption.sample.add_dirt``) breaks each rule the
new schema enforces on old data, and says which rule must set each dirty row aside.
"""

import signal
import time
from decimal import Decimal

import pytest
from django.db import connection

from adoption.dirt import d
from adoption.maps import MAPS, NO_TABLE_YET
from adoption.source import legacy_tables
from tests.adoption_support import (
    Scratch,
    create_scratch,
    drop_scratch,
    kept_of,
    quarantine_of,
)

pytestmark = pytest.mark.xdist_group("import_legacy")


@pytest.fixture
def scratch(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        template = connection.settings_dict["TEST"]["TEMPLATE"]
        made = create_scratch(template)
        yield made
        drop_scratch(made)


@pytest.fixture
def other_scratch(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        made = create_scratch(connection.settings_dict["TEST"]["TEMPLATE"])
        yield made
        drop_scratch(made)


def test_every_legacy_table_is_mapped_or_waits_for_its_table():
    mapped = {table_map.source for table_map in MAPS}

    assert mapped | set(NO_TABLE_YET) == set(legacy_tables())
    assert not mapped & set(NO_TABLE_YET)


def test_check_predicts_every_rule_and_writes_nothing(scratch: Scratch):
    dirt = scratch.legacy_shop()

    status, report = scratch.report("--source-schema", "legacy", "--check")

    assert status == 1  # something would be quarantined: a cutover script stops here
    assert quarantine_of(report) == dirt.quarantined
    assert kept_of(report) == dirt.kept
    assert scratch.value("SELECT count(*) FROM public.users") == 0
    assert scratch.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'legacy_import'") == 0
    orders = next(s for s in report["steps"] if s["step"] == "orders")
    assert (orders["source_rows"], orders["to_import"]) == (48, 42)


def test_clean_source_passes_the_check(scratch: Scratch):
    scratch.legacy_shop(dirty=False)

    status, report = scratch.report("--source-schema", "legacy", "--check")

    assert status == 0
    assert report["quarantined_rows"] == 0


def test_import_does_what_the_check_said_and_balances(scratch: Scratch):
    dirt = scratch.legacy_shop()
    _, check = scratch.report("--source-schema", "legacy", "--check")

    status, report = scratch.report("--source-schema", "legacy")

    assert status == 0
    assert quarantine_of(report) == quarantine_of(check) == dirt.quarantined
    assert report["reconciled"] is True
    for step in report["steps"]:
        predicted = next(s for s in check["steps"] if s["step"] == step["step"])
        assert step["imported"] == predicted["to_import"], step["step"]
        assert step["source_rows"] == step["imported"] + sum(
            len(rows) for rows in step["quarantined"].values()
        )
        assert all(b["agrees"] for b in step["balances"]), step
    quarantined = {
        (step, rule, key)
        for step, rule, key in scratch.rows(
            "SELECT step, rule, source_key FROM legacy_import.quarantine"
        )
    }
    assert quarantined == {
        (step, rule, key) for (step, rule), keys in dirt.quarantined.items() for key in keys
    }
    # Quarantine holds the source row whole, as the source has it.
    assert scratch.value(
        "SELECT q.source_row = to_jsonb(p) FROM legacy_import.quarantine q "
        "JOIN legacy.products p ON p.id::text = q.source_key WHERE q.source_key = %s",
        [d(16)],
    )


def test_money_reconciles_to_the_paisa(scratch: Scratch):
    scratch.legacy_shop()

    _, report = scratch.report("--source-schema", "legacy")

    balances = {
        (step["step"], b["name"]): (b["source"], b["imported"], b["quarantined"])
        for step in report["steps"]
        for b in step["balances"]
    }
    legacy = scratch.rows(
        "SELECT sum(grand_total), sum(grand_total) FILTER (WHERE id IN (%s, %s, %s, %s, %s, %s)) "
        "FROM legacy.orders",
        [d(5), d(23), d(24), d(25), d(26), d(27)],
    )[0]
    source, imported, quarantined = (Decimal(v) for v in balances[("orders", "grand_total")])
    assert (source, quarantined) == legacy
    assert imported == scratch.value("SELECT sum(grand_total) FROM public.orders")
    assert source == imported + quarantined
    refunds = balances[("payment_transactions", "refund_amount")]
    assert tuple(Decimal(v) for v in refunds) == (Decimal("150.00"), 0, Decimal("150.00"))
    stock = balances[("inventory", "stock units")]
    assert int(stock[0]) == scratch.value(
        "SELECT sum(available_quantity + reserved_quantity) FROM legacy.inventory"
    )


def test_conversions(scratch: Scratch):
    scratch.legacy_shop()

    status, report = scratch.report("--source-schema", "legacy")

    assert status == 0
    # A real price: 12999.99, not the 13000 of real::numeric.
    assert scratch.value("SELECT selling_price FROM product_variants WHERE sku = 'SKU-2-L'") == (
        Decimal("12999.99")
    )
    # Naive IST around midnight: the instants are 18:29:59 and 18:30 UTC of 31 March.
    assert scratch.rows(
        "SELECT order_number, created_at AT TIME ZONE 'UTC' FROM orders "
        "WHERE order_number IN ('SO-90000007', 'SO-90000008') ORDER BY 1"
    ) == [
        ("SO-90000007", _utc("2024-03-31 18:29:59")),
        ("SO-90000008", _utc("2024-03-31 18:30:00")),
    ]
    # The invoice of 31 March is of financial year 2023-24, issued on its invoice date.
    assert scratch.rows(
        "SELECT series, financial_year, issued_at AT TIME ZONE 'Asia/Kolkata' FROM invoices "
        "WHERE id = %s",
        [d(42)],
    ) == [("IN", "2023-24", _utc("2024-03-31 00:00:00"))]
    assert scratch.value("SELECT email FROM users WHERE id = %s", [d(3)]) == "mixed@example.com"
    assert scratch.value("SELECT tags FROM orders WHERE id = %s", [d(28)]) == ["gift"]
    assert scratch.value("SELECT status FROM payment_transactions WHERE id = %s", [d(36)]) == (
        "captured"
    )
    assert scratch.value("SELECT codename FROM permissions") == "orders.view"
    assert scratch.rows(
        "SELECT status, compare_at_price, tags FROM products WHERE id = %s", [d(14)]
    ) == [("active", None, ["summer"])]
    # category_tier_1..2 became rows; the deepest tier is the primary one.
    assert scratch.rows(
        "SELECT t.level, pc.is_primary FROM product_categories pc "
        "JOIN tiers t ON t.id = pc.tier_id WHERE pc.product_id = md5('product:1')::uuid "
        "ORDER BY 1"
    ) == [(1, False), (2, True)]
    # Integer ids: UUIDv7 dated by the row, kept in id_map, which the audit trail's record_id
    # (an integer in text, no foreign key) goes through.
    new_id, created = scratch.rows(
        "SELECT u.id, u.created_at FROM uploads u JOIN legacy_import.id_map m "
        "ON m.new_id = u.id AND m.source_table = 'uploads' AND m.old_id = '1'"
    )[0]
    assert new_id.version == 7
    assert int(new_id.hex[:12], 16) == int(created.timestamp() * 1000)
    assert scratch.rows(
        "SELECT row_id, changes FROM audit_logs WHERE action = 'insert' AND table_name = 'uploads'"
    ) == [(str(new_id), {"id": [None, str(new_id)], "file_name": [None, "p1.jpg"]})]
    # An audit entry's user that no longer exists: the entry stays, without its user.
    assert (
        scratch.value("SELECT count(*) FROM audit_logs WHERE action = 'login' AND user_id IS NULL")
        == 1
    )
    # Legacy reservations go back to available (102 = 100 + 2). The history comes in as ledger
    # entries counted back from that balance, after an opening entry for what it does not
    # explain; a history that would go below zero is refused whole, and the opening entry
    # then carries the balance.
    ledger = (
        "SELECT a.available_delta, a.available_after, a.reason, a.note = %s "
        "FROM {ledger} a WHERE a.{key} = md5(%s)::uuid ORDER BY a.created_at"
    )
    opening = "Opening balance, imported from the legacy database."
    assert (
        scratch.value(
            "SELECT (available_quantity, reserved_quantity)::text FROM inventory "
            "WHERE id = md5('inventory:1')::uuid"
        )
        == "(102,0)"
    )
    inventory = ledger.format(ledger="inventory_adjustments", key="inventory_id")
    assert scratch.rows(inventory, [opening, "inventory:1"]) == [
        (2, 2, "received", True),
        (80, 82, "received", False),
        (20, 102, "correction", False),
    ]
    assert scratch.rows(inventory, [opening, "inventory:5"]) == [(102, 102, "received", True)]
    variants = ledger.format(ledger="variant_inventory_adjustments", key="variant_id")
    assert scratch.rows(variants, [opening, "variant:1"]) == [
        (110, 110, "received", False),
        (-10, 100, "sold", False),
    ]
    conversions = {c["code"]: c["rows"] for step in report["steps"] for c in step["conversions"]}
    assert conversions["reservations_released"] == 10
    assert conversions["email_normalised"] == 2
    assert conversions["float_money_exact:selling_price"] == 14


def test_what_the_new_schema_derives(scratch: Scratch):
    scratch.legacy_shop()

    scratch.report("--source-schema", "legacy")

    # Numbers continue after the highest imported one.
    assert scratch.value("SELECT nextval('order_number_seq')") == 90000009
    assert scratch.rows(
        "SELECT series, financial_year, last_number FROM invoice_number_counters"
    ) == [("IN", "2023-24", 9000002)]
    # One audit entry for the import, not one per row it wrote.
    entries = scratch.rows("SELECT changes FROM audit_logs WHERE action = 'other'")
    assert len(entries) == 1
    assert entries[0][0]["import_legacy"]["steps"]["orders"]["written"] == 42
    assert scratch.value("SELECT count(*) FROM audit_logs WHERE action = 'update'") == (
        scratch.value("SELECT count(*) FROM legacy.audit_logs WHERE action = 'update'") - 1
    )
    # Every constraint of the new schema is VALID.
    assert (
        scratch.value(
            "SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
            "AND NOT convalidated"
        )
        == 0
    )
    for command in (
        ["check_stock"],
        ["rls_report", "--check"],
        ["db_health", "--fail-on", "warning"],
    ):
        done = scratch.manage(*command)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])


def test_second_run_imports_nothing_twice(scratch: Scratch):
    scratch.legacy_shop()
    _, first = scratch.report("--source-schema", "legacy")
    before = _contents(scratch)

    status, second = scratch.report("--source-schema", "legacy")

    assert status == 0
    assert [s["written"] for s in second["steps"]] == [0] * len(second["steps"])
    assert quarantine_of(second) == quarantine_of(first)
    assert _contents(scratch) == before
    assert scratch.value("SELECT count(*) FROM audit_logs WHERE action = 'other'") == 1


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_result(scratch: Scratch, other_scratch: Scratch):
    scratch.legacy_shop(orders=400)
    other_scratch.legacy_shop(orders=400)
    other_scratch.report("--source-schema", "legacy")  # uninterrupted, for comparison

    # Kill the server side: the writing session ends when it comes to the payments (orders
    # written, payments not).
    with _payments_locked(scratch):
        run = scratch.start("--source-schema", "legacy", "--batch-rows", "100")
        backend = _blocked_importer(scratch)
        scratch.value("SELECT pg_terminate_backend(%s)", [backend])
        assert run.wait(timeout=60) != 0
    assert scratch.value("SELECT count(*) FROM public.orders") > 0
    assert scratch.value("SELECT count(*) FROM public.payment_transactions") == 0
    # And kill -9 the client, at the same place.
    with _payments_locked(scratch):
        run = scratch.start("--source-schema", "legacy", "--batch-rows", "100")
        _blocked_importer(scratch)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=60)

    status, report = scratch.report("--source-schema", "legacy")

    assert status == 0, report
    assert report["reconciled"] is True
    assert _contents(scratch) == _contents(other_scratch)


def test_a_corrected_row_comes_in_on_the_next_run(scratch: Scratch):
    scratch.legacy_shop()
    scratch.report("--source-schema", "legacy")
    with scratch.connect() as conn:
        conn.execute("UPDATE legacy.products SET sku = 'SKU-FIXED' WHERE id = %s", [d(11)])

    status, report = scratch.report("--source-schema", "legacy")

    assert status == 0
    found = quarantine_of(report)
    assert ("products", "products_sku_not_null") not in found
    assert ("product_variants", "parent_quarantined") not in found  # its variant came along
    assert scratch.rows("SELECT sku FROM products WHERE id = %s", [d(11)]) == [("SKU-FIXED",)]
    assert (
        scratch.value("SELECT count(*) FROM product_variants WHERE product_id = %s", [d(11)]) == 1
    )


def test_source_in_another_database(scratch: Scratch, other_scratch: Scratch):
    dirt = other_scratch.legacy_shop(schema="public_legacy")

    status, report = scratch.report(
        "--source", other_scratch.url, "--source-schema", "public_legacy"
    )

    assert status == 0
    assert quarantine_of(report) == dirt.quarantined
    assert report["reconciled"] is True
    assert scratch.value("SELECT count(*) FROM public.orders") == 42


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source-schema", "nowhere"], "the source schema 'nowhere' does not exist"),
        (["--source-schema", "public"], "--source-schema public is the new schema itself"),
        (["--source", "postgresql://nobody@127.0.0.1:1/none"], "cannot connect to the source"),
        (["--source-schema", "legacy", "--zone", "Mars/Olympus"], "is not an IANA time zone"),
        ([], "give --source URL or --source-schema NAME"),
    ],
)
def test_a_wrong_source_is_refused_with_nothing_written(scratch: Scratch, args, message):
    scratch.legacy_shop(orders=4, dirty=False)

    done = scratch.import_legacy(*args)

    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert scratch.value("SELECT count(*) FROM pg_namespace WHERE nspname = 'legacy_import'") == 0


def test_a_source_missing_what_the_import_reads_is_refused(scratch: Scratch):
    scratch.legacy_shop(orders=4, dirty=False)
    with scratch.connect() as conn:
        conn.execute("ALTER TABLE legacy.orders DROP COLUMN grand_total")
        conn.execute("DROP TABLE legacy.uploads CASCADE")

    done = scratch.import_legacy("--source-schema", "legacy")

    assert done.returncode == 2
    assert done.stderr.strip() == (
        "import_legacy: the source lacks what the import reads: table legacy.uploads, "
        "column legacy.orders.grand_total (source_incomplete)"
    )
    assert scratch.value("SELECT count(*) FROM public.users") == 0


def test_large_writes_leave_indexes_and_foreign_keys_as_migrate_made_them(scratch: Scratch):
    scratch.legacy_shop()
    migrated = _indexes_and_keys(scratch)

    status, _ = scratch.report("--source-schema", "legacy", "--bulk-rows", "1")

    assert status == 0
    assert _indexes_and_keys(scratch) == migrated
    assert scratch.value("SELECT count(*) FROM legacy_import.set_aside_ddl") == 0


def test_indexes_set_aside_by_a_killed_run_are_rebuilt_by_the_next(scratch: Scratch):
    scratch.legacy_shop(orders=4, dirty=False)
    migrated = _indexes_and_keys(scratch)
    killed = scratch.manage(
        "shell",
        "-c",
        "from django.db import connection; from adoption import bookkeeping, bulk; "
        "connection.cursor().execute(bookkeeping.DDL); bulk.set_aside('order_items')",
    )
    assert killed.returncode == 0, killed.stderr
    assert (
        scratch.value(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'order_items'::regclass "
            "AND contype = 'f'"
        )
        == 0
    )

    status, report = scratch.report("--source-schema", "legacy")

    assert status == 0, report
    assert _indexes_and_keys(scratch) == migrated
    assert scratch.value("SELECT count(*) FROM legacy_import.set_aside_ddl") == 0


# --- helpers ---------------------------------------------------------------------------------


def _indexes_and_keys(scratch: Scratch) -> list[tuple]:
    """The indexes and constraints of the tables (the partitions the import adds left out)."""
    return scratch.rows(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace "
        "AND NOT c.relispartition "
        "UNION ALL SELECT conname, pg_get_constraintdef(k.oid) || convalidated::text "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "WHERE k.connamespace = 'public'::regnamespace AND NOT c.relispartition "
        "AND k.conparentid = 0 ORDER BY 1, 2"
    )


def _utc(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


KEYS = {
    "product_categories": "product_id, tier_id",
    "inventory_adjustments": "inventory_id, available_delta, reason",
    "variant_inventory_adjustments": "variant_id, available_delta, reason",
    "invoice_number_counters": "series, financial_year, last_number",
}


def _contents(scratch: Scratch) -> dict:
    """What the import leaves: rows and sums per table, and the quarantine."""
    tables = scratch.rows(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p') AND NOT relispartition AND relname NOT LIKE 'django_%' "
        "AND relname NOT LIKE 'auth_%' ORDER BY 1"
    )
    contents = {}
    for (table,) in tables:
        # Rows the import writes keep their ids; what the database numbers itself (ledger
        # entries, counters, the import's own audit entry) is compared by what it says.
        key, where = KEYS.get(table, "id"), "true"
        if table == "audit_logs":
            where = "action <> 'other'"
        contents[table] = scratch.rows(
            f"SELECT count(*), array_agg(({key})::text ORDER BY ({key})::text) "
            f"FROM public.{table} WHERE {where}"
        )[0]
    contents["quarantine"] = scratch.rows(
        "SELECT step, source_key, rule FROM legacy_import.quarantine ORDER BY 1, 2"
    )
    return contents


class _payments_locked:
    """Hold the payments locked against writes (reads go on): the import stops when it comes
    to write them, after it has written the orders."""

    def __init__(self, scratch: Scratch):
        self.conn = scratch.connect()

    def __enter__(self):
        self.conn.execute("LOCK TABLE public.payment_transactions IN SHARE MODE")

    def __exit__(self, *exc):
        self.conn.rollback()
        self.conn.close()


def _blocked_importer(scratch: Scratch) -> int:
    """The pid of the import's session once it waits for the payments lock."""
    for _ in range(600):
        rows = scratch.rows(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND backend_type = 'client backend'"
        )
        if rows:
            return rows[0][0]
        time.sleep(0.1)
    raise AssertionError("the import never reached payment_transactions")
