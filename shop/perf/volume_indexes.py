"""Volume load: the big tables' plain indexes are built, and their foreign keys checked, once,
after their rows are in.

Adding millions of rows to a btree one at a time costs more than sorting them into a new one
(which PostgreSQL does with parallel workers), and checking a foreign key row by row (a lookup
and a row lock per row and key, NULL keys queued too) costs far more than checking all rows at
once. So, in the loading transaction, the indexes of the big tables that enforce nothing (not
unique, no constraint) and their foreign keys are dropped, and before it commits they are
created again from their own definitions: adding a foreign key checks every row of the table
(and of each partition) in one query, and one row without its parent fails the whole load.
Primary keys, unique indexes and CHECK constraints stay and check every row as it comes. A
failure rolls the drops back with everything else.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop.perf.volume_loader import Loader

# The tables that get hundreds of thousands of rows or more at scale 1.
BIG_TABLES = (
    "users",
    "customer_profiles",
    "user_addresses",
    "carts",
    "cart_items",
    "orders",
    "order_items",
    "payment_transactions",
    "payment_webhook_logs",
    "invoices",
    "invoice_line_items",
    "invoice_versions",
    "inventory_adjustments",
    "variant_inventory_adjustments",
    "notifications",
    "notification_delivery_logs",
    "audit_logs",
)

# Indexes of the table itself (of a partitioned table: its partitioned indexes, which carry
# the partitions' along) that are neither unique nor behind a constraint.
PLAIN_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
"""


# The table's own foreign keys (of a partitioned table: not the partitions' clones).
FOREIGN_KEYS_SQL = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0
ORDER BY conname
"""


@dataclass(frozen=True)
class Definition:
    table: str
    name: str
    sql: str


@contextmanager
def built_afterwards(loader: "Loader", tables: tuple[str, ...] = BIG_TABLES) -> Iterator[None]:
    """Drop the plain indexes and foreign keys of ``tables``; create them again (checking
    every row) when the block is done."""
    indexes, foreign_keys = [], []
    for table in tables:
        loader.cursor.execute(PLAIN_INDEXES_SQL, [f"public.{table}"])
        indexes += [Definition(table, *row) for row in loader.cursor.fetchall()]
        loader.cursor.execute(FOREIGN_KEYS_SQL, [f"public.{table}"])
        foreign_keys += [Definition(table, *row) for row in loader.cursor.fetchall()]
    for key in foreign_keys:
        loader.execute(f'ALTER TABLE public."{key.table}" DROP CONSTRAINT "{key.name}"')
    for index in indexes:
        loader.execute(f'DROP INDEX public."{index.name}"')
    yield
    # A partitioned index is defined ON ONLY its table; built ON it, it is built on every
    # partition too, under the names they had (derived from the partition's name).
    loader.build(
        f"(after the rows) {len(indexes)} plain indexes built",
        [index.sql.replace(" ON ONLY ", " ON ", 1) for index in indexes],
    )
    loader.build(
        f"(after the rows) {len(foreign_keys)} foreign keys added, every row checked",
        [f'ALTER TABLE public."{k.table}" ADD CONSTRAINT "{k.name}" {k.sql}' for k in foreign_keys],
    )
