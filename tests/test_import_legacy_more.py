"""manage.py import_legacy: the tables around the shop's core (adoption.tables_more).

The dirty legacy shop of tests/test_import_legacy.py, imported once; each conversion of these
maps is checked on a row whose legacy values are known (adoption.sample_more).
"""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.admin import new_invitation_token
from adoption.dirt import d
from tests.adoption_support import Scratch, create_scratch, drop_scratch

pytestmark = pytest.mark.xdist_group("import_legacy")

IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """A dirty legacy shop, imported: the scratch database and the JSON report."""
    with django_db_blocker.unblock():
        made = create_scratch(connection.settings_dict["TEST"]["TEMPLATE"])
        try:
            made.legacy_shop()
            status, report = made.report("--source-schema", "legacy")
            assert status == 0, report
            yield made, report
        finally:
            drop_scratch(made)


@pytest.fixture
def scratch(imported) -> Scratch:
    return imported[0]


def conversions_of(report: dict, step: str) -> dict[str, int]:
    (found,) = [s for s in report["steps"] if s["step"] == step]
    return {c["code"]: c["rows"] for c in found["conversions"]}


def test_invitation_token_hash_is_the_accounts_hash(scratch: Scratch):
    token, status, accepted_by = scratch.rows(
        "SELECT token, status, accepted_by FROM legacy.invitation WHERE id = 1"
    )[0]
    # What the accounts admin stores for this token, were it the fresh one it hands out.
    with mock.patch("accounts.admin.secrets.token_urlsafe", return_value=token):
        _, expected = new_invitation_token()

    assert scratch.rows(
        "SELECT i.token_hash, i.status, i.accepted_user_id FROM invitation i "
        "JOIN legacy_import.id_map m ON m.new_id = i.id "
        "WHERE m.source_table = 'invitation' AND m.old_id = '1'"
    ) == [(expected, status, accepted_by)]
    # Of two pending invitations to one address (in any case), the older one is the open one.
    kept = scratch.value(
        "SELECT email FROM invitation i JOIN legacy_import.id_map m ON m.new_id = i.id "
        "WHERE m.source_table = 'invitation' AND m.old_id = '900102'"
    )
    assert kept == "Dup.Invitee@example.com"


def test_otp_code_hash_and_consumption(scratch: Scratch):
    code, verified_at = scratch.rows(
        "SELECT otp_code, verified_at FROM legacy.email_otps WHERE id = 2"
    )[0]
    with mock.patch("accounts.admin.secrets.token_urlsafe", return_value=code):
        _, expected = new_invitation_token()

    assert scratch.rows(
        "SELECT o.code_hash, o.consumed_at FROM email_otps o "
        "JOIN legacy_import.id_map m ON m.new_id = o.id "
        "WHERE m.source_table = 'email_otps' AND m.old_id = '2'"
    ) == [(expected, verified_at.replace(tzinfo=IST))]


def test_notification_preferences_of_one_user(scratch: Scratch, imported):
    # User 2: email, sms and in-app on, push off; order updates on, promotions off. What is on
    # needs no row (no row means on): push for every type, promotions on every channel.
    off = (
        "SELECT channel, type FROM notification_preferences WHERE user_id = md5(%s)::uuid "
        "AND NOT is_enabled ORDER BY 1, 2"
    )
    assert scratch.rows(off, ["user:2"]) == [
        ("email", "promotion"),
        ("in_app", "promotion"),
        *(
            ("push", kind)
            for kind in ("account", "order", "payment", "promotion", "shipping", "system")
        ),
        ("sms", "promotion"),
    ]
    rows = "SELECT count(*) FROM notification_preferences WHERE user_id = md5('user:2')::uuid"
    assert scratch.value(rows) == 9
    # User 4 opted into promotions: on by email, sms and in-app (no rows); push stays off.
    assert [row for row in scratch.rows(off, ["user:4"]) if row[1] == "promotion"] == [
        ("push", "promotion")
    ]
    # Users 1, 3, 5, 7, 9 had the newsletter on: it has no place, and the report says so.
    assert conversions_of(imported[1], "notification_preferences")["newsletter_not_carried"] == 5


def test_blog_cover_and_body(scratch: Scratch):
    # A cover by upload: the URL of the legacy upload, which came in under its new id.
    assert scratch.rows(
        "SELECT b.cover_image_url, b.status, b.tags, u.id IS NOT NULL FROM blogs b "
        "JOIN legacy.uploads lu ON lu.id = 2 "
        "LEFT JOIN legacy_import.id_map m ON m.source_table = 'uploads' AND m.old_id = '2' "
        "LEFT JOIN uploads u ON u.id = m.new_id "
        "WHERE b.id = %s AND b.cover_image_url = lu.url",
        [d(139)],
    ) == [("https://cdn.example.com/p2.jpg", "published", ["diwali"], True)]
    # The blog's text first, then its subsections in their legacy order (both had 0).
    assert scratch.rows(
        "SELECT sort_order, heading, body FROM blog_subsections WHERE blog_id = %s ORDER BY 1",
        [d(139)],
    ) == [(0, "", "Festive picks."), (1, "Lamps", "Diyas first."), (2, "Sweets", "Then sweets.")]


def test_invoice_versions_move_the_current_version(scratch: Scratch):
    # Invoice 5 was revised once. Invoice 2's version 3 has no version 2; invoice 3's version
    # 2 has no reason, and its version 3 goes with it; invoice 4's version 2 is no object.
    assert scratch.rows(
        "SELECT n, i.current_version, array_agg(v.version_number ORDER BY v.version_number) "
        "FROM generate_series(2, 5) n JOIN invoices i ON i.id = md5('invoice:' || n)::uuid "
        "JOIN invoice_versions v ON v.invoice_id = i.id GROUP BY n, i.current_version ORDER BY n"
    ) == [(2, 1, [1]), (3, 1, [1]), (4, 1, [1]), (5, 2, [1, 2])]
    # The triggers the import switched off are on again.
    assert scratch.rows(
        "SELECT DISTINCT tgenabled FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgrelid IN ('invoice_versions'::regclass, 'invoices'::regclass, "
        "'payment_webhook_logs'::regclass)"
    ) == [("O",)]


def test_cart_lines_hold_nothing(scratch: Scratch, imported):
    # A legacy line that held stock: the hold is gone, the price stays.
    assert scratch.rows(
        "SELECT quantity, unit_price::text, line_total::text, reserved_quantity, "
        "reserved_from_location_id, reserved_until FROM cart_items "
        "WHERE id = md5('cart_item:2')::uuid"
    ) == [(2, "130.99", "251.98", 0, None, None)]
    # A line without prices: the shop's price of its variant.
    assert scratch.rows(
        "SELECT unit_price::text, cost_price::text FROM cart_items WHERE id = %s", [d(122)]
    ) == [("130.99", "50.00")]
    assert conversions_of(imported[1], "cart_items")["cart_reservations_released"] == 5


def test_notifications_and_their_deliveries(scratch: Scratch):
    assert scratch.rows(
        "SELECT type, channels, data, is_read, read_at FROM notifications WHERE id = %s",
        [d(149)],
    ) == [
        (
            "shipping",
            ["sms"],
            {"url": "/orders/2"},
            True,
            datetime(2023, 7, 3, 10, 0, tzinfo=IST),
        )
    ]
    # Every delivery carries its notification's partition key.
    assert scratch.rows(
        "SELECT count(*), count(*) FILTER (WHERE d.notification_created_at = n.created_at) "
        "FROM notification_delivery_logs d JOIN notifications n ON n.id = d.notification_id"
    ) == [(41, 41)]
    sms = scratch.value("SELECT channel FROM notification_delivery_logs WHERE id = %s", [d(154)])
    assert sms == "sms"


def test_webhooks_log_each_verified_event_once(scratch: Scratch):
    # An unverified copy of an event is evidence, kept; a log of a payment set aside stays,
    # without its payment.
    assert scratch.rows(
        "SELECT event_id, signature_valid, payment_transaction_id IS NULL "
        "FROM payment_webhook_logs WHERE id IN (%s, %s) ORDER BY 1",
        [d(129), d(130)],
    ) == [("evt_2", False, False), ("evt_x35", True, True)]
    # Each verified event once, dated by its log.
    assert scratch.rows(
        "SELECT count(*), count(*) FILTER (WHERE e.created_at = l.created_at) "
        "FROM payment_webhook_events e JOIN payment_webhook_logs l "
        "ON l.event_id = e.event_id AND l.signature_valid"
    ) == [(41, 41)]


def test_profiles_wishlists_and_questions(scratch: Scratch):
    name = "SELECT display_name FROM admin_profiles WHERE user_id = md5('user:1')::uuid"
    assert scratch.value(name) == "First1 Last1"
    assert scratch.value("SELECT gender FROM customer_profiles WHERE id = %s", [d(103)]) == "male"
    # User 1's newer default wishlist is a plain list; the older one stays the default.
    assert scratch.rows(
        "SELECT id = %s, is_default FROM wishlists WHERE user_id = md5('user:1')::uuid "
        "ORDER BY created_at",
        [d(123)],
    ) == [(False, True), (True, False)]
    # A question the legacy shop kept hidden is not published.
    status = scratch.value("SELECT status FROM product_questions WHERE id = %s", [d(110)])
    assert status == "pending"
    # The review that used to be set aside whole comes in.
    assert scratch.value("SELECT rating FROM reviews WHERE id = %s", [d(47)]) == 5
