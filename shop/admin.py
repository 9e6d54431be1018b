"""The admin of the audit trail: append-only evidence, so view only."""

from django.contrib import admin
from django.db import connection
from django.http import HttpRequest

from shop.admin_base import ReadOnlyAdmin, recent
from shop.models import AuditLog

# The tables the audit triggers watch, from the catalog: the filter offers them without a
# SELECT DISTINCT over the whole (month-partitioned, ever-growing) audit_logs table.
AUDITED_TABLES_SQL = """
    SELECT DISTINCT c.relname FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    WHERE t.tgfoid = pg_catalog.to_regprocedure('private.audit_row_change()')
    ORDER BY 1
"""


def audited_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(AUDITED_TABLES_SQL)
        return [table for (table,) in cursor.fetchall()]


class AuditedTableFilter(admin.SimpleListFilter):
    title = "table"
    parameter_name = "table_name"

    def lookups(self, request, model_admin):
        return [(table, table) for table in audited_tables()]

    def queryset(self, request, queryset):
        return queryset.filter(table_name=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("timestamp", "action", "table_name", "row_id", "user")
    list_filter = ("action", AuditedTableFilter, recent("timestamp"))
    list_select_related = ("user",)
    search_fields = ("=row_id",)
    search_help_text = "The exact id of the changed row."
    ordering = ("-timestamp",)

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # One id, not words: "=row_id" would split a composite key's JSON on its spaces.
        if not search_term.strip():
            return queryset, False
        return queryset.filter(row_id=search_term.strip()), False
