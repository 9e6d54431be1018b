"""Stock services: receive stock, hold it for cart lines, release holds, commit them to orders.

Every change is a ledger entry (``inventory_adjustments`` / ``variant_inventory_adjustments``)
that the database applies to its stock row in one UPDATE (``catalog.stock_ledger``), so balance
and ledger cannot disagree; :func:`stock_drift` checks that they, and the cart holds, still agree.

Where a cart line's units are: a line with a variant holds the variant's own stock (variants have
no location); a line without one holds its product's ``inventory`` row at one location,
``cart_items.reserved_from_location``. A hold counts until ``reserved_until``, while its line is
alive in an active cart; after that its units may be taken by others (:func:`reserve_for_cart_item`
releases such holds on the stock it needs, :func:`release_expired_reservations` all of them).

Locks are taken in one order: cart items, then inventory rows, then variants, each set in one
``SELECT ... ORDER BY id FOR UPDATE``; expired holds of other lines are taken with SKIP LOCKED,
never waited for. So no two services wait for each other in a circle: no deadlocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.models import (
    AdjustmentReason,
    Inventory,
    InventoryAdjustment,
    InventoryLocation,
    InventoryStatus,
    Product,
    ProductVariant,
    StockAdjustment,
    VariantInventoryAdjustment,
)
from shop.db.functions import one_statement
from shop.db.refusals import refusal_of

if TYPE_CHECKING:
    from orders.models import CartItem, Order

# reference_type of the entries the services write (private.commit_cart_items writes "order").
CART_ITEM = "cart_item"

# The rules private.commit_cart_items refuses with, as the services below do.
STOCK_RULES = frozenset(
    {
        "insufficient_stock",
        "cart_item_exists",
        "cart_item_in_active_cart",
        "cart_items_of_the_order",
        "stock_for_sale",
    }
)

Stock = Inventory | ProductVariant


class StockError(Exception):
    """A stock service refused; ``rule`` names the rule. Nothing was written."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"{rule}: {message}")


class InsufficientStock(StockError):
    """Fewer units can be had than were asked for."""

    def __init__(self, *, stock: str, requested: int, available: int) -> None:
        self.stock, self.requested, self.available = stock, requested, available
        super().__init__(
            "insufficient_stock", f"{requested} of {stock} requested, {available} available"
        )


# --- Services ------------------------------------------------------------------------------


@transaction.atomic
def receive(
    *, product: Product, location: InventoryLocation, quantity: int, note: str = ""
) -> InventoryAdjustment:
    """Add ``quantity`` units of ``product`` arriving at ``location`` to available stock."""
    _require_units(quantity)
    row, _ = Inventory.objects.get_or_create(product=product, location=location)
    return _receive(_lock_stock(inventory_ids=[row.pk]).by_id[row.pk], quantity, note)


@transaction.atomic
def receive_variant(
    *, variant: ProductVariant, quantity: int, note: str = ""
) -> VariantInventoryAdjustment:
    """Add ``quantity`` arriving units of ``variant`` to its available stock."""
    _require_units(quantity)
    return _receive(_lock_stock(variant_ids=[variant.pk]).by_id[variant.pk], quantity, note)


@transaction.atomic
def reserve_for_cart_item(
    *,
    cart_item: CartItem,
    hold_for: timedelta,
    quantity: int | None = None,
    location: InventoryLocation | None = None,
) -> CartItem:
    """Hold ``quantity`` units (default: the line's quantity) for a cart line for ``hold_for``.

    Replaces the line's earlier hold: tops it up, gives back the excess, or moves it. Without a
    ``location`` a product's units are held where the line holds them already, else at the
    default location, else where most are available. Expired holds on that stock are released
    first. Returns the cart item with its hold; refuses with :class:`StockError`.
    """
    (item,) = _lock_cart_items([cart_item.pk])
    quantity = item.quantity if quantity is None else quantity
    _require_units(quantity)
    if quantity > item.quantity:
        raise StockError(
            "cart_items_reserved_within_quantity",
            f"cannot hold {quantity} units for a cart line of {item.quantity}",
        )
    if not isinstance(hold_for, timedelta) or hold_for <= timedelta(0):
        raise StockError("hold_for_positive", f"a hold lasts some time, got {hold_for!r}")
    if item.variant_id and location is not None:
        raise StockError("variant_stock_has_no_location", "a variant's stock has no location")
    now = timezone.now()
    candidates = _sources(item, location=location)
    stock = _lock_stock(**_ids(candidates + _held_ids([item])))
    journal = _Journal()
    _release(_dead_holds_on(stock, now=now, besides=item), stock, journal, AdjustmentReason.EXPIRED)
    held = stock.held_by(item)
    own = item.reserved_quantity if held else 0
    target = _pick(
        stock.rows(candidates),
        need=quantity,
        spare=lambda row: row.available_quantity + (own if row is held else 0),
        prefer=held,
        what=_describe_need(item, location),
    )
    reference = (CART_ITEM, item.pk)
    if target is held:
        change = quantity - own
        reason = AdjustmentReason.RESERVED if change > 0 else AdjustmentReason.RELEASED
        journal.post(target, available=-change, reserved=change, reason=reason, ref=reference)
    else:
        if held:
            journal.post(
                held, available=own, reserved=-own, reason=AdjustmentReason.RELEASED, ref=reference
            )
        journal.post(
            target,
            available=-quantity,
            reserved=quantity,
            reason=AdjustmentReason.RESERVED,
            ref=reference,
        )
    journal.write()
    item.reserved_quantity = quantity
    item.reserved_until = now + hold_for
    item.reserved_from_location_id = getattr(target, "location_id", None)
    item.save(update_fields=["reserved_quantity", "reserved_until", "reserved_from_location"])
    return item


@transaction.atomic
def release_cart_item(*, cart_item: CartItem) -> int:
    """Give a cart line's held units back to available stock; returns how many (0: none)."""
    items = _lock_cart_items([cart_item.pk], alive=False)
    stock = _lock_stock(**_ids(_held_ids(items)))
    journal = _Journal()
    released = _release(items, stock, journal, AdjustmentReason.RELEASED)
    journal.write()
    return released


def commit_cart_items(*, cart_items: Iterable[CartItem], order: Order) -> list[StockAdjustment]:
    """Sell the cart lines' units to ``order``: call once, in the transaction placing it.

    Held units leave reserved stock; units a line does not hold (its hold expired and was
    released, or it never had one) are taken from available stock where the line holds the
    rest, else from the default location, else where most are available. Writes one
    ``committed`` entry per stock row referencing the order (a second commit of the order is
    refused by ``uq_*_committed_once``), clears the lines' holds and keeps in
    ``reserved_from_location`` where a product's units came from. Returns the entries; refuses
    with :class:`StockError` (``insufficient_stock`` when a line cannot be had), and then
    nothing is written.

    The work is one call of ``private.commit_cart_items`` (migration catalog 0012), so that
    a checkout holds a hot product's stock row for one statement, not a dozen round trips.
    """
    ids = sorted({item.pk for item in cart_items})
    try:
        with one_statement(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT ledger, entry_id FROM private.commit_cart_items(%s, %s::uuid[])",
                [order.pk, ids],
            )
            written = cursor.fetchall()
    except IntegrityError as error:
        refused = stock_error_of(error)
        if refused is None:
            raise
        raise refused from error
    entries = {ledger.entry._meta.db_table: ledger.entry for ledger in LEDGERS}
    return [entries[table].objects.get(pk=entry_id) for table, entry_id in written]


def stock_error_of(error: IntegrityError) -> StockError | None:
    """The :class:`StockError` of a stock function's refusal; None for other errors."""
    refusal = refusal_of(error)
    if refusal is None or refusal.rule not in STOCK_RULES:
        return None
    if refusal.rule == "insufficient_stock":
        return InsufficientStock(**refusal.detail)
    return StockError(refusal.rule, refusal.message)


@transaction.atomic
def release_expired_reservations(*, now: datetime | None = None) -> int:
    """Give back the units of holds that no longer count; returns how many units.

    A hold no longer counts once ``reserved_until`` has passed (or was never set), or its line or
    cart is deleted, or its cart is no longer active. Units reserved on a stock row that no cart
    line holds at all (its line was deleted outright) are given back too. Lines another
    transaction is working on are skipped, not waited for: the next run takes them.
    """
    now = now or timezone.now()
    dead = list(
        _cart_item_model()
        .all_objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_dead_holds(now))
        .order_by("pk")
    )
    unheld = [(ledger, row_id) for ledger, row_id, _, _ in _holds_drift("s.reserved_quantity > 0")]
    stock = _lock_stock(**_ids(_held_ids(dead) + unheld))
    journal = _Journal()
    released = _release(dead, stock, journal, AdjustmentReason.EXPIRED)
    journal.write()
    # With the rows locked and the dead holds cleared, what is reserved beyond the holds is
    # held by no line.
    journal = _Journal()
    for _, row_id, reserved, held in _holds_drift("s.id = ANY(%s)", [list(stock.by_id)]):
        if reserved > held:
            journal.post(
                stock.by_id[row_id],
                available=reserved - held,
                reserved=held - reserved,
                reason=AdjustmentReason.RELEASED,
                note="Reserved units that no cart line holds.",
            )
            released += reserved - held
    journal.write()
    return released


# --- The drift check -----------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A stock row whose quantities differ from its ledger's sum, or from its cart holds."""

    table: str
    row_id: UUID
    stock: str
    kind: str  # "ledger" or "holds"
    found: tuple[int, int]  # (available_quantity, reserved_quantity)
    expected: tuple[int, int]

    def __str__(self) -> str:
        source = "its ledger adds up to" if self.kind == "ledger" else "its cart lines hold"
        return (
            f"{self.table} {self.row_id} ({self.stock}): (available, reserved) = {self.found}, "
            f"{source} {self.expected}"
        )


def stock_drift() -> list[Drift]:
    """Every stock row that disagrees with the sum of its ledger, or with its cart holds."""
    drift = []
    with connection.cursor() as cursor:
        for ledger in LEDGERS:
            cursor.execute(ledger.ledger_drift_sql)
            drift += [Drift(ledger.stock_table, *row[:2], "ledger", *_pairs(row)) for row in cursor]
            cursor.execute(ledger.holds_drift_sql("true"))
            drift += [Drift(ledger.stock_table, *row[:2], "holds", *_pairs(row)) for row in cursor]
    return drift


def _pairs(row: tuple) -> tuple[tuple[int, int], tuple[int, int]]:
    return (row[2], row[3]), (row[4], row[5])


# --- Ledgers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """A stock table, its ledger, and how cart lines point at its rows."""

    stock: type[Stock]
    entry: type[StockAdjustment]
    key: str  # the entry's field for the stock row
    label_sql: str  # what a row is, for people: from stock row s
    label_joins: str
    holds_sql: str  # held units per stock row, joined on s
    holds_join: str

    @property
    def stock_table(self) -> str:
        return self.stock._meta.db_table

    @property
    def ledger_drift_sql(self) -> str:
        column = self.entry._meta.get_field(self.key).column
        return f"""
        SELECT s.id, {self.label_sql}, s.available_quantity, s.reserved_quantity,
               coalesce(l.available, 0), coalesce(l.reserved, 0)
        FROM public.{self.stock_table} s {self.label_joins}
        LEFT JOIN (SELECT {column}, sum(available_delta) AS available,
                          sum(reserved_delta) AS reserved
                   FROM public.{self.entry._meta.db_table} GROUP BY {column}) l
               ON l.{column} = s.id
        WHERE (s.available_quantity, s.reserved_quantity)
              IS DISTINCT FROM (coalesce(l.available, 0), coalesce(l.reserved, 0))
        ORDER BY s.id"""

    def holds_drift_sql(self, rows: str) -> str:
        return f"""
        SELECT s.id, {self.label_sql}, s.available_quantity, s.reserved_quantity,
               s.available_quantity, coalesce(h.held, 0)
        FROM public.{self.stock_table} s {self.label_joins}
        LEFT JOIN ({self.holds_sql}) h ON {self.holds_join}
        WHERE s.reserved_quantity <> coalesce(h.held, 0) AND {rows}
        ORDER BY s.id"""


INVENTORY = Ledger(
    Inventory,
    InventoryAdjustment,
    "inventory",
    label_sql="'product ' || p.sku || ' at ' || loc.code",
    label_joins="JOIN public.products p ON p.id = s.product_id "
    "JOIN public.inventory_locations loc ON loc.id = s.location_id",
    holds_sql="SELECT product_id, reserved_from_location_id, sum(reserved_quantity) AS held "
    "FROM public.cart_items WHERE reserved_quantity > 0 AND variant_id IS NULL GROUP BY 1, 2",
    holds_join="h.product_id = s.product_id AND h.reserved_from_location_id = s.location_id",
)
VARIANTS = Ledger(
    ProductVariant,
    VariantInventoryAdjustment,
    "variant",
    label_sql="'variant ' || s.sku",
    label_joins="",
    holds_sql="SELECT variant_id, sum(reserved_quantity) AS held FROM public.cart_items "
    "WHERE reserved_quantity > 0 AND variant_id IS NOT NULL GROUP BY 1",
    holds_join="h.variant_id = s.id",
)
LEDGERS = (INVENTORY, VARIANTS)  # also the order in which their rows are locked


def _ledger_of(row: Stock) -> Ledger:
    return INVENTORY if isinstance(row, Inventory) else VARIANTS


def _holds_drift(where: str, params: list | tuple = ()) -> list[tuple[Ledger, UUID, int, int]]:
    """(ledger, row id, reserved, held by cart lines) of the stock rows ``where`` the two differ."""
    found = []
    with connection.cursor() as cursor:
        for ledger in LEDGERS:
            cursor.execute(ledger.holds_drift_sql(where), params)
            found += [(ledger, row[0], row[3], row[5]) for row in cursor]
    return found


class _Journal:
    """The ledger entries of one step of a service, written with one INSERT per ledger."""

    def __init__(self) -> None:
        self.entries: dict[Ledger, list[StockAdjustment]] = {ledger: [] for ledger in LEDGERS}

    def post(
        self,
        row: Stock,
        *,
        available: int,
        reserved: int,
        reason: str,
        ref: tuple[str, UUID] | None = None,
        note: str = "",
    ) -> None:
        if not (available or reserved):
            return
        # The database computes the same *_after under the same lock (apply_to_stock).
        row.available_quantity += available
        row.reserved_quantity += reserved
        ledger = _ledger_of(row)
        reference_type, reference_id = ref or ("", None)
        self.entries[ledger].append(
            ledger.entry(
                **{ledger.key: row},
                available_delta=available,
                reserved_delta=reserved,
                available_after=row.available_quantity,
                reserved_after=row.reserved_quantity,
                reason=reason,
                reference_type=reference_type,
                reference_id=reference_id,
                note=note,
            )
        )

    def write(self) -> list[StockAdjustment]:
        written: list[StockAdjustment] = []
        for ledger, entries in self.entries.items():
            if entries:
                written += ledger.entry.objects.bulk_create(entries)
        return written


def _receive(row: Stock, quantity: int, note: str) -> StockAdjustment:
    journal = _Journal()
    journal.post(row, available=quantity, reserved=0, reason=AdjustmentReason.RECEIVED, note=note)
    (entry,) = journal.write()
    return entry


# --- Locked stock --------------------------------------------------------------------------


class _LockedStock:
    """Stock rows locked by this transaction, found by id or by what a cart line holds."""

    def __init__(self, rows: list[Stock]) -> None:
        self.by_id = {row.pk: row for row in rows}
        self.by_place = {
            (row.product_id, row.location_id): row for row in rows if isinstance(row, Inventory)
        }

    def rows(self, refs: list[tuple[Ledger, UUID]]) -> list[Stock]:
        return [self.by_id[row_id] for _, row_id in refs if row_id in self.by_id]

    def held_by(self, item: CartItem) -> Stock | None:
        """The row holding the line's units; None without a hold, or once the row is gone."""
        if not item.reserved_quantity:
            return None
        if item.variant_id:
            return self.by_id.get(item.variant_id)
        return self.by_place.get((item.product_id, item.reserved_from_location_id))


def _lock_stock(
    *, inventory_ids: Iterable[UUID] = (), variant_ids: Iterable[UUID] = ()
) -> _LockedStock:
    """Lock the rows, inventory before variants, each set in id order."""
    rows: list[Stock] = []
    for ledger, ids in ((INVENTORY, set(inventory_ids)), (VARIANTS, set(variant_ids))):
        if ids:
            # _base_manager: a soft-deleted variant still holds the units of its holds.
            locked = ledger.stock._base_manager.select_for_update(of=("self",))
            if ledger is INVENTORY:
                locked = locked.select_related("location")
            rows += locked.filter(pk__in=ids).order_by("pk")
    return _LockedStock(rows)


def _ids(refs: list[tuple[Ledger, UUID]]) -> dict[str, list[UUID]]:
    return {
        "inventory_ids": [row_id for ledger, row_id in refs if ledger is INVENTORY],
        "variant_ids": [row_id for ledger, row_id in refs if ledger is VARIANTS],
    }


def _held_ids(items: list[CartItem]) -> list[tuple[Ledger, UUID]]:
    """The stock rows the lines' holds are on (read without a lock)."""
    refs = [(VARIANTS, i.variant_id) for i in items if i.reserved_quantity and i.variant_id]
    places = Q()
    for item in items:
        if item.reserved_quantity and not item.variant_id:
            places |= Q(product_id=item.product_id, location_id=item.reserved_from_location_id)
    if places:
        refs += [
            (INVENTORY, row_id)
            for row_id in Inventory.objects.filter(places).values_list("pk", flat=True)
        ]
    return refs


def _sources(
    item: CartItem, *, location: InventoryLocation | None = None
) -> list[tuple[Ledger, UUID]]:
    """The stock rows a cart line may take units from (read without a lock)."""
    if item.variant_id:
        variant = ProductVariant.all_objects.get(pk=item.variant_id)
        if not variant.is_active or variant.is_deleted:
            raise StockError("stock_for_sale", f"variant {variant.sku} is not for sale")
        return [(VARIANTS, variant.pk)]
    if item.product_id is None:
        raise StockError("stock_for_sale", f"cart line {item.pk}'s product was deleted")
    rows: QuerySet[Inventory] = Inventory.objects.filter(
        product_id=item.product_id,
        status=InventoryStatus.ACTIVE,
        location__is_active=True,
        location__is_deleted=False,
    )
    if location is not None:
        rows = rows.filter(location=location)
    return [(INVENTORY, row_id) for row_id in rows.values_list("pk", flat=True)]


def _pick(
    rows: list[Stock],
    *,
    need: int,
    spare: Callable[[Stock], int],
    prefer: Stock | None,
    what: Callable[[], str],
) -> Stock:
    """The row to take ``need`` units from: ``prefer``, the default location, the fullest."""
    ranked = sorted(
        rows,
        key=lambda row: (
            row is not prefer,
            not getattr(getattr(row, "location", None), "is_default", False),
            -spare(row),
            row.pk,
        ),
    )
    for row in ranked:
        if spare(row) >= need:
            return row
    raise InsufficientStock(
        stock=what(), requested=need, available=max((spare(row) for row in rows), default=0)
    )


def _describe_need(item: CartItem, location: InventoryLocation | None) -> Callable[[], str]:
    """What a line asks for, for an error message (read only when one is raised)."""

    def describe() -> str:
        if item.variant_id:
            return f"variant {ProductVariant.all_objects.get(pk=item.variant_id).sku}"
        sku = Product.all_objects.get(pk=item.product_id).sku
        return f"product {sku} at {location.code if location else 'any location'}"

    return describe


# --- Cart holds ----------------------------------------------------------------------------


def _cart_item_model() -> type[CartItem]:
    # orders depends on catalog, not the other way round: looked up, not imported.
    return apps.get_model("orders", "CartItem")


def _lock_cart_items(ids: list[UUID], *, alive: bool = True) -> list[CartItem]:
    """Lock the cart lines in id order; with ``alive``, each must be in an active cart."""
    items = list(
        _cart_item_model()
        .all_objects.select_for_update(of=("self",))
        .select_related("cart")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    missing = set(ids) - {item.pk for item in items}
    if missing:
        raise StockError("cart_item_exists", f"no cart line {', '.join(map(str, missing))}")
    for item in items if alive else ():
        if item.is_deleted or item.cart.is_deleted or item.cart.status != "active":
            raise StockError(
                "cart_item_in_active_cart", f"cart line {item.pk} is not in an active cart"
            )
    return items


def _dead_holds(now: datetime) -> Q:
    """Cart lines whose hold no longer counts."""
    return Q(reserved_quantity__gt=0) & (
        Q(reserved_until__isnull=True)
        | Q(reserved_until__lte=now)
        | Q(is_deleted=True)
        | Q(cart__is_deleted=True)
        | ~Q(cart__status="active")
    )


def _dead_holds_on(stock: _LockedStock, *, now: datetime, besides: CartItem) -> list[CartItem]:
    """Lines with dead holds on the locked rows, except ``besides``; SKIP LOCKED."""
    places = Q()
    for row in stock.by_id.values():
        if isinstance(row, Inventory):
            places |= Q(
                variant__isnull=True,
                product_id=row.product_id,
                reserved_from_location_id=row.location_id,
            )
        else:
            places |= Q(variant_id=row.pk)
    if not places:
        return []
    return list(
        _cart_item_model()
        .all_objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_dead_holds(now), places)
        .exclude(pk=besides.pk)
        .order_by("pk")
    )


def _release(items: list[CartItem], stock: _LockedStock, journal: _Journal, reason: str) -> int:
    """Post the return of the lines' held units and clear their holds; returns the units."""
    released = 0
    for item in items:
        row = stock.held_by(item)
        if row is not None:
            # Never more than the row has reserved: a hold the row disagrees with is drift,
            # for check_stock to report, not a reason to refuse the release.
            units = min(item.reserved_quantity, row.reserved_quantity)
            journal.post(
                row, available=units, reserved=-units, reason=reason, ref=(CART_ITEM, item.pk)
            )
            released += units
    if items:
        _cart_item_model().all_objects.filter(pk__in=[item.pk for item in items]).update(
            reserved_quantity=0, reserved_until=None, reserved_from_location=None
        )
    return released


def _require_units(quantity: object) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise StockError("quantity_positive", f"a whole number of units above 0, got {quantity!r}")
