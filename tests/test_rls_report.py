"""manage.py rls_report and docs/security.md, the report it writes."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shop.management.commands.rls_report import rls_report_markdown
from tests.support import execute, fetch

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parent.parent / "docs" / "security.md"


def run(*args: str) -> str:
    out = StringIO()
    call_command("rls_report", *args, stdout=out)
    return out.getvalue()


def summary_row(report: str, table: str) -> str:
    rows = [line for line in report.splitlines() if line.startswith(f"| {table} |")]
    assert len(rows) == 1, rows
    return rows[0]


def test_security_doc_is_current():
    assert DOC.read_text() == rls_report_markdown(), (
        "docs/security.md is stale: run `python manage.py rls_report --write`"
    )


def test_the_command_prints_the_report():
    assert run() == rls_report_markdown()


def test_write_writes_the_doc_under_base_dir(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    (tmp_path / "docs").mkdir()
    assert run("--write") == f"Wrote {tmp_path / 'docs' / 'security.md'}\n"
    assert (tmp_path / "docs" / "security.md").read_text() == rls_report_markdown()


def test_a_failed_write_says_why(settings, tmp_path):
    settings.BASE_DIR = tmp_path  # no docs/ directory in it
    with pytest.raises(CommandError, match=r"Could not write .*security\.md: No such file"):
        run("--write")


def test_every_table_in_public_is_listed_with_row_level_security_on():
    tables = [
        name
        for (name,) in fetch(
            """SELECT relname FROM pg_class
               WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"""
        )
    ]
    assert "audit_logs_default" in tables
    report = rls_report_markdown()
    for table in tables:
        assert summary_row(report, table).startswith(f"| {table} | on | no |")
    summary = report.split("## Every table", 1)[1].split("## Policies", 1)[0]
    listed = [line.split(" | ")[0][2:] for line in summary.splitlines() if line.startswith("| ")]
    assert listed[1:] == sorted(tables)  # after the header row
    assert "Row level security is on for every table in `public`." in report
    assert "**OFF**" not in report and "Row level security is OFF" not in report


def test_functions_a_client_may_call_are_listed():
    report = rls_report_markdown()
    functions = report.split("## Functions a client may call", 1)[1].split("## ", 1)[0]
    rows = [line for line in functions.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| `_pgtrigger_should_ignore(name)`",
        "| `category_products(uuid,integer)`",
        "| `search_products(text,integer)`",
        "| `uuid_generate_v7()`",
    ]
    assert rows[2] == (
        "| `search_products(text,integer)` | yes | yes | yes | Products for sale matching every "
        "word of query as a prefix, best first: ids and ranks. |"
    )
    # Trigger functions and the private helpers are not callable through the API.
    assert "audit_row_change" not in functions and "has_role" not in functions


def test_a_known_policy_is_shown_exactly():
    report = rls_report_markdown()
    assert summary_row(report, "orders") == (
        "| orders | on | no | — | SELECT, INSERT, UPDATE, DELETE | 2 |"
    )
    orders = report.split("\n### orders\n", 1)[1].split("\n### ", 1)[0]
    assert orders == (
        "\n"
        "- `orders_admin_all`: ALL to shop_staff, permissive\n"
        "  - using `( SELECT private.is_admin() AS is_admin)`\n"
        "  - with check `( SELECT private.is_admin() AS is_admin)`\n"
        "- `orders_owner_select`: SELECT to authenticated, permissive\n"
        "  - using `((user_id = ( SELECT auth.uid() AS uid)) AND (NOT is_deleted))`\n"
    )
    # The deparser's line breaks inside subqueries are folded onto one line.
    assert (
        "  - using `(EXISTS ( SELECT FROM carts parent WHERE (parent.id = cart_items.cart_id)"
        " OFFSET 0))`\n" in report
    )
    assert "- `reviews_public_select`: SELECT to anon, authenticated, permissive\n" in report


def test_column_guards_are_shown_with_the_columns_a_client_may_change():
    report = rls_report_markdown()
    assert "a client may change only `first_name`, `last_name`, `phone` (admins too)." in report
    assert "a client may change only `quantity` (admins are exempt)." in report
    # Only on the table that declares it, not on the partition holding a clone.
    assert report.count("pgtrigger_notifications_customer_columns_") == 1


def test_a_table_without_policies_is_listed_as_closed():
    report = rls_report_markdown()
    assert summary_row(report, "email_otps") == "| email_otps | on | no | — | — | 0 |"
    assert "\n### email_otps\n" not in report
    closed = report.split("\n## Closed tables\n", 1)[1]
    assert "\n- `email_otps`\n" in closed
    assert "\n- `audit_logs_default` (partition of `audit_logs`)\n" in closed
    assert "`orders`" not in closed


def test_a_table_with_row_level_security_off_is_flagged():
    execute("CREATE TABLE public.rls_report_scratch (id int PRIMARY KEY)")
    execute("GRANT SELECT ON public.rls_report_scratch TO anon")
    execute("ALTER TABLE public.email_otps DISABLE ROW LEVEL SECURITY")
    execute("ALTER TABLE public.orders DISABLE ROW LEVEL SECURITY")
    report = rls_report_markdown()
    assert summary_row(report, "rls_report_scratch") == (
        "| rls_report_scratch | **OFF** | no | SELECT | — | 0 |"
    )
    assert summary_row(report, "email_otps").startswith("| email_otps | **OFF** |")
    assert summary_row(report, "orders").startswith("| orders | **OFF** |")
    assert (
        "> **Row level security is OFF on `email_otps`, `orders`, `rls_report_scratch`.**"
    ) in report
    # Policies of a table without row level security are shown, but do not apply.
    assert (
        "\n### orders\n\n**Row level security is OFF: these policies do not apply.**\n"
    ) in report
    # Neither is closed: without row level security, privileges alone decide.
    closed = report.split("\n## Closed tables\n", 1)[1]
    assert "`email_otps`" not in closed and "`rls_report_scratch`" not in closed
    with pytest.raises(CommandError) as refused:
        run("--check")
    assert str(refused.value) == (
        "Row level security is off on 3 table(s) in public: "
        "email_otps, orders, rls_report_scratch. "
        "Declare their access in a migration (shop.db.policies), see docs/security.md."
    )


def test_check_passes_when_every_table_has_row_level_security():
    count = len(fetch("SELECT FROM pg_tables WHERE schemaname = 'public'"))
    assert run("--check") == f"Row level security is on for all {count} tables in public.\n"


def test_write_and_check_exclude_each_other():
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("--write", "--check")
