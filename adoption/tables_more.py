"""The maps of the legacy tables around the shop's core: profiles, invitations and one-time codes,
the catalog's tags, FAQs, questions, collections and reviews, cart lines, wishlists, payment
webhooks, invoice versions, blogs and notifications.

Built with the helpers of :mod:`adoption.tables`; their order is :mod:`adoption.maps`'s. As
there, only what the automatic mapping cannot know is written here.
"""

from adoption.columns import float_money
from adoption.mapping import ACTOR_COLUMNS, Conversion, Rule, TableMap
from adoption.tables import (
    INTEGER_KEYED,
    json_string_to_array,
    local,
    lowercase,
    trimmed,
)

INTEGER_ID = Conversion(
    "integer_id_to_uuid7", "id: a UUIDv7 dated by created_at; kept in id_map", "true"
)


def sha256_hex(column: str) -> str:
    """SQL: the hex SHA-256 of a text's UTF-8 bytes, what accounts.admin.new_invitation_token
    keeps of a token: ``hashlib.sha256(token.encode()).hexdigest()``."""
    return f"encode(sha256(convert_to({column}, 'UTF8')), 'hex')"


# --- accounts ------------------------------------------------------------------------------------

USER_NAME = (
    "coalesce((SELECT coalesce(nullif(btrim(concat_ws(' ', u.first_name, u.last_name)), ''), "
    "lower(btrim(u.email))) FROM {src}.users u WHERE u.id = s.user_id), '')"
)
admin_profiles = TableMap(
    "admin_profiles",
    "admin_profiles",
    columns={
        # '' only for a profile whose user is not there: its foreign key refuses it.
        "display_name": USER_NAME,
        "job_title": "s.designation",
    },
    conversions=(
        Conversion(
            "display_name_from_user",
            "display_name: the user's first and last name (their email when they have none)",
            "true",
        ),
    ),
)

GENDER = (
    "CASE lower(btrim(s.gender)) WHEN 'm' THEN 'male' WHEN 'f' THEN 'female' "
    "WHEN 'prefer_not_to_say' THEN 'undisclosed' WHEN '' THEN NULL "
    "ELSE lower(btrim(s.gender)) END"
)
customer_profiles = TableMap(
    "customer_profiles",
    "customer_profiles",
    columns={"gender": GENDER},
    conversions=(
        Conversion(
            "gender_spelling",
            "gender: lower case; M and F spelled out; prefer_not_to_say (or empty) is undisclosed",
            f"s.gender IS DISTINCT FROM {GENDER}",
        ),
    ),
)

invitation = TableMap(
    "invitation",
    "invitation",
    columns={
        "id": INTEGER_KEYED["invitation"],
        "email": "btrim(s.email)",
        "token_hash": sha256_hex("s.token"),
        "status": "lower(btrim(s.status))",
        "accepted_user_id": "s.accepted_by",
    },
    clear_when_missing=(*ACTOR_COLUMNS, "invited_by_id", "accepted_user_id"),
    conversions=(
        INTEGER_ID,
        trimmed("s.email", "email"),
        lowercase("s.status", "status"),
        Conversion(
            "token_to_sha256",
            "token: only its SHA-256 is kept (hex, as the accounts admin computes it); the "
            "link sent by email keeps working",
            "true",
        ),
    ),
)

OTP_USED = "(coalesce(s.is_used, false) OR s.verified_at IS NOT NULL)"
email_otps = TableMap(
    "email_otps",
    "email_otps",
    columns={
        "id": INTEGER_KEYED["email_otps"],
        "email": "btrim(s.email)",
        "purpose": "lower(btrim(s.purpose))",
        "code_hash": sha256_hex("s.otp_code"),
        "consumed_at": f"CASE WHEN {OTP_USED} "
        f"THEN {local('coalesce(s.verified_at, s.created_at)')} END",
    },
    conversions=(
        INTEGER_ID,
        trimmed("s.email", "email"),
        lowercase("s.purpose", "purpose"),
        Conversion(
            "otp_code_to_sha256",
            "otp_code: only its SHA-256 is kept (hex, as for invitation tokens)",
            "true",
        ),
        Conversion(
            "consumed_at_from_is_used",
            "consumed_at: a used (or verified) code, dated by verified_at, else its creation",
            OTP_USED,
        ),
    ),
)

# One legacy row per user (a switch per channel, a switch per kind of message) becomes a row
# per channel and type that is off: a message goes out when its channel's switch and its type's
# switch are both on, and in the new schema no row means on, so the cells that are on need no
# row (a user with every switch on has none; 9 rows for the legacy defaults instead of 24). A
# NULL switch is the legacy column's default, which the legacy shop acted on: push and
# promotions were opt-in.
PREFERENCE_CELLS = (
    "(SELECT s.*, cell.channel, cell.type, cell.enabled, cell.first_cell"
    " FROM {src}.notification_preferences s CROSS JOIN LATERAL ("
    "  SELECT ch.name AS channel, ty.name AS type, false AS enabled,"
    "         row_number() OVER (ORDER BY ch.name, ty.name) = 1 AS first_cell FROM (VALUES"
    "   ('email', coalesce(s.email_enabled, true)), ('sms', coalesce(s.sms_enabled, true)),"
    "   ('push', coalesce(s.push_enabled, false)), ('in_app', coalesce(s.in_app_enabled, true))"
    "  ) AS ch(name, flag) CROSS JOIN (VALUES"
    "   ('order', coalesce(s.order_updates, true)),"
    "   ('payment', coalesce(s.order_updates, true)),"
    "   ('shipping', coalesce(s.order_updates, true)),"
    "   ('promotion', coalesce(s.promotions, false)),"
    "   ('account', true), ('system', true)"
    "  ) AS ty(name, flag) WHERE NOT (ch.flag AND ty.flag)) cell) s"
)
# Counted once per legacy row: on its first cell.
FIRST_CELL = "s.first_cell"
notification_preferences = TableMap(
    "notification_preferences",
    "notification_preferences",
    relation=PREFERENCE_CELLS,
    key="s.id::text || ':' || s.channel || ':' || s.type",
    derived=True,
    extra_columns=("channel", "type", "enabled", "first_cell"),
    columns={
        "id": "legacy_import.uuid_v7_at(coalesce(" + local("s.created_at") + ", 'epoch'), "
        "'notification_preferences:' || s.id || ':' || s.channel || ':' || s.type)",
        "channel": "s.channel",
        "type": "s.type",
        "is_enabled": "s.enabled",
    },
    conversions=(
        Conversion(
            "preferences_to_channel_type_rows",
            "email/sms/push/in_app_enabled x order_updates/promotions: a row (is_enabled false) "
            "per channel and type that is off, as no row means on; a type is on when both "
            "switches are; order_updates covers the types order, payment and shipping, "
            "promotions the type promotion; account and system follow the channel's switch",
            "true",
        ),
        Conversion(
            "preference_null_is_legacy_default",
            "a switch left NULL: the legacy column's default (email, sms, in_app, order_updates "
            "on; push, promotions off)",
            f"{FIRST_CELL} AND (s.email_enabled IS NULL OR s.sms_enabled IS NULL "
            "OR s.push_enabled IS NULL OR s.in_app_enabled IS NULL OR s.order_updates IS NULL "
            "OR s.promotions IS NULL)",
        ),
        Conversion(
            "newsletter_not_carried",
            "newsletter: the new schema has no newsletter type (promotions is the promotion "
            "type's switch); not carried",
            f"{FIRST_CELL} AND s.newsletter",
        ),
    ),
)

# --- catalog -------------------------------------------------------------------------------------

tags = TableMap("tags", "tags")

product_faqs = TableMap("product_faqs", "product_faqs", columns={"is_published": "s.is_active"})

# A question the shop kept off the product page must not appear there now: published in the new
# schema is public, so a published one that was not public waits for moderation again.
QUESTION_STATUS = (
    "CASE WHEN lower(btrim(s.status)) = 'published' AND NOT coalesce(s.is_public, true) "
    "THEN 'pending' ELSE lower(btrim(s.status)) END"
)
product_questions = TableMap(
    "product_questions",
    "product_questions",
    columns={"status": QUESTION_STATUS},
    clear_when_missing=(*ACTOR_COLUMNS, "answered_by_id"),
    conversions=(
        lowercase("s.status", "status"),
        Conversion(
            "hidden_question_pending",
            "status: published but not public (is_public false); pending, so it stays hidden",
            "lower(btrim(s.status)) = 'published' AND NOT coalesce(s.is_public, true)",
        ),
    ),
)

COLLECTION_ACTIVE = "coalesce(lower(btrim(s.status)) IN ('active', 'published'), false)"
collections = TableMap(
    "collections",
    "collections",
    columns={"image_url": "s.banner_image_url", "is_active": COLLECTION_ACTIVE},
    conversions=(
        Conversion(
            "is_active_from_status",
            "status: active (or published) is an active collection; draft, archived and any "
            "other status an inactive one",
            "true",
        ),
    ),
)

collection_products = TableMap(
    "collection_products", "collection_products", columns={"created_by_id": "s.added_by"}
)

reviews = TableMap(
    "reviews",
    "reviews",
    columns={"body": "s.comment", "status": "lower(btrim(s.status))"},
    conversions=(lowercase("s.status", "status"),),
)

# --- carts, wishlists ----------------------------------------------------------------------------

# What the shop charges now, as private.cart_item_price has it: the variant's, else the product's.
CATALOG_PRICE = (
    "(SELECT coalesce({price}, p.{column}) FROM {{src}}.products p "
    "LEFT JOIN {{src}}.product_variants v ON v.id = s.variant_id AND v.product_id = p.id "
    "WHERE p.id = s.product_id)"
)
LEGACY_HOLD = (
    "(s.reserved_from_location_id IS NOT NULL OR s.reserved_at IS NOT NULL "
    "OR s.reservation_expires_at IS NOT NULL)"
)
cart_items = TableMap(
    "cart_items",
    "cart_items",
    columns={
        "unit_price": "coalesce(s.unit_price, "
        + CATALOG_PRICE.format(price=float_money("v.selling_price"), column="selling_price")
        + ")",
        "cost_price": "coalesce(s.cost_price, "
        + CATALOG_PRICE.format(price="v.cost_price", column="cost_price")
        + ")",
        "reserved_quantity": "0",
        "reserved_until": "NULL::timestamptz",
        "reserved_from_location_id": "NULL::uuid",
    },
    conversions=(
        Conversion(
            "cart_reservations_released",
            "reserved_from_location_id/reserved_at/reservation_expires_at: the line holds no "
            "stock (reserved_quantity 0), as the inventory import releases every legacy "
            "reservation back to available",
            LEGACY_HOLD,
        ),
        Conversion(
            "unit_price_from_catalog",
            "unit_price: none recorded; the variant's (else the product's) selling price",
            "s.unit_price IS NULL",
        ),
        Conversion(
            "cost_price_from_catalog",
            "cost_price: none recorded; the variant's (else the product's) cost price",
            "s.cost_price IS NULL",
        ),
    ),
)

# The new schema has one default wishlist per user; the legacy shop made every new wishlist a
# default one. The user's oldest live default stays the default, the others become plain lists.
LIVE_DEFAULT = "s.is_default AND NOT coalesce(s.is_deleted, false)"
WISHLISTS = (
    f"(SELECT s.*, {LIVE_DEFAULT} AND row_number() OVER (PARTITION BY s.user_id, {LIVE_DEFAULT}"
    " ORDER BY s.created_at NULLS LAST, s.id::text) > 1 AS later_default"
    " FROM {src}.wishlists s) s"
)
wishlists = TableMap(
    "wishlists",
    "wishlists",
    relation=WISHLISTS,
    extra_columns=("later_default",),
    columns={"is_default": "coalesce(s.is_default, false) AND NOT s.later_default"},
    conversions=(
        Conversion(
            "second_default_wishlist_not_default",
            "is_default: the user has an older default wishlist; this one is not the default",
            "s.later_default",
        ),
    ),
)

wishlist_items = TableMap(
    "wishlist_items",
    "wishlist_items",
    columns={"note": "s.notes"},
    clear_when_missing=(*ACTOR_COLUMNS, "order_id"),
)

# --- payments and invoices -----------------------------------------------------------------------

# A verified event is logged once (orders.payments.record_webhook): payment_webhook_logs_event_once
# enters it in payment_webhook_events, whose unique key refuses a redelivery, and whose CHECK
# wants its event_id. A legacy row breaking either is set aside under that name.
# Deliveries of one event, oldest first (as duplicates are ranked: adoption.steps).
DELIVERIES = (
    "OVER (PARTITION BY coalesce(s.signature_valid, false), coalesce(s.event_id, '')"
    " ORDER BY coalesce(s.received_at, s.created_at) NULLS LAST, s.id::text)"
)
EVENT_TAKEN = (
    "EXISTS (SELECT 1 FROM public.payment_webhook_events e "
    "WHERE e.provider = c.provider AND e.event_id = c.event_id) "
    "AND NOT EXISTS (SELECT 1 FROM public.payment_webhook_logs t WHERE t.id = c.id)"
)
RECEIVED = "coalesce(s.received_at, s.created_at)"
payment_webhook_logs = TableMap(
    "payment_webhook_logs",
    "payment_webhook_logs",
    order=RECEIVED,
    # The primary key is (id, created_at) only because a partitioned table's must hold its
    # partition key; the id alone is the row's. So a re-run finds a row written before even
    # when its created_at came from the column's default.
    target_key=("id",),
    columns={"created_at": local(RECEIVED)},
    carry={
        "__delivery": f"row_number() {DELIVERIES}",
        "__first_delivery": f"first_value(s.id::text) {DELIVERIES}",
    },
    clear_when_missing=(*ACTOR_COLUMNS, "payment_transaction_id"),
    # payment_webhook_logs_event_once's work, done once after the rows are in: so the events'
    # ids and dates come from the logs (a re-run, or a resumed one, writes the same rows).
    quiet_triggers=("{step}.audit_trail", "{step}.payment_webhook_logs_event_once"),
    after_insert=(
        """INSERT INTO public.payment_webhook_events (id, provider, event_id, created_at,
                                                  updated_at)
        SELECT legacy_import.uuid_v7_at(l.created_at, 'payment_webhook_events:' || l.event_id),
               l.provider, l.event_id, l.created_at, l.created_at
        FROM public.{step} l JOIN {conv} c ON c.id = l.id
        WHERE l.signature_valid
        ON CONFLICT (provider, event_id) DO NOTHING""",
    ),
    rules=(
        Rule(
            "payment_webhook_events_event_id_present",
            "c.signature_valid AND c.event_id = ''",
            "'a verified delivery without event_id: the new schema records its event by id'",
        ),
        Rule(
            "uq_payment_webhook_events_event",
            f"c.signature_valid AND (c.__delivery > 1 OR ({EVENT_TAKEN}))",
            "format('event %s was delivered before (%s): the new schema logs a verified event "
            "once', c.event_id, CASE WHEN c.__delivery > 1 THEN c.__first_delivery "
            "ELSE 'already in the target' END)",
        ),
    ),
    conversions=(
        Conversion(
            "created_at_from_received_at",
            "created_at: when the webhook was received (received_at), else the row's creation",
            "s.received_at IS DISTINCT FROM s.created_at AND s.received_at IS NOT NULL",
        ),
    ),
)

# Per version, how many versions before it are sound: numbered from 1, and not set aside by a
# rule of their own (invoice_versions_snapshot_object, invoice_versions_revision_has_reason). A
# version set aside leaves a hole in the numbers, and the versions after it follow it.
SOUND_BEFORE = (
    "count(*) FILTER (WHERE s.version_number >= 1 AND jsonb_typeof(s.snapshot) = 'object'"
    " AND (s.version_number = 1 OR s.change_reason ~ '\\S'))"
    " OVER (PARTITION BY s.invoice_id ORDER BY s.version_number"
    " RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
)
invoice_versions = TableMap(
    "invoice_versions",
    "invoice_versions",
    columns={"reason": "s.change_reason"},
    carry={"__sound_before": SOUND_BEFORE},
    rules=(
        # Only an invoice already in the target can be a draft: a legacy draft has a number
        # (invoice_number is NOT NULL there), so invoices_draft_has_no_number sets it aside.
        Rule(
            "invoice_versions_of_issued_invoices",
            "EXISTS (SELECT 1 FROM public.invoices i WHERE i.id = c.invoice_id "
            "AND i.status = 'draft')",
            "format('invoice %s is a draft: versions begin when it is issued', c.invoice_id)",
        ),
        Rule(
            "invoice_versions_in_turn",
            "c.version_number > 1 AND c.__sound_before <> c.version_number - 1",
            "format('version %s of invoice %s is not the next one: an earlier version is missing "
            "or set aside', c.version_number, c.invoice_id)",
        ),
    ),
    # invoice_versions_in_turn counts the invoice's versions after each row, and an AFTER row
    # trigger sees every row of its statement: versions 1 and 2 written together, version 1
    # finds two. Its rules are the two above; what it writes, the invoice's current_version,
    # the statement below writes (once for the import, with the invoices' audit trail quiet).
    quiet_triggers=(
        "{step}.audit_trail",
        "{step}.invoice_versions_in_turn",
        "invoices.audit_trail",
    ),
    after_insert=(
        """UPDATE public.invoices i SET current_version = v.newest
        FROM (SELECT t.invoice_id, max(t.version_number) AS newest FROM public.invoice_versions t
              WHERE t.invoice_id IN (SELECT c.invoice_id FROM {conv} c) GROUP BY t.invoice_id) v
        WHERE i.id = v.invoice_id AND i.current_version <> v.newest""",
    ),
    conversions=(
        Conversion(
            "current_version_is_newest",
            "current_version of the invoice: its newest imported version (what "
            "invoice_versions_in_turn writes), moved by each revision",
            "s.version_number > 1",
        ),
    ),
)

# --- content -------------------------------------------------------------------------------------

_blog_tags, _blog_tags_conversion = json_string_to_array("tags")
COVER_UPLOAD_URL = "(SELECT u.url FROM {src}.uploads u WHERE u.id = s.cover_image_upload_id)"
HAS_TEXT = "nullif(btrim({}), '') IS NOT NULL"
blogs = TableMap(
    "blogs",
    "blogs",
    columns={
        "cover_image_url": f"coalesce(s.cover_image_url, {COVER_UPLOAD_URL})",
        "status": "lower(btrim(s.status))",
        "tags": _blog_tags,
        "seo_title": "s.meta_title",
        "seo_description": "s.meta_description",
    },
    clear_when_missing=(*ACTOR_COLUMNS, "author_id"),
    conversions=(
        lowercase("s.status", "status"),
        _blog_tags_conversion,
        Conversion(
            "cover_image_url_from_upload",
            "cover_image_upload_id: the new blogs table has no upload link; a blog without "
            "cover_image_url gets the URL of that legacy upload",
            "s.cover_image_url IS NULL AND s.cover_image_upload_id IS NOT NULL",
        ),
        Conversion(
            "content_to_first_subsection",
            "content: the new schema makes a blog's body of blog_subsections; the text becomes "
            "the blog's first one (sort_order 0)",
            HAS_TEXT.format("s.content"),
        ),
    ),
)

# The legacy subsections, and each blog's own text as the subsection before them (sort_order
# 0); the legacy ones follow in their order, numbered 1, 2, ... (legacy sort_order repeats:
# its default was 0).
BLOG_SECTIONS = (
    "(SELECT s.id, s.blog_id, s.heading, s.content, s.image_url, s.sort_order, s.created_at,"
    " s.updated_at, s.created_by, s.updated_by, s.id::text AS source_key,"
    " row_number() OVER (PARTITION BY s.blog_id ORDER BY s.sort_order, s.created_at, s.id)"
    " AS position"
    " FROM {src}.blog_subsections s"
    " UNION ALL"
    " SELECT legacy_import.uuid_v7_at(coalesce(" + local("b.created_at") + ", 'epoch'),"
    " 'blogs.content:' || b.id), b.id, NULL, b.content, NULL, NULL, b.created_at, b.updated_at,"
    " b.created_by, NULL, b.id::text || ':content', 0"
    " FROM {src}.blogs b WHERE " + HAS_TEXT.format("b.content") + ") s"
)
blog_subsections = TableMap(
    "blog_subsections",
    "blog_subsections",
    relation=BLOG_SECTIONS,
    key="s.source_key",
    extra_columns=("source_key", "position"),
    columns={"body": "s.content", "sort_order": "s.position"},
    conversions=(
        Conversion(
            "blog_content_as_subsection",
            "a blog's content: its subsection 0 (keyed <blog id>:content)",
            "s.position = 0",
        ),
        Conversion(
            "sort_order_renumbered",
            "sort_order: 1, 2, ... in the legacy order (sort_order, then age), after the blog's "
            "own text",
            "s.position > 0 AND s.sort_order IS DISTINCT FROM s.position",
        ),
    ),
)

# --- notifications -------------------------------------------------------------------------------

notification_templates = TableMap(
    "notification_templates",
    "notification_templates",
    columns={"code": "lower(btrim(s.code))", "channel": "lower(btrim(s.channel))"},
    conversions=(lowercase("s.code", "code"), lowercase("s.channel", "channel")),
)

_channels, _channels_conversion = json_string_to_array("channels")
# The new schema's place for a notification's link is data.url (Notification.data).
NOTIFICATION_DATA = (
    "CASE WHEN s.action_url IS NOT NULL AND jsonb_typeof(coalesce(s.data, '{}')) = 'object' "
    "AND coalesce(s.data, '{}') -> 'url' IS NULL "
    "THEN coalesce(s.data, '{}') || jsonb_build_object('url', s.action_url) ELSE s.data END"
)
notifications = TableMap(
    "notifications",
    "notifications",
    # As for payment_webhook_logs: (id, created_at) is the key only for the partitions' sake.
    target_key=("id",),
    columns={
        "type": "lower(btrim(s.type))",
        "body": "s.message",
        "data": NOTIFICATION_DATA,
        "channels": _channels,
        "read_at": f"CASE WHEN s.is_read THEN {local('coalesce(s.read_at, s.updated_at)')} "
        f"ELSE {local('s.read_at')} END",
    },
    clear_when_missing=(*ACTOR_COLUMNS, "template_id"),
    conversions=(
        lowercase("s.type", "type"),
        _channels_conversion,
        Conversion(
            "action_url_into_data",
            "action_url: kept as data.url (unless data has a url of its own)",
            "s.action_url IS NOT NULL",
        ),
        Conversion(
            "read_at_from_is_read",
            "read_at: read (is_read) without a read_at; dated by the row's last update",
            "s.is_read AND s.read_at IS NULL",
        ),
    ),
)

# notification_delivery_logs -> notifications is a composite foreign key (notification_id,
# notification_created_at), which the derived rules do not read (adoption.rules): its two
# outcomes are written here. A notification the target does not hold is missing unless the
# source has it; if the source has it and it is not there, it was set aside.
NOTIFICATION_ABSENT = (
    "NOT EXISTS (SELECT 1 FROM public.notifications p WHERE p.id = c.notification_id)"
)
NOTIFICATION_QUARANTINED = (
    "EXISTS (SELECT 1 FROM legacy_import.quarantine q WHERE q.step = 'notifications' "
    "AND q.source_key = c.notification_id::text)"
)
notification_delivery_logs = TableMap(
    "notification_delivery_logs",
    "notification_delivery_logs",
    columns={
        # What the trigger copy_notification_created_at writes (it fires for the owner too):
        # the notification's created_at, read here as the notifications step reads it.
        "notification_created_at": "coalesce((SELECT "
        + local("n.created_at")
        + " FROM {src}.notifications n WHERE n.id = s.notification_id), statement_timestamp())",
        "channel": "lower(btrim(s.channel))",
        "status": "lower(btrim(s.status))",
        "attempt_number": "s.attempt_count",
    },
    carry={
        "__notification_in_source": "EXISTS (SELECT 1 FROM {src}.notifications n "
        "WHERE n.id = s.notification_id)"
    },
    rules=(
        Rule(
            "parent_quarantined",
            f"{NOTIFICATION_ABSENT} AND {NOTIFICATION_QUARANTINED}",
            "format('notification_id %s: that notifications row is quarantined', "
            "c.notification_id)",
        ),
        Rule(
            "notification_delivery_logs_notification_id_missing_parent",
            f"{NOTIFICATION_ABSENT} AND NOT c.__notification_in_source",
            "format('notification_id %s: no such notifications row', c.notification_id)",
        ),
    ),
    # The import writes what copy_notification_created_at would, a million lookups fewer; a
    # notification whose legacy created_at was empty got its date on its own write: copied here.
    quiet_triggers=("{step}.audit_trail", "{step}.copy_notification_created_at"),
    after_insert=(
        "UPDATE public.{step} l SET notification_created_at = n.created_at "
        "FROM public.notifications n WHERE n.id = l.notification_id "
        "AND n.created_at <> l.notification_created_at",
    ),
    conversions=(
        lowercase("s.channel", "channel"),
        lowercase("s.status", "status"),
        Conversion(
            "notification_created_at_from_notification",
            "notification_created_at: the notification's created_at (the partition key its "
            "foreign key needs)",
            "true",
        ),
    ),
)
