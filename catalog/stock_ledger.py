"""The database rules that keep every stock row and its ledger in step, whoever writes.

Two stock tables carry ``available_quantity`` / ``reserved_quantity``, each with a ledger:
``inventory`` (``inventory_adjustments``) and ``product_variants``
(``variant_inventory_adjustments``). Three triggers per pair make "balance = sum of the ledger"
hold for Django, Supabase clients and a SQL console alike:

- ``apply_to_stock`` (ledger, BEFORE INSERT): locks the stock row, fills ``*_after`` from it and
  applies the entry's deltas in one UPDATE. An entry that would leave stock below zero is left to
  the ledger's ``<ledger>_after_non_negative`` CHECK, which refuses it by name.
- ``record_in_ledger`` (stock row, AFTER INSERT or UPDATE of the quantities): a change written
  to the stock row directly (a new row with stock, an UPDATE from a console or the admin) is
  recorded as a ledger entry, ``received`` or ``correction``, so it cannot bypass the ledger.
- ``append_only`` (ledger, BEFORE UPDATE or DELETE): entries are never edited, and deleted only
  together with their stock row (ON DELETE CASCADE). The audit user columns may still become
  NULL when that user is deleted (ON DELETE SET NULL).

The first two would set each other off; each marks its own write in a transaction-local
setting, and the other skips only a write that is both marked for that very row and made from
inside a trigger (``pg_trigger_depth() > 1``): a client's own statement runs at depth 1, so a
client cannot forge the mark.
"""

from dataclasses import dataclass

import pgtrigger
from django.db import models

from shop.db.triggers import Trigger, kept_as_is, refuse

SYNC_SETTING = "shop.stock_ledger_sync"


@dataclass(frozen=True)
class StockLedger:
    """A stock table and its ledger, by table name."""

    stock_table: str
    ledger_table: str
    stock_column: str  # the ledger's foreign key to the stock row

    def mark(self, stock_id: str) -> str:
        """SQL: the setting's value while one of the triggers writes the other table."""
        return f"'{self.stock_table}:' || {stock_id}"

    def is_marked(self, stock_id: str) -> str:
        """SQL: this write is the other trigger's, for this stock row."""
        return (
            f"pg_trigger_depth() > 1 AND "
            f"current_setting('{SYNC_SETTING}', true) = {self.mark(stock_id)}"
        )

    def while_marked(self, stock_id: str, statement: str) -> str:
        """PL/pgSQL: run ``statement`` with this stock row's mark set."""
        return f"""
        PERFORM set_config('{SYNC_SETTING}', {self.mark(stock_id)}, true);
        {statement};
        PERFORM set_config('{SYNC_SETTING}', '', true);
        """


INVENTORY_LEDGER = StockLedger("inventory", "inventory_adjustments", "inventory_id")
VARIANT_LEDGER = StockLedger("product_variants", "variant_inventory_adjustments", "variant_id")


def apply_to_stock(ledger: StockLedger) -> Trigger:
    """On the ledger: every new entry changes its stock row, and records the result."""
    stock, key = f"public.{ledger.stock_table}", f"NEW.{ledger.stock_column}"
    return Trigger(
        name="apply_to_stock",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert,
        declare=[("new_available", "integer"), ("new_reserved", "integer")],
        func=f"""
        IF {ledger.is_marked(key)} THEN
            RETURN NEW;  -- written by record_in_ledger for a change the stock row already has
        END IF;
        -- The lock keeps the row's quantities as read until this transaction ends.
        SELECT s.available_quantity + NEW.available_delta, s.reserved_quantity + NEW.reserved_delta
          INTO new_available, new_reserved
          FROM {stock} s WHERE s.id = {key} FOR UPDATE;
        IF NOT FOUND THEN
            RETURN NEW;  -- the foreign key refuses the entry
        END IF;
        NEW.available_after := new_available;
        NEW.reserved_after := new_reserved;
        IF new_available < 0 OR new_reserved < 0 THEN
            RETURN NEW;  -- {ledger.ledger_table}_after_non_negative refuses it, by name
        END IF;
        {
            ledger.while_marked(
                key,
                f"UPDATE {stock} SET available_quantity = new_available, "
                f"reserved_quantity = new_reserved WHERE id = {key}",
            )
        }
        RETURN NEW;
        """,
    )


def record_in_ledger(ledger: StockLedger) -> Trigger:
    """On the stock table: a quantity written directly becomes a ledger entry too."""
    return Trigger(
        name="record_in_ledger",
        when=pgtrigger.After,
        operation=pgtrigger.Insert | pgtrigger.UpdateOf("available_quantity", "reserved_quantity"),
        declare=[("available_delta", "integer"), ("reserved_delta", "integer")],
        func=f"""
        IF {ledger.is_marked("NEW.id")} THEN
            RETURN NULL;  -- the change comes from a ledger entry (apply_to_stock)
        END IF;
        IF TG_OP = 'INSERT' THEN
            available_delta := NEW.available_quantity;
            reserved_delta := NEW.reserved_quantity;
        ELSE
            available_delta := NEW.available_quantity - OLD.available_quantity;
            reserved_delta := NEW.reserved_quantity - OLD.reserved_quantity;
        END IF;
        IF available_delta = 0 AND reserved_delta = 0 THEN
            RETURN NULL;
        END IF;
        {
            ledger.while_marked(
                "NEW.id",
                f"INSERT INTO public.{ledger.ledger_table} ({ledger.stock_column}, "
                "available_delta, reserved_delta, available_after, reserved_after, reason, note) "
                "VALUES (NEW.id, available_delta, reserved_delta, NEW.available_quantity, "
                "NEW.reserved_quantity, CASE TG_OP WHEN 'INSERT' THEN 'received' "
                "ELSE 'correction' END, "
                f"'Written directly to {ledger.stock_table}; recorded by its trigger.')",
            )
        }
        RETURN NULL;
        """,
    )


class AppendOnly(Trigger):
    """On the ledger: refuse editing an entry, and deleting one whose stock row still exists."""

    when = pgtrigger.Before
    operation = pgtrigger.Update | pgtrigger.Delete

    def __init__(self, *, ledger: StockLedger) -> None:
        self.ledger = ledger
        super().__init__(name="append_only")

    def refuse(self, why: str) -> str:
        table = self.ledger.ledger_table
        return refuse(f"{table}_append_only", f"{table} entries are {why}")

    def get_func(self, model: models.Model) -> str:
        # An entry stays as written but for what kept_as_is allows: updated_at, and an audit
        # user column nulled because that user was deleted (ON DELETE SET NULL).
        return f"""
        IF TG_OP = 'DELETE' THEN
            -- A cascade from the stock row runs after the row is deleted: it is gone by now.
            IF EXISTS (SELECT 1 FROM public.{self.ledger.stock_table}
                       WHERE id = OLD.{self.ledger.stock_column}) THEN
                {self.refuse("deleted only with their stock row")}
            END IF;
            RETURN OLD;
        END IF;
        IF NOT ({kept_as_is(model)}) THEN
            {self.refuse("never changed: record a correcting entry instead")}
        END IF;
        RETURN NEW;
        """


def ledger_triggers(ledger: StockLedger) -> list[Trigger]:
    """The triggers of a ledger table."""
    return [apply_to_stock(ledger), AppendOnly(ledger=ledger)]


def opening_balance_sql(ledger: StockLedger) -> str:
    """SQL: a ``correction`` entry for every stock row its ledger does not add up to.

    Run by migration catalog 0004 before the triggers exist, so that from then on balance =
    sum of the ledger. Migrations are history: a different statement needs a new function.
    """
    stock, entries, key = ledger.stock_table, ledger.ledger_table, ledger.stock_column
    return f"""
    INSERT INTO public.{entries} ({key}, available_delta, reserved_delta, available_after,
                                  reserved_after, reason, note)
    SELECT s.id, s.available_quantity - coalesce(l.available, 0),
           s.reserved_quantity - coalesce(l.reserved, 0), s.available_quantity,
           s.reserved_quantity, 'correction', 'Opening balance: stock before the ledger was kept.'
    FROM public.{stock} s
    LEFT JOIN (SELECT {key}, sum(available_delta) AS available, sum(reserved_delta) AS reserved
               FROM public.{entries} GROUP BY {key}) l ON l.{key} = s.id
    WHERE (s.available_quantity, s.reserved_quantity)
          IS DISTINCT FROM (coalesce(l.available, 0), coalesce(l.reserved, 0));
    """
