"""manage.py seed_defaults: the defaults every shop starts with, created once, never overwritten."""

import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Permission, Role, RolePermission
from catalog.models import InventoryLocation
from notifications.models import NotificationTemplate
from orders.models import Invoice, Order, PaymentStatus
from shop import seeds
from tests.factories import InventoryLocationFactory
from tests.support import count_rows, execute, fetch, fetch_one

pytestmark = pytest.mark.django_db

SEEDED_TABLES = (
    "roles",
    "permissions",
    "role_permissions",
    "notification_templates",
    "inventory_locations",
)
# 5 roles, 22 permissions, 22 + 20 + 7 + 5 grants, 9 templates, 1 location.
DEFAULT_ROWS = 5 + 22 + 54 + 9 + 1


def seed(*args: str, verbosity: int = 2) -> list[str]:
    """What ``seed_defaults`` prints; at ``-v 2`` by default, a line for each row created."""
    out = StringIO()
    call_command("seed_defaults", *args, verbosity=verbosity, stdout=out)
    return out.getvalue().splitlines()


def grants() -> dict[str, set[str]]:
    by_role: dict[str, set[str]] = {}
    for role, codename in RolePermission.objects.values_list("role__name", "permission__codename"):
        by_role.setdefault(role, set()).add(codename)
    return by_role


def test_a_fresh_database_gets_exactly_the_defaults():
    lines = seed()
    assert lines[0] == "created role super_admin"
    assert lines[-1] == f"created {DEFAULT_ROWS}, kept 0"
    assert len(lines) == DEFAULT_ROWS + 1
    assert sorted(Role.objects.values_list("name", "is_system_role")) == [
        ("admin", True),
        ("customer", True),
        ("super_admin", True),
        ("support", True),
        ("warehouse", True),
    ]
    everything = {
        "products.view", "products.change", "products.delete", "inventory.view",
        "inventory.adjust", "orders.view", "orders.change", "orders.fulfil", "orders.cancel",
        "orders.refund", "invoices.view", "invoices.issue", "customers.view", "customers.change",
        "reviews.moderate", "content.change", "notifications.manage", "reports.view",
        "users.view", "users.invite", "roles.manage", "settings.change",
    }  # fmt: skip
    assert set(Permission.objects.values_list("codename", flat=True)) == everything
    assert grants() == {
        "super_admin": everything,
        "admin": everything - {"roles.manage", "settings.change"},
        "support": {
            "products.view", "orders.view", "orders.cancel", "invoices.view", "customers.view",
            "customers.change", "reviews.moderate",
        },
        "warehouse": {
            "products.view", "inventory.view", "inventory.adjust", "orders.view", "orders.fulfil",
        },
    }  # fmt: skip
    assert sorted(NotificationTemplate.objects.values_list("code", "channel", "is_active")) == [
        ("invitation", "email", True),
        ("order_cancelled", "email", True),
        ("order_delivered", "email", True),
        ("order_placed", "email", True),
        ("order_shipped", "email", True),
        ("otp_login", "email", True),
        ("otp_login", "sms", True),
        ("password_reset", "email", True),
        ("refund_processed", "email", True),
    ]
    placed = NotificationTemplate.objects.get(code="order_placed")
    assert placed.subject == "Order {{ order_number }} placed"
    assert "{{ grand_total }}" in placed.body
    assert list(
        InventoryLocation.objects.values_list("code", "name", "location_type", "is_default")
    ) == [("MAIN", "Main warehouse", "warehouse", True)]


def test_by_default_only_the_summary_and_what_an_admin_removed_are_said():
    assert seed(verbosity=1) == [f"created {DEFAULT_ROWS}, kept 0"]
    Role.objects.get(name="support").delete()  # soft delete
    assert seed(verbosity=1) == [
        "kept role support deleted by an admin: not recreated",
        f"created 0, kept {DEFAULT_ROWS}",
    ]
    assert seed("--dry-run", verbosity=1) == [
        "kept role support deleted by an admin: not recreated",
        f"would create 0, kept {DEFAULT_ROWS}",
    ]


def test_a_second_run_creates_nothing():
    seed()
    assert seed() == [f"created 0, kept {DEFAULT_ROWS}"]
    assert [count_rows(table) for table in SEEDED_TABLES] == [5, 22, 54, 9, 1]


def test_what_an_admin_edited_or_removed_survives_a_rerun():
    seed()
    execute("UPDATE notification_templates SET body = 'Ours' WHERE code = 'order_placed'")
    execute("UPDATE roles SET description = 'Runs the shop' WHERE name = 'admin'")
    execute("UPDATE permissions SET name = 'Give money back' WHERE codename = 'orders.refund'")
    RolePermission.objects.filter(role__name="admin", permission__codename="orders.refund").delete()
    Role.objects.get(name="support").delete()  # soft delete
    NotificationTemplate.objects.get(code="otp_login", channel="sms").delete()

    assert seed() == [
        "kept role support deleted by an admin: not recreated",
        "kept grant admin: orders.refund absent: not granted, the role's permissions are the "
        "admin's",
        "kept template otp_login (sms) deleted by an admin: not recreated",
        f"created 0, kept {DEFAULT_ROWS}",
    ]
    assert fetch_one("SELECT body FROM notification_templates WHERE code = 'order_placed'") == (
        "Ours"
    )
    assert Role.objects.get(name="admin").description == "Runs the shop"
    assert Permission.objects.get(codename="orders.refund").name == "Give money back"
    assert "orders.refund" not in grants()["admin"]
    assert count_rows("roles", name="support") == 1
    assert count_rows("notification_templates", code="otp_login", channel="sms") == 1


def test_a_permission_new_to_the_defaults_is_granted_to_the_roles_that_exist(monkeypatch):
    seed()
    admin = seeds.RoleSeed("admin", "Admin", frozenset({"gift_cards.issue"}))
    monkeypatch.setitem(seeds.PERMISSIONS, "gift_cards.issue", "Issue gift cards")
    monkeypatch.setattr(seeds, "ROLES", (*seeds.ROLES, admin))
    assert seed() == [
        "created permission gift_cards.issue",
        "created grant super_admin: gift_cards.issue",
        "created grant admin: gift_cards.issue",
        f"created 3, kept {DEFAULT_ROWS}",
    ]
    assert grants()["admin"] >= {"gift_cards.issue", "orders.refund"}


def test_the_default_location_is_not_added_next_to_the_admins_default():
    InventoryLocationFactory(code="BLR-WH1", is_default=True)
    lines = seed()
    assert "kept location MAIN not created: BLR-WH1 is the default location" in lines
    assert lines[-1] == f"created {DEFAULT_ROWS - 1}, kept 1"
    assert list(InventoryLocation.objects.values_list("code", "is_default")) == [("BLR-WH1", True)]


def test_a_dry_run_says_what_it_would_create_and_writes_nothing():
    audit_rows = count_rows("audit_logs")
    lines = seed("--dry-run")
    assert lines[:2] == ["would create role super_admin", "would create role admin"]
    assert all(line.startswith("would create ") for line in lines)
    assert lines[-1] == f"would create {DEFAULT_ROWS}, kept 0"
    assert [count_rows(table) for table in SEEDED_TABLES] == [0, 0, 0, 0, 0]
    assert count_rows("audit_logs") == audit_rows
    # What it said is what a real run does.
    assert [line.replace("would create", "created") for line in lines] == seed()


# --- --demo -----------------------------------------------------------------------------------


def test_demo_loads_a_small_shop_once():
    lines = seed("--demo")
    assert lines[DEFAULT_ROWS] == f"created {DEFAULT_ROWS}, kept 0"
    orders = Order.objects.order_by("order_number")
    assert [(o.email, o.payment_status, o.items.count()) for o in orders] == [
        ("customer1@demo.example.com", PaymentStatus.PAID, 2),
        ("customer2@demo.example.com", PaymentStatus.PAID, 2),
        ("customer3@demo.example.com", PaymentStatus.PARTIALLY_REFUNDED, 2),
    ]
    assert list(Invoice.objects.values_list("order__email", "status")) == [
        ("customer1@demo.example.com", "issued")
    ]
    assert count_rows("products") == 12 and count_rows("product_variants") == 12
    # The open cart holds its units; nobody can log in as a demo customer.
    assert fetch("SELECT status, count(*) FROM carts GROUP BY status ORDER BY status") == [
        ("active", 1),
        ("converted", 3),
    ]
    assert fetch_one("SELECT sum(reserved_quantity) FROM cart_items") == 2
    assert not any(
        u.has_usable_password() for u in seeds.User.objects.filter(email__contains="@demo.")
    )

    with pytest.raises(CommandError, match=r"refused: the demo shop is loaded already"):
        seed("--demo")
    assert count_rows("orders") == 3


def test_demo_without_the_dev_extras_fails_and_writes_nothing(monkeypatch):
    monkeypatch.setitem(sys.modules, "factory", None)  # import factory raises ImportError
    with pytest.raises(CommandError, match=r"needs the dev extras \(factory-boy, Faker\)"):
        seed("--demo")
    assert [count_rows(table) for table in SEEDED_TABLES] == [0, 0, 0, 0, 0]


def test_demo_is_no_dry_run():
    with pytest.raises(CommandError, match="--demo cannot be combined with --dry-run"):
        seed("--demo", "--dry-run")
