"""The maps of the legacy tables that carry the commerce: people, catalogue, stock, orders,
payments, invoices, uploads and the audit trail (the others: ``adoption.tables_more``; their
order: ``adoption.maps``).

Only what the automatic mapping cannot know is written here (:mod:`adoption.columns`): renamed
columns, values that change form, and the conversions that change them, each named. A legacy
table without a map is set aside whole, saying why (:mod:`adoption.maps`).
"""

from adoption.mapping import ACTOR_COLUMNS, Conversion, Rule, Sum, TableMap

LOCAL = "AT TIME ZONE {zone}"


def local(column: str) -> str:
    return f"({column}) {LOCAL}"


def trimmed(column: str, code: str) -> Conversion:
    return Conversion(
        f"trimmed:{code}",
        f"{code}: blanks around the value removed",
        f"{column} <> btrim({column})",
    )


def lowercase(column: str, code: str) -> Conversion:
    return Conversion(
        f"lowercased:{code}",
        f"{code}: written in lower case, as the new schema's list spells it",
        f"{column} <> lower(btrim({column}))",
    )


def json_string_to_array(column: str) -> tuple[str, Conversion]:
    """A JSON list column that holds one bare string: a list of that string."""
    expression = (
        f"CASE WHEN jsonb_typeof(s.{column}) = 'string' THEN jsonb_build_array(s.{column}) "
        f"ELSE s.{column} END"
    )
    conversion = Conversion(
        f"json_string_to_array:{column}",
        f"{column}: a single JSON string becomes a list holding it",
        f"jsonb_typeof(s.{column}) = 'string'",
    )
    return expression, conversion


COUNTRY = (
    "CASE WHEN s.country IS NULL OR lower(btrim(s.country)) IN ('india', 'in', 'ind', 'bharat') "
    "THEN 'IN' ELSE upper(btrim(s.country)) END"
)
COUNTRY_TO_ISO = Conversion(
    "country_to_iso_code",
    "country: India by name (or empty) becomes its ISO code IN",
    "s.country IS DISTINCT FROM 'IN'",
)

users = TableMap(
    "users",
    "users",
    columns={
        "email": "lower(btrim(s.email))",
        "password": (
            "CASE WHEN s.password_hash ~ '^\\$2[abxy]\\$' THEN 'bcrypt$' || s.password_hash "
            "ELSE '!' END"
        ),
        "last_login": local("s.last_login_at"),
        "email_verified_at": (
            f"CASE WHEN s.email_verified THEN {local('coalesce(s.updated_at, s.created_at)')} END"
        ),
    },
    conversions=(
        Conversion(
            "email_normalised",
            "email: blanks removed and lower-cased (an address is one mailbox in any case)",
            "s.email <> lower(btrim(s.email))",
        ),
        Conversion(
            "password_bcrypt_kept",
            "password: a bcrypt hash kept as Django's bcrypt$ form",
            "s.password_hash ~ '^\\$2[abxy]\\$'",
        ),
        Conversion(
            "password_unusable",
            "password: no usable hash; the user signs in through Supabase Auth or resets it",
            "s.password_hash IS NULL OR s.password_hash !~ '^\\$2[abxy]\\$'",
        ),
        Conversion(
            "email_verified_at_from_flag",
            "email_verified_at: the verified flag, dated by the row's last update",
            "s.email_verified",
        ),
    ),
)

roles = TableMap("roles", "roles", columns={"name": "btrim(s.name)"})

permissions = TableMap(
    "permissions",
    "permissions",
    columns={"codename": "lower(btrim(s.resource)) || '.' || lower(btrim(s.action))"},
    conversions=(
        Conversion(
            "codename_from_resource_action",
            "codename: resource.action, lower case",
            "true",
        ),
    ),
)

role_permissions = TableMap(
    "role_permissions",
    "role_permissions",
    key="s.role_id::text || ':' || s.permission_id::text",
    columns={
        "id": (
            f"legacy_import.uuid_v7_at(coalesce({local('s.created_at')}, 'epoch'), "
            "'role_permissions:' || s.role_id || ':' || s.permission_id)"
        ),
        "created_by_id": "s.granted_by",
    },
)

user_roles = TableMap(
    "user_roles",
    "user_roles",
    columns={
        "created_at": local("coalesce(s.assigned_at, s.created_at)"),
        "created_by_id": "s.assigned_by",
    },
)

user_addresses = TableMap(
    "user_addresses",
    "user_addresses",
    columns={
        "label": "s.address_type",
        "line1": "s.address_line_1",
        "line2": "s.address_line_2",
        "country": COUNTRY,
        "is_default_shipping": "coalesce(s.is_default, false) "
        "AND coalesce(s.address_type, 'shipping') = 'shipping'",
        "is_default_billing": "coalesce(s.is_default, false) AND s.address_type = 'billing'",
    },
    conversions=(COUNTRY_TO_ISO,),
)

tiers = TableMap(
    "tiers",
    "tiers",
    # tiers_keep_tree_shape reads the parent's level as each row comes in.
    write_order="c.level, c.__key",
    rules=(
        Rule(
            "tiers_level_follows_parent",
            "c.parent_id IS NOT NULL AND c.level IS DISTINCT FROM coalesce("
            "(SELECT p.level + 1 FROM {conv} p WHERE p.id = c.parent_id), "
            "(SELECT t.level + 1 FROM public.tiers t WHERE t.id = c.parent_id), c.level)",
            "format('level %s is not one below its parent''s', c.level)",
        ),
    ),
)

_product_tags, _product_tags_conversion = json_string_to_array("tags")
products = TableMap(
    "products",
    "products",
    columns={
        "sku": "nullif(btrim(s.sku), '')",
        "status": "CASE lower(btrim(s.status)) WHEN 'published' THEN 'active' "
        "ELSE lower(btrim(s.status)) END",
        "image_url": "s.primary_image_url",
        "hsn_code": "btrim(s.hsn_code)",
        "compare_at_price": "CASE WHEN s.compare_at_price > s.selling_price "
        "THEN s.compare_at_price END",
        "tags": _product_tags,
    },
    conversions=(
        trimmed("s.sku", "sku"),
        Conversion(
            "status_spelling",
            "status: case and blanks; 'published' is the new schema's 'active'",
            "s.status <> CASE lower(btrim(s.status)) WHEN 'published' THEN 'active' "
            "ELSE lower(btrim(s.status)) END",
        ),
        Conversion(
            "compare_at_not_above_price_cleared",
            "compare_at_price: not above the selling price, so it shows no saving; left empty",
            "s.compare_at_price <= s.selling_price",
        ),
        _product_tags_conversion,
    ),
)

# category_tier_1..4 become product_categories rows; the deepest tier is the primary one.
product_categories = TableMap(
    "products",
    "product_categories",
    relation=(
        "(SELECT s.*, tier.level AS tier_level, tier.id AS tier_ref,"
        " tier.level = CASE WHEN s.category_tier_4 IS NOT NULL THEN 4"
        "  WHEN s.category_tier_3 IS NOT NULL THEN 3 WHEN s.category_tier_2 IS NOT NULL THEN 2"
        "  ELSE 1 END AS deepest"
        " FROM {src}.products s CROSS JOIN LATERAL (VALUES (1, s.category_tier_1),"
        "  (2, s.category_tier_2), (3, s.category_tier_3), (4, s.category_tier_4))"
        "  AS tier(level, id) WHERE tier.id IS NOT NULL) s"
    ),
    key="s.id::text || ':' || s.tier_level",
    target_key=("product_id", "tier_id"),
    derived=True,
    extra_columns=("tier_level", "tier_ref", "deepest"),
    columns={
        "product_id": "s.id",
        "tier_id": "s.tier_ref",
        "is_primary": "s.deepest",
        "sort_order": "s.tier_level",
        "created_by_id": "NULL::uuid",
        "updated_by_id": "NULL::uuid",
    },
    conversions=(
        Conversion(
            "category_tiers_to_rows",
            "category_tier_1..4: one product_categories row per tier; the deepest is primary",
            "true",
        ),
    ),
)

OPENING_NOTE = "Opening balance, imported from the legacy database."
# After a stock table's history: one entry per stock row for what the imported history does
# not explain, dated just before that history, so the ledger adds up to the balance.
OPENING_ENTRY = f"""
INSERT INTO public.{{ledger}} ({{key}}, available_delta, reserved_delta, available_after,
                             reserved_after, reason, note, reference_type, created_at, updated_at)
SELECT r.id, o.available, o.reserved, o.available, o.reserved, 'received', '{OPENING_NOTE}', '',
       o.at, o.at
FROM public.{{stock}} r
LEFT JOIN (SELECT {{key}} AS id, sum(available_delta) AS available, sum(reserved_delta) AS reserved,
                  min(created_at) AS first
           FROM public.{{ledger}} GROUP BY 1) l ON l.id = r.id
CROSS JOIN LATERAL (SELECT r.available_quantity - coalesce(l.available, 0) AS available,
                           r.reserved_quantity - coalesce(l.reserved, 0) AS reserved,
                           coalesce(l.first - interval '1 millisecond', r.created_at) AS at) o
WHERE (o.available, o.reserved) <> (0, 0)
  AND NOT EXISTS (SELECT 1 FROM public.{{ledger}} a
                  WHERE a.{{key}} = r.id AND a.note = '{OPENING_NOTE}')
"""

# Legacy adjustment types, in the new ledger's reasons. Reservations are not among them: the
# legacy reserved units are released (see inventory), so a legacy reserve/release entry has no
# meaning in the new ledger and is refused by inventory_adjustments_reason_valid.
STOCK_REASON = (
    "CASE lower(btrim(s.adjustment_type)) "
    "WHEN 'restock' THEN 'received' WHEN 'purchase' THEN 'received' "
    "WHEN 'receive' THEN 'received' WHEN 'received' THEN 'received' "
    "WHEN 'sale' THEN 'sold' WHEN 'sold' THEN 'sold' WHEN 'order' THEN 'sold' "
    "WHEN 'return' THEN 'returned' WHEN 'returned' THEN 'returned' "
    "WHEN 'damage' THEN 'damaged' WHEN 'damaged' THEN 'damaged' "
    "WHEN 'adjustment' THEN 'correction' WHEN 'correction' THEN 'correction' "
    "WHEN 'manual' THEN 'correction' WHEN 'recount' THEN 'correction' "
    "ELSE lower(btrim(s.adjustment_type)) END"
)


def stock_history(
    *,
    legacy: str,
    ledger: str,
    stock: str,
    key: str,
    stock_row: str,
    balance: str,
    reference: tuple[str, str],
    actor: str,
) -> TableMap:
    """A legacy stock table's history as entries of the new ledger.

    Each entry keeps its change; its ``available_after`` is what the stock row held after it,
    counted back from the legacy balance (``balance``), as the legacy ``quantity_after`` cannot
    be trusted. The history of a stock row that would go below zero on the way is refused as a
    whole. The opening entry then covers what the history does not explain.
    """
    usable = (
        f"{STOCK_REASON.replace('s.', 'a.')} IN ('received', 'sold', 'returned', 'damaged', "
        "'correction') AND coalesce(a.quantity_change, 0) <> 0"
    )
    relation = f"""(SELECT h.*, least(h.balance - sum(h.counted) OVER stock,
                            min(h.after) OVER stock) AS lowest
        FROM (SELECT c.*, c.balance - sum(c.counted) OVER stock + sum(c.counted) OVER running
                     AS after
              FROM (SELECT a.*, st.id AS stock_row, {balance} AS balance,
                           CASE WHEN {usable} THEN a.quantity_change ELSE 0 END AS counted
                    FROM {{src}}.{legacy} a LEFT JOIN {{src}}.{stock} st ON st.id = {stock_row}) c
              WINDOW stock AS (PARTITION BY c.stock_row),
                     running AS (PARTITION BY c.stock_row ORDER BY c.created_at, c.id)) h
        WINDOW stock AS (PARTITION BY h.stock_row)) s"""
    reference_type, reference_id = reference
    return TableMap(
        legacy,
        ledger,
        relation=relation,
        extra_columns=("stock_row", "balance", "counted", "after", "lowest"),
        carry={"__lowest": "s.lowest"},
        columns={
            key: "s.stock_row",
            "available_delta": "s.quantity_change",
            "reserved_delta": "0",
            "available_after": "s.after",
            "reserved_after": "0",
            "reason": STOCK_REASON,
            "note": "coalesce(s.reason, '')",
            "reference_type": reference_type,
            "reference_id": reference_id,
            "created_by_id": actor,
        },
        rules=(
            Rule(
                f"{ledger}_history_below_zero",
                "c.__lowest < 0",
                "format('counted back from the legacy balance, this stock row''s history "
                "goes down to %s', c.__lowest)",
            ),
        ),
        conversions=(
            Conversion(
                "stock_history_to_ledger",
                "adjustment_type becomes the ledger's reason; available_after is counted back "
                "from the legacy balance",
                "true",
            ),
        ),
        sums=(Sum("units changed", "s.quantity_change", "t.available_delta"),),
        quiet_triggers=(f"{stock}.record_in_ledger", f"{ledger}.apply_to_stock"),
        after_insert=(OPENING_ENTRY.format(ledger=ledger, key=key, stock=stock),),
    )


product_variants = TableMap(
    "product_variants",
    "product_variants",
    columns={
        "sku": "nullif(btrim(s.sku), '')",
        "available_quantity": "coalesce(s.stock_quantity, 0)",
        "reserved_quantity": "0",
    },
    conversions=(
        trimmed("s.sku", "sku"),
        Conversion(
            "opening_stock_entry",
            "stock_quantity: enters as an opening entry of the variant's stock ledger",
            "coalesce(s.stock_quantity, 0) <> 0",
        ),
    ),
    sums=(
        Sum(
            "stock units",
            "coalesce(s.stock_quantity, 0)",
            "t.available_quantity + t.reserved_quantity",
        ),
    ),
    quiet_triggers=("{step}.record_in_ledger",),
)

# The stock's history; the opening entries of the variants are written after it.
variant_inventory_adjustments = stock_history(
    legacy="variant_inventory_adjustments",
    ledger="variant_inventory_adjustments",
    stock="product_variants",
    key="variant_id",
    stock_row="a.variant_id",
    balance="coalesce(st.stock_quantity, 0)",
    reference=(
        "CASE WHEN s.order_id IS NULL THEN '' ELSE 'order' END",
        "s.order_id",
    ),
    actor="s.adjusted_by",
)

inventory_locations = TableMap(
    "inventory_locations",
    "inventory_locations",
    columns={
        "code": "btrim(s.code)",
        "location_type": "lower(btrim(s.location_type))",
        "line1": "s.address_line_1",
        "country": COUNTRY,
    },
    conversions=(COUNTRY_TO_ISO,),
)

STOCK_UNITS = "coalesce(s.available_quantity, 0) + coalesce(s.reserved_quantity, 0)"
INVENTORY_STATUS = (
    "CASE WHEN s.is_deleted THEN 'inactive' "
    "WHEN lower(btrim(s.status)) IN ('in_stock', 'low_stock', 'out_of_stock') THEN 'active' "
    "ELSE lower(btrim(s.status)) END"
)
inventory = TableMap(
    "inventory",
    "inventory",
    columns={
        "available_quantity": STOCK_UNITS,
        "reserved_quantity": "0",
        "low_stock_threshold": "s.reorder_level",
        "status": INVENTORY_STATUS,
        "condition": "lower(btrim(s.condition))",
    },
    conversions=(
        Conversion(
            "reservations_released",
            "reserved_quantity: no cart of the new schema holds these units; back to available",
            "coalesce(s.reserved_quantity, 0) <> 0",
        ),
        Conversion(
            "stock_level_status_to_active",
            "status: in/low/out of stock is computed from the quantities now; the row is active",
            "lower(btrim(s.status)) IN ('in_stock', 'low_stock', 'out_of_stock')",
        ),
        Conversion(
            "deleted_stock_row_inactive",
            "is_deleted: a stock row has no soft delete; a deleted one becomes inactive",
            "s.is_deleted",
        ),
        Conversion(
            "opening_stock_entry",
            "available + reserved: enter as an opening entry of the stock row's ledger",
            f"{STOCK_UNITS} <> 0",
        ),
    ),
    sums=(Sum("stock units", STOCK_UNITS, "t.available_quantity + t.reserved_quantity"),),
    quiet_triggers=("{step}.audit_trail", "{step}.record_in_ledger"),
)

inventory_adjustments = stock_history(
    legacy="inventory_adjustments",
    ledger="inventory_adjustments",
    stock="inventory",
    key="inventory_id",
    # An entry written without its stock row: the row of its product at its location.
    stock_row="coalesce(a.inventory_id, (SELECT i.id FROM {src}.inventory i "
    "WHERE i.product_id = a.product_id AND i.location_id = a.location_id "
    "ORDER BY i.created_at, i.id LIMIT 1))",
    balance="coalesce(st.available_quantity, 0) + coalesce(st.reserved_quantity, 0)",
    reference=(
        "CASE WHEN s.reference_id IS NULL THEN '' ELSE coalesce(s.reference_type, '') END",
        "s.reference_id",
    ),
    actor="s.adjusted_by",
)

carts = TableMap(
    "carts",
    "carts",
    columns={
        "session_key": "btrim(s.session_id)",
        "status": "lower(btrim(s.status))",
    },
    conversions=(lowercase("s.status", "status"),),
)

_order_tags, _order_tags_conversion = json_string_to_array("tags")
orders = TableMap(
    "orders",
    "orders",
    # Joined, not looked up per order: a million index probes cost more than one hash join.
    relation="{src}.orders s LEFT JOIN {src}.users u ON u.id = s.user_id",
    columns={
        "email": "coalesce(lower(btrim(u.email)), '')",
        "razorpay_order_id": "nullif(btrim(s.razorpay_order_id), '')",
        "shipping_address": "coalesce(s.shipping_address, '{}')",
        "billing_address": "coalesce(s.billing_address, s.shipping_address, '{}')",
        "placed_at": local("s.created_at"),
        "tags": _order_tags,
    },
    conversions=(
        Conversion(
            "email_from_customer",
            "email: the customer's address, as the order's contact (normalised like users)",
            "true",
        ),
        Conversion(
            "billing_address_from_shipping",
            "billing_address: none recorded; the shipping address is the one billed",
            "s.billing_address IS NULL AND s.shipping_address IS NOT NULL",
        ),
        Conversion(
            "address_missing_empty_object",
            "shipping/billing address: none recorded; an empty JSON object",
            "s.shipping_address IS NULL",
        ),
        Conversion("placed_at_from_created_at", "placed_at: when the order was created", "true"),
        _order_tags_conversion,
    ),
    sums=(
        Sum("grand_total", "s.grand_total", "t.grand_total"),
        Sum("subtotal", "s.subtotal", "t.subtotal"),
    ),
)

# A line without its total gets the one the new schema's CHECK requires; the sums compare that.
LINE_TOTAL = (
    "coalesce(s.line_total, s.unit_price * s.quantity - coalesce(s.discount_amount, 0) "
    "+ coalesce(s.tax_amount, 0))"
)
order_items = TableMap(
    "order_items",
    "order_items",
    columns={
        "product_name": "coalesce(s.product_name, (SELECT p.name FROM {src}.products p "
        "WHERE p.id = s.product_id))",
        "option_text": "s.variant_label",
        "line_total": LINE_TOTAL,
    },
    conversions=(
        Conversion(
            "product_name_from_catalog",
            "product_name: none recorded on the line; the product's name",
            "s.product_name IS NULL",
        ),
        Conversion(
            "line_total_computed",
            "line_total: none recorded; unit price x quantity - discount + tax",
            "s.line_total IS NULL",
        ),
    ),
    sums=(Sum("line_total", LINE_TOTAL, "t.line_total"),),
)

PAYMENT_STATUS = "lower(btrim(s.status))"
payment_transactions = TableMap(
    "payment_transactions",
    "payment_transactions",
    columns={
        "razorpay_order_id": "coalesce(nullif(btrim(s.razorpay_order_id), ''), "
        "(SELECT o.razorpay_order_id FROM {src}.orders o WHERE o.id = s.order_id))",
        "razorpay_payment_id": "nullif(btrim(s.razorpay_payment_id), '')",
        "status": PAYMENT_STATUS,
        "method": "s.payment_method",
    },
    conversions=(
        lowercase("s.status", "status"),
        Conversion(
            "razorpay_order_id_from_order",
            "razorpay_order_id: none on the payment; the order's",
            "nullif(btrim(s.razorpay_order_id), '') IS NULL",
        ),
    ),
    sums=(
        Sum("amount", "s.amount", "t.amount"),
        Sum("refund_amount", "coalesce(s.refund_amount, 0)", "coalesce(t.refund_amount, 0)"),
    ),
)

# GST invoice numbers of the new schema: SERIES/YY-YY/NNNNN, financial year April to March.
INVOICE_NUMBER = "^([A-Za-z0-9-]+)/([0-9]{2})-([0-9]{2})/([0-9]+)$"
INVOICE_DAY = "coalesce(s.invoice_date, s.issued_at::date, s.created_at::date)"
invoices = TableMap(
    "invoices",
    "invoices",
    columns={
        "invoice_number": "btrim(s.invoice_number)",
        "series": f"coalesce(substring(btrim(s.invoice_number) FROM '{INVOICE_NUMBER}'), 'LEGACY')",
        "financial_year": (
            f"(extract(year FROM {INVOICE_DAY})::int - "
            f"CASE WHEN extract(month FROM {INVOICE_DAY}) < 4 THEN 1 ELSE 0 END)::text || '-' || "
            f"lpad(((extract(year FROM {INVOICE_DAY})::int + 1 - "
            f"CASE WHEN extract(month FROM {INVOICE_DAY}) < 4 THEN 1 ELSE 0 END) % 100)::text, "
            "2, '0')"
        ),
        "status": "lower(btrim(s.status))",
        "issued_at": local("coalesce(s.issued_at, s.invoice_date::timestamp, s.created_at)"),
        "billing_snapshot": "coalesce(s.billing_address, '{}')",
    },
    conversions=(
        Conversion(
            "invoice_series_from_number",
            "series: read from the number SERIES/YY-YY/NNNNN; LEGACY when it has another form",
            "true",
        ),
        Conversion(
            "financial_year_from_invoice_date",
            "financial_year: April to March, of the invoice date",
            "true",
        ),
        Conversion(
            "issued_at_from_invoice_date",
            "issued_at: none recorded; the invoice date (or the row's creation)",
            "s.issued_at IS NULL",
        ),
    ),
    sums=(Sum("grand_total", "s.grand_total", "t.grand_total"),),
)

invoice_line_items = TableMap(
    "invoice_line_items",
    "invoice_line_items",
    columns={
        "hsn_code": "btrim(s.hsn_code)",
        "tax_amount": "coalesce(s.cgst_amount, 0) + coalesce(s.sgst_amount, 0) "
        "+ coalesce(s.igst_amount, 0)",
    },
    conversions=(
        Conversion(
            "tax_amount_from_gst_parts",
            "tax_amount: CGST + SGST + IGST of the line",
            "true",
        ),
    ),
    clear_when_missing=(*ACTOR_COLUMNS, "order_item_id"),
    quiet_triggers=("{step}.invoice_line_items_frozen_once_issued",),
    sums=(Sum("line_total", "s.line_total", "t.line_total"),),
)

UPLOAD_PURPOSE = (
    "CASE lower(btrim(s.entity_type)) WHEN 'product' THEN 'product_image' "
    "WHEN 'blog' THEN 'blog_image' WHEN 'invoice' THEN 'invoice_pdf' "
    "WHEN 'user' THEN 'avatar' WHEN 'avatar' THEN 'avatar' ELSE 'other' END"
)


def new_id(table: str, created: str = "s.created_at") -> str:
    """The UUIDv7 of an integer-keyed legacy row: its age, and bits of its table and old id."""
    return f"legacy_import.uuid_v7_at(coalesce({local(created)}, 'epoch'), '{table}:' || s.id)"


# Tables whose integer ids are replaced, with the new id of a row; a reference to one of their
# rows (a foreign key, an audit entry's record_id) goes through legacy_import.id_map.
INTEGER_KEYED = {
    "invitation": new_id("invitation"),
    "email_otps": new_id("email_otps"),
    "uploads": new_id("uploads"),
    "audit_logs": new_id("audit_logs", 's."timestamp"'),
}

uploads = TableMap(
    "uploads",
    "uploads",
    columns={
        "id": INTEGER_KEYED["uploads"],
        "storage_bucket": "coalesce(s.bucket, 'public-assets')",
        "storage_path": "coalesce(s.storage_path, s.file_name)",
        "original_filename": "coalesce(s.original_name, s.file_name)",
        "content_type": "coalesce(s.mime_type, 'application/octet-stream')",
        "size_bytes": "s.file_size",
        "purpose": UPLOAD_PURPOSE,
        "uploaded_by_id": "s.uploaded_by",
    },
    clear_when_missing=(*ACTOR_COLUMNS, "uploaded_by_id"),
    conversions=(
        Conversion(
            "integer_id_to_uuid7", "id: a UUIDv7 dated by created_at; kept in id_map", "true"
        ),
        Conversion(
            "purpose_from_entity_type",
            "purpose: what the file belongs to (product, blog, invoice, user)",
            "true",
        ),
    ),
)

AUDIT_ACTION = (
    "CASE lower(btrim(s.action)) WHEN 'create' THEN 'insert' WHEN 'insert' THEN 'insert' "
    "WHEN 'update' THEN 'update' WHEN 'delete' THEN 'delete' WHEN 'login' THEN 'login' "
    "WHEN 'logout' THEN 'logout' ELSE lower(btrim(s.action)) END"
)
REKEYED = ", ".join(repr(t) for t in INTEGER_KEYED)


def ids_through_id_map(values: str) -> str:
    """SQL: a legacy audit entry's JSON values, its row's integer ``id`` (a re-keyed table's)
    replaced by the row's new UUID."""
    return (
        f"CASE WHEN s.table_name IN ({REKEYED}) AND jsonb_typeof({values} -> 'id') "
        f"IN ('number', 'string') THEN jsonb_set({values}, '{{id}}', coalesce("
        "(SELECT to_jsonb(m.new_id::text) FROM legacy_import.id_map m "
        f"WHERE m.source_table = s.table_name AND m.old_id = {values} ->> 'id'), "
        f"{values} -> 'id')) ELSE {values} END"
    )


OLD_VALUES, NEW_VALUES = ids_through_id_map("s.old_values"), ids_through_id_map("s.new_values")
AUDIT_CHANGES = (
    "(SELECT coalesce(jsonb_object_agg(k.name, jsonb_build_array("
    "nullif(v.old -> k.name, 'null'), nullif(v.new -> k.name, 'null'))), '{}') "
    f"FROM (SELECT {OLD_VALUES} AS old, {NEW_VALUES} AS new) v, "
    "jsonb_object_keys(coalesce(v.old, '{}') || coalesce(v.new, '{}')) AS k(name))"
)
AUDIT_ROW_ID = (
    f"CASE WHEN s.table_name IN ({REKEYED}) "
    "THEN coalesce((SELECT m.new_id::text FROM legacy_import.id_map m "
    "WHERE m.source_table = s.table_name AND m.old_id = btrim(s.record_id)), s.record_id) "
    "ELSE s.record_id END"
)
audit_logs = TableMap(
    "audit_logs",
    "audit_logs",
    order='s."timestamp"',
    columns={
        "id": INTEGER_KEYED["audit_logs"],
        "created_at": local('s."timestamp"'),
        "updated_at": local('s."timestamp"'),
        "action": AUDIT_ACTION,
        "row_id": AUDIT_ROW_ID,
        "changes": AUDIT_CHANGES,
    },
    clear_when_missing=(*ACTOR_COLUMNS, "user_id"),
    rules=(),
    conversions=(
        Conversion(
            "integer_id_to_uuid7", "id: a UUIDv7 dated by the entry; kept in id_map", "true"
        ),
        Conversion(
            "audit_values_to_changes",
            "old_values/new_values: {column: [old, new]}, as the new audit trail writes",
            "s.old_values IS NOT NULL OR s.new_values IS NOT NULL",
        ),
        Conversion(
            "audit_action_spelling",
            "action: lower case; 'create' is 'insert'",
            f"s.action <> {AUDIT_ACTION}",
        ),
        Conversion(
            "record_id_through_id_map",
            "record_id, and the id in old_values/new_values: an integer id of a re-keyed table "
            "becomes the row's new UUID",
            f"s.table_name IN ({REKEYED})",
        ),
    ),
)
