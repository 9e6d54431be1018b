"""Statements shaped the way supabase-js sends them through PostgREST, for the bench.

A client's ``supabase.from('orders').select('id, order_items(count)').eq('user_id', uid)
.order('created_at', {ascending: false}).limit(20)`` reaches PostgreSQL as one prepared
statement (PostgREST 12): the rows in a ``pgrst_source`` CTE, each embed as a ``LEFT JOIN
LATERAL`` aggregating the child rows with ``json_agg``, the page wrapped in ``json_agg``, the
filter values as parameters, and, for ``Prefer: count=exact``, a second CTE counted. The role and
the JWT claims are set before it with ``set_config(..., true)`` (``shop.db.rls`` does the same).

:func:`read` builds that SQL, so the bench measures what a client's request costs, not what
a hand-written query costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shop.perf.bench_measure import Statement

# PostgREST's operators as SQL (the ones the bench sends); the value is the parameter.
OPERATORS = {"eq": "= %s", "fts": "@@ to_tsquery(%s)"}


@dataclass(frozen=True)
class CountEmbed:
    """A one-to-many embed asked as ``table(count)``: how many rows of ``table`` have the
    parent's id in ``key``."""

    table: str
    key: str


def _column(table: str, name: str) -> str:
    return f'"public"."{table}"."{name}"'


def _embed_join(parent: str, embed: CountEmbed, n: int) -> tuple[str, str]:
    """(select-list entry, LEFT JOIN LATERAL) of ``embed`` under ``parent``."""
    alias = f"{parent}_{embed.table}_{n}"
    inner = f"{embed.table}_{n}"
    join = (
        f'LEFT JOIN LATERAL (SELECT json_agg("{alias}")::jsonb AS "{alias}" FROM ('
        f'SELECT pg_catalog.count(*) AS "count" FROM "public"."{embed.table}" AS "{inner}" '
        f'WHERE "{inner}"."{embed.key}" = {_column(parent, "id")}) AS "{alias}") '
        f'AS "{alias}" ON TRUE'
    )
    return f'COALESCE("{alias}"."{alias}", \'[]\') AS "{embed.table}"', join


def read(
    table: str,
    *,
    columns: tuple[str, ...],
    embeds: tuple[CountEmbed, ...] = (),
    where: dict[str, tuple[str, Any]] | None = None,
    order: tuple[str, ...] = (),
    limit: int,
    count_exact: bool = False,
) -> Statement:
    """``GET /table?select=...&col=eq.value&order=col.desc&limit=N`` as PostgREST runs it.

    ``where`` maps a column to (operator, value): ``eq`` or ``fts`` (supabase-js
    ``.textSearch()``); ``order`` names columns, ``-name`` for descending.
    """
    selected = [_column(table, c) for c in columns]
    joins = []
    for n, embed in enumerate(embeds, start=1):
        entry, join = _embed_join(table, embed, n)
        selected.append(entry)
        joins.append(join)
    filters = where or {}
    conditions = " AND ".join(
        f"{_column(table, c)} {OPERATORS[op]}" for c, (op, _) in filters.items()
    )
    where_sql = f" WHERE {conditions}" if conditions else ""
    ordering = ", ".join(
        f"{_column(table, c.lstrip('-'))} {'DESC' if c.startswith('-') else 'ASC'}" for c in order
    )
    source = (
        f'SELECT {", ".join(selected)} FROM "public"."{table}" {" ".join(joins)}{where_sql}'
        + (f" ORDER BY {ordering}" if ordering else "")
        + f" LIMIT {limit} OFFSET 0"
    )
    ctes = [f"pgrst_source AS ({source})"]
    total = "null::bigint"
    if count_exact:
        ctes.append(f'pgrst_source_count AS (SELECT 1 FROM "public"."{table}"{where_sql})')
        total = "(SELECT pg_catalog.count(*) FROM pgrst_source_count)"
    sql = (
        f"WITH {', '.join(ctes)} "
        f"SELECT {total} AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, "
        "coalesce(json_agg(_postgrest_t), '[]') AS body, "
        "nullif(current_setting('response.headers', true), '') AS response_headers, "
        "nullif(current_setting('response.status', true), '') AS response_status, "
        "'' AS response_inserted "
        "FROM (SELECT * FROM pgrst_source) _postgrest_t"
    )
    # Values travel as text, typed by the column they meet (PostgREST binds them unknown).
    params = [str(value) for _, value in filters.values()]
    if count_exact:
        params = params * 2
    return Statement(sql, params, prepared=True)


def rpc(function: str, **arguments: Any) -> Statement:
    """``POST /rpc/function`` with named arguments, for a function returning a set of rows."""
    named = ", ".join(f'"{name}" := %s' for name in arguments)
    sql = (
        "SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, "
        "coalesce(json_agg(_postgrest_t), '[]') AS body "
        f'FROM (SELECT "pgrst_call".* FROM "public"."{function}"({named}) AS "pgrst_call") '
        "_postgrest_t"
    )
    return Statement(sql, [str(v) for v in arguments.values()], prepared=True, calls_function=True)
