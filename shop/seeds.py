"""The rows every shop starts with (the plan's 8.4 seeds), and a demo shop to try the admin.

:func:`apply_defaults` creates the missing defaults by natural key (role name, permission
codename, (role, permission), template (code, channel), location code) and never touches a row
that exists: what an admin edited stays as they left it. What an admin removed stays removed:

- a soft-deleted role, permission, template or location is not recreated;
- a grant (``role_permissions`` rows are deleted for real, so leave no trace) is created only
  together with its role or its permission. Once both exist, the role's permissions are the
  admin's to decide; a permission added to the defaults later is still granted to the roles
  that should have it.
- the default location is not created when the shop already has another default location.
"""

import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from accounts.models import SUPER_ADMIN, Permission, Role, RolePermission, User
from catalog import stock
from catalog.models import InventoryLocation, LocationType
from notifications.models import NotificationChannel, NotificationTemplate
from orders.invoices import issue_invoice
from orders.models import Cart, Order, PaymentTransaction, PaymentTransactionStatus
from orders.payments import record_webhook, refund
from orders.services import place_order


@dataclass(frozen=True)
class RoleSeed:
    name: str
    description: str
    # Codenames granted; ALL for every default permission.
    grants: frozenset[str] | None


ALL = None


@dataclass(frozen=True)
class TemplateSeed:
    code: str
    channel: str
    subject: str
    body: str


# codename -> name. Codenames match permissions_codename_format: '<resource>.<action>'.
PERMISSIONS = {
    "products.view": "View products",
    "products.change": "Create and edit products, variants and prices",
    "products.delete": "Delete products",
    "inventory.view": "View stock",
    "inventory.adjust": "Receive and adjust stock",
    "orders.view": "View orders",
    "orders.change": "Edit orders and their status",
    "orders.fulfil": "Pack and ship orders",
    "orders.cancel": "Cancel orders",
    "orders.refund": "Refund payments",
    "invoices.view": "View invoices",
    "invoices.issue": "Issue and revise invoices",
    "customers.view": "View customers and their addresses",
    "customers.change": "Edit customers",
    "reviews.moderate": "Moderate reviews and answer questions",
    "content.change": "Edit blogs and uploads",
    "notifications.manage": "Edit notification templates",
    "reports.view": "View sales reports",
    "users.view": "View staff users",
    "users.invite": "Invite staff users",
    "roles.manage": "Create roles and grant permissions",
    "settings.change": "Change shop settings",
}

ROLES = (
    RoleSeed(SUPER_ADMIN, "Full system access", ALL),
    RoleSeed(
        "admin",
        "Admin access: runs the shop, but does not manage roles or settings",
        frozenset(PERMISSIONS) - {"roles.manage", "settings.change"},
    ),
    RoleSeed(
        "support",
        "Customer support: orders, customers and reviews",
        frozenset(
            {
                "products.view",
                "orders.view",
                "orders.cancel",
                "invoices.view",
                "customers.view",
                "customers.change",
                "reviews.moderate",
            }
        ),
    ),
    RoleSeed(
        "warehouse",
        "Warehouse staff: stock and shipping",
        frozenset(
            {"products.view", "inventory.view", "inventory.adjust", "orders.view", "orders.fulfil"}
        ),
    ),
    # Customers act through row level security on their own rows, not through permissions.
    RoleSeed("customer", "Customer access", frozenset()),
)

EMAIL, SMS = NotificationChannel.EMAIL, NotificationChannel.SMS
GREETING = "Hi {{ customer_name }},\n\n"
SIGNATURE = "\n\n{{ shop_name }}"

TEMPLATES = (
    TemplateSeed(
        "order_placed",
        EMAIL,
        "Order {{ order_number }} placed",
        GREETING + "Thank you for your order {{ order_number }} of {{ currency }} "
        "{{ grand_total }}. We will let you know when it ships.\n\n"
        "Your order: {{ order_url }}" + SIGNATURE,
    ),
    TemplateSeed(
        "order_shipped",
        EMAIL,
        "Order {{ order_number }} has shipped",
        GREETING + "Your order {{ order_number }} is on its way with {{ carrier }}. "
        "Track it with {{ tracking_number }}: {{ tracking_url }}" + SIGNATURE,
    ),
    TemplateSeed(
        "order_delivered",
        EMAIL,
        "Order {{ order_number }} delivered",
        GREETING + "Your order {{ order_number }} was delivered. We hope you like it: "
        "tell others in a review at {{ review_url }}" + SIGNATURE,
    ),
    TemplateSeed(
        "order_cancelled",
        EMAIL,
        "Order {{ order_number }} cancelled",
        GREETING + "Your order {{ order_number }} was cancelled: {{ reason }}. "
        "Whatever you paid is refunded to your original payment method." + SIGNATURE,
    ),
    TemplateSeed(
        "refund_processed",
        EMAIL,
        "Refund of {{ currency }} {{ refund_amount }} for order {{ order_number }}",
        GREETING + "We have refunded {{ currency }} {{ refund_amount }} for your order "
        "{{ order_number }}. Your bank may take 5 to 7 working days to show it." + SIGNATURE,
    ),
    TemplateSeed(
        "otp_login",
        EMAIL,
        "Your {{ shop_name }} login code: {{ code }}",
        "Your login code is {{ code }}. It expires in {{ expires_in_minutes }} minutes. "
        "If you did not ask for it, ignore this email." + SIGNATURE,
    ),
    TemplateSeed(
        "otp_login",
        SMS,
        "",
        "{{ code }} is your {{ shop_name }} login code. Valid for {{ expires_in_minutes }} "
        "minutes. Do not share it with anyone.",
    ),
    TemplateSeed(
        "invitation",
        EMAIL,
        "You are invited to join {{ shop_name }}",
        "Hi,\n\n{{ inviter_name }} invited you to join {{ shop_name }} as {{ role_name }}. "
        "Accept by {{ expires_at }}: {{ invitation_url }}" + SIGNATURE,
    ),
    TemplateSeed(
        "password_reset",
        EMAIL,
        "Reset your {{ shop_name }} password",
        GREETING + "Reset your password within {{ expires_in_minutes }} minutes: "
        "{{ reset_url }}\n\nIf you did not ask for this, ignore this email." + SIGNATURE,
    ),
)

LOCATION = {
    "code": "MAIN",
    "name": "Main warehouse",
    "location_type": LocationType.WAREHOUSE,
    "country": "IN",
    "is_default": True,
}

# Serialises concurrent seeders: the second one waits, then finds everything there.
LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('shop.seeds.apply_defaults'))"


@dataclass
class SeedReport:
    """What a run did: one line per created row or notable row kept, and the counts.

    ``notes`` are the lines about notable rows kept (an admin deleted a default): worth saying
    on every run, where a line per created row is not.
    """

    dry_run: bool
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created: int = 0
    kept: int = 0

    def create(self, what: str) -> None:
        self.created += 1
        self.lines.append(f"{'would create' if self.dry_run else 'created'} {what}")

    def keep(self, what: str | None = None) -> None:
        """A default left as it is; ``what`` is said when it is worth saying."""
        self.kept += 1
        if what:
            self.lines.append(f"kept {what}")
            self.notes.append(f"kept {what}")

    @property
    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        return f"{verb} {self.created}, kept {self.kept}"


def apply_defaults(*, dry_run: bool) -> SeedReport:
    """Create the missing defaults in one transaction; ``dry_run`` rolls it back."""
    report = SeedReport(dry_run=dry_run)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(LOCK_SQL)
        roles = _seed_rows(
            report,
            Role,
            {
                s.name: {"name": s.name, "description": s.description, "is_system_role": True}
                for s in ROLES
            },
            among=Q(name__in=[s.name for s in ROLES]),
            key=lambda row: row.name,
            label="role {}".format,
        )
        permissions = _seed_rows(
            report,
            Permission,
            {code: {"codename": code, "name": name} for code, name in PERMISSIONS.items()},
            among=Q(codename__in=PERMISSIONS),
            key=lambda row: row.codename,
            label="permission {}".format,
        )
        _seed_grants(report, roles, permissions)
        _seed_rows(
            report,
            NotificationTemplate,
            {(s.code, s.channel): vars(s) for s in TEMPLATES},
            among=Q(code__in={s.code for s in TEMPLATES}),
            key=lambda row: (row.code, row.channel),
            label=lambda key: "template {} ({})".format(*key),
        )
        _seed_location(report)
        transaction.set_rollback(dry_run)
    return report


def _seed_rows(report: SeedReport, model, wanted: dict, *, among: Q, key, label) -> dict:
    """Create the rows of ``wanted`` ({key: fields}) that ``model`` lacks.

    ``among`` selects the rows that may match (soft-deleted ones too), ``key`` is a row's key.
    Returns {key: (row, created)}, or None for a row an admin deleted. A live row of the key
    wins over deleted ones.
    """
    found = {}
    for row in model.all_objects.filter(among).order_by("is_deleted"):
        found.setdefault(key(row), row)
    rows = {}
    for value, fields in wanted.items():
        row = found.get(value)
        if row is None:
            rows[value] = (model.objects.create(**fields), True)
            report.create(label(value))
        elif row.is_deleted:
            rows[value] = None
            report.keep(f"{label(value)} deleted by an admin: not recreated")
        else:
            rows[value] = (row, False)
            report.keep()
    return rows


def _seed_grants(report: SeedReport, roles: dict, permissions: dict) -> None:
    granted = set(RolePermission.objects.values_list("role_id", "permission_id"))
    for seed in ROLES:
        for codename in sorted(PERMISSIONS if seed.grants is ALL else seed.grants):
            if roles[seed.name] is None or permissions[codename] is None:
                report.keep()  # Said already: an admin deleted the role or the permission.
                continue
            (role, new_role), (permission, new_permission) = roles[seed.name], permissions[codename]
            what = f"grant {seed.name}: {codename}"
            if (role.pk, permission.pk) in granted:
                report.keep()
            elif new_role or new_permission:
                RolePermission.objects.create(role=role, permission=permission)
                report.create(what)
            else:
                report.keep(f"{what} absent: not granted, the role's permissions are the admin's")


def _seed_location(report: SeedReport) -> None:
    code = LOCATION["code"]
    other_default = InventoryLocation.objects.filter(is_default=True).exclude(code=code).first()
    if other_default is None or InventoryLocation.all_objects.filter(code=code).exists():
        _seed_rows(
            report,
            InventoryLocation,
            {code: LOCATION},
            among=Q(code=code),
            key=lambda row: row.code,
            label="location {}".format,
        )
    else:
        report.keep(f"location {code} not created: {other_default.code} is the default location")


# --- The demo shop -----------------------------------------------------------------------------

DEMO_DOMAIN = "demo.example.com"
DEMO_CUSTOMERS = 3
DEMO_PRODUCTS = 12
DEMO_VARIANT_PRODUCTS = 4  # of DEMO_PRODUCTS, sold in sizes
DEMO_SIZES = ("S", "M", "L")
CENT = Decimal("0.01")


class DemoRefused(Exception):
    """The demo shop cannot be loaded; the message says why. Nothing was written."""


def demo_loaded() -> bool:
    """The marker of a loaded demo: a user (even a deleted one) of the demo's email domain."""
    return User.all_objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()


@transaction.atomic
def load_demo() -> list[str]:
    """Load a small, realistic shop through the services; refused when it is loaded already.

    Needs the test factories (factory-boy and Faker, the dev extras). Customers get unusable
    passwords: the demo must not open accounts anyone can log in to.
    """
    try:
        # Asked by name: tests.factories may be imported already.
        for module in ("factory", "faker"):
            importlib.import_module(module)
        from tests import factories as f
    except ImportError as error:
        raise DemoRefused(
            f"--demo needs the dev extras (factory-boy, Faker): pip install -e '.[dev]' ({error})"
        ) from error
    if demo_loaded():
        raise DemoRefused(f"the demo shop is loaded already (users @{DEMO_DOMAIN} exist).")

    location = InventoryLocation.objects.filter(is_default=True).first() or (
        f.InventoryLocationFactory(code="DEMO-WH", name="Demo warehouse")
    )
    products = f.ProductFactory.create_batch(DEMO_PRODUCTS)
    sellable = []  # (product, variant or None)
    for n, product in enumerate(products):
        if n < DEMO_VARIANT_PRODUCTS:
            for size in DEMO_SIZES:
                variant = f.ProductVariantFactory(product=product, option_value=size)
                stock.receive_variant(variant=variant, quantity=20, note="Demo opening stock")
                sellable.append((product, variant))
        else:
            stock.receive(
                product=product, location=location, quantity=25, note="Demo opening stock"
            )
            sellable.append((product, None))

    orders = []
    for n in range(DEMO_CUSTOMERS):
        customer = f.UserFactory(email=f"customer{n + 1}@{DEMO_DOMAIN}", password=None)
        f.CustomerProfileFactory(user=customer)
        address = f.UserAddressFactory(
            user=customer, is_default_shipping=True, is_default_billing=True
        )
        cart = _demo_cart(f, customer, [sellable[3 * n], sellable[3 * n + 7]])
        orders.append(
            place_order(customer=customer, cart_id=cart.pk, shipping_address_id=address.pk)
        )
    # One customer is still shopping: the line's units are held for them.
    (line,) = _demo_cart(f, customer, [sellable[-1]]).items.all()
    stock.reserve_for_cart_item(cart_item=line, hold_for=timedelta(days=1))

    payments = [_demo_payment(f, order) for order in orders]
    refunded = refund(payment=payments[-1], amount=(payments[-1].amount / 2).quantize(CENT))
    invoice = issue_invoice(order=orders[0], series="DEMO")
    return [
        f"demo: {DEMO_CUSTOMERS} customers @{DEMO_DOMAIN}, {len(products)} products "
        f"({DEMO_VARIANT_PRODUCTS} in sizes {'/'.join(DEMO_SIZES)}), stock at {location.code}",
        f"demo: orders {', '.join(o.order_number for o in orders)} placed and paid, "
        f"one cart still open",
        f"demo: refunded {refunded.refund_amount} of {orders[-1].order_number}, "
        f"invoice {invoice.invoice_number} for {orders[0].order_number}",
    ]


def _demo_cart(f, customer: User, lines: list) -> Cart:
    cart = f.CartFactory(user=customer)
    for product, variant in lines:
        f.CartItemFactory(cart=cart, product=product, variant=variant, quantity=2)
    return cart


def _demo_payment(f, order: Order) -> PaymentTransaction:
    """Pay ``order`` the way Razorpay does: an attempt, then its payment.captured webhook."""
    number = order.order_number[3:]
    order.razorpay_order_id = f"order_demo{number}"
    order.save(update_fields=["razorpay_order_id"])
    attempt = f.PaymentTransactionFactory(
        order=order,
        razorpay_order_id=order.razorpay_order_id,
        amount=order.grand_total,
        status=PaymentTransactionStatus.CREATED,
        razorpay_payment_id=None,
        captured_at=None,
    )
    captured = {
        "id": f"pay_demo{number}",
        "order_id": order.razorpay_order_id,
        "amount": int(order.grand_total * 100),
        "method": "upi",
    }
    record_webhook(
        provider="razorpay",
        event_id=f"evt_demo{number}",
        event_type="payment.captured",
        payload={"event": "payment.captured", "payload": {"payment": {"entity": captured}}},
        signature_valid=True,
    )
    attempt.refresh_from_db()
    return attempt
