"""A small shop with rows in every table, for the row level security attack tests.

``build_world()`` writes it through the owner connection (outside row level security) and
labels every row it makes with a *tag*, so a test can say "customer A sees the ``a`` and
``public`` rows of this table" instead of listing ids. The tags mean:

- ``a``, ``b``: belongs to customer A or B (``a_pending``: A's review waiting for moderation);
- ``admin``, ``super_admin``: the staff users, their roles and profiles;
- ``public``, ``public_2``: what the shop has published (active, in its time window, ...);
- ``draft``, ``deleted``, ``inactive``, ``of_hidden``, ...: shop content that is not (or no
  longer) published, or hangs off something that is not;
- ``guest``: a guest's cart or order (no user); ``shop``: a row of an admin-only table;
  ``django``: a row of one of Django's own tables.

A row of a partitioned table is also tagged in its partition (that is where it is stored).
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group
from django.contrib.auth.models import Permission as DjangoPermission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone

from accounts.models import User
from catalog.models import Product
from orders.models import PaymentWebhookEvent
from shop.db.rls import acting_as, acting_as_anon, acting_as_service
from tests.factories import (
    AdminProfileFactory,
    AuditLogFactory,
    BlogFactory,
    BlogSubsectionFactory,
    CartFactory,
    CartItemFactory,
    CollectionFactory,
    CollectionProductFactory,
    CustomerProfileFactory,
    EmailOtpFactory,
    InventoryAdjustmentFactory,
    InventoryFactory,
    InventoryLocationFactory,
    InvitationFactory,
    InvoiceFactory,
    InvoiceLineItemFactory,
    InvoiceNumberCounterFactory,
    InvoiceVersionFactory,
    NotificationDeliveryLogFactory,
    NotificationFactory,
    NotificationPreferenceFactory,
    NotificationTemplateFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentTransactionFactory,
    PaymentWebhookLogFactory,
    PermissionFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductFaqFactory,
    ProductQuestionFactory,
    ProductVariantFactory,
    ReviewFactory,
    RoleFactory,
    RolePermissionFactory,
    TagFactory,
    TierFactory,
    UploadFactory,
    UserAddressFactory,
    UserFactory,
    UserRoleFactory,
    VariantInventoryAdjustmentFactory,
    WishlistFactory,
    WishlistItemFactory,
)

# The six clients the tests play, as in the issue: no key, two customers, two kinds of staff,
# and the trusted backend.
ACTORS = ("anon", "a", "b", "admin", "super_admin", "service_role")

PARTITIONS = {
    "audit_logs": "audit_logs_default",
    "notifications": "notifications_default",
    "payment_webhook_logs": "payment_webhook_logs_default",
}

# Tables whose primary key is not a column named id.
KEY_COLUMNS = {
    "product_categories": ("product_id", "tier_id"),
    "django_session": ("session_key",),
}


def key_columns(table: str) -> tuple[str, ...]:
    return KEY_COLUMNS.get(table, ("id",))


def key_sql(table: str) -> str:
    """SQL for a row's key as text, the form the tests compare: ``id::text`` for most tables."""
    return " || '/' || ".join(f"{column}::text" for column in key_columns(table))


def key_of(obj: models.Model) -> str:
    """The same key, read from a model instance (a composite key joined like ``key_sql``)."""
    pk = obj.pk
    return "/".join(str(part) for part in pk) if isinstance(pk, tuple) else str(pk)


@dataclass
class World:
    a: User
    b: User
    admin: User
    super_admin: User
    role_ids: dict[str, str]
    # table -> tag -> keys of the rows with that tag
    rows: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)

    def add(self, tag: str, *objects: models.Model) -> None:
        for obj in objects:
            table = obj._meta.db_table
            for stored_in in (table, PARTITIONS.get(table)):
                if stored_in:
                    self.rows.setdefault(stored_in, {}).setdefault(tag, []).append(key_of(obj))

    def keys(self, table: str, tags: Iterable[str]) -> set[str]:
        """The keys of the rows of ``table`` with any of ``tags``; an unknown tag is a typo."""
        tagged = self.rows.get(table, {})
        unknown = set(tags) - set(tagged)
        assert not unknown, f"{table} has no rows tagged {sorted(unknown)}"
        return {key for tag in tags for key in tagged[tag]}

    def key(self, table: str, tag: str) -> str:
        """The key of the one row of ``table`` tagged ``tag``."""
        (key,) = self.keys(table, [tag])
        return key

    def label(self, table: str, key: str) -> str:
        """A row's tag, for readable assertion messages (its key if the world did not make it)."""
        for tag, keys in self.rows.get(table, {}).items():
            if key in keys:
                return tag
        return key

    def user(self, actor: str) -> User:
        return getattr(self, actor)

    def acting(self, actor: str) -> AbstractContextManager[None]:
        """The block runs as ``actor`` would run it through the API (see shop.db.rls)."""
        if actor == "anon":
            return acting_as_anon()
        if actor == "service_role":
            return acting_as_service()
        return acting_as(self.user(actor))


def build_world() -> World:
    """Customers A and B, an admin, a super admin, and rows in every table of ``public``."""
    roles = {
        name: RoleFactory(name=name, is_system_role=True)
        for name in ("customer", "admin", "super_admin")
    }
    people = {
        name: UserFactory(email=f"{name.replace('_', '.')}@example.com", is_staff=staff)
        for name, staff in (("a", False), ("b", False), ("admin", True), ("super_admin", True))
    }
    world = World(**people, role_ids={name: str(role.pk) for name, role in roles.items()})
    for name, role in roles.items():
        world.add(name, role)
    role_of = {"a": "customer", "b": "customer", "admin": "admin", "super_admin": "super_admin"}
    for name, user in people.items():
        world.add(name, user, UserRoleFactory(user=user, role=roles[role_of[name]]))
    _accounts(world, roles)
    products = _catalog(world)
    _orders(world, products)
    _content(world)
    _notifications(world)
    _django(world, products["public"])
    return world


def _accounts(world: World, roles: dict) -> None:
    permission = PermissionFactory(codename="orders.view")
    world.add(
        "shop",
        permission,
        RolePermissionFactory(role=roles["admin"], permission=permission),
        InvitationFactory(role=roles["admin"], invited_by=world.admin),
        # The audit trail: written by the backend, read by admins.
        AuditLogFactory(user=world.admin),
    )
    world.add("admin", AdminProfileFactory(user=world.admin))
    for owner in ("a", "b"):
        user = world.user(owner)
        world.add(
            owner,
            CustomerProfileFactory(user=user, loyalty_points=10),
            UserAddressFactory(user=user),
            EmailOtpFactory(user=user),
        )


def _catalog(world: World) -> dict[str, Product]:
    """Published and unpublished catalogue rows; returns the products the other areas use."""
    now = timezone.now()
    products = {
        "public": ProductFactory(),
        "public_2": ProductFactory(),
        "draft": ProductFactory(status="draft"),
        "deleted": ProductFactory(deleted_at=now),
    }
    for tag, product in products.items():
        world.add(tag, product)
    shown, shown_2, draft = products["public"], products["public_2"], products["draft"]

    variant = ProductVariantFactory(product=shown)
    world.add("public", variant)
    world.add("inactive", ProductVariantFactory(product=shown, is_active=False))
    world.add("deleted", ProductVariantFactory(product=shown, deleted_at=now))
    world.add("of_hidden", ProductVariantFactory(product=draft))

    world.add("public", ProductFaqFactory(product=shown))
    world.add("unpublished", ProductFaqFactory(product=shown, is_published=False))
    world.add("of_hidden", ProductFaqFactory(product=draft))

    # One alive review per user and product, hence the second public product.
    pending = {"status": "pending", "is_verified_purchase": False}
    world.add("b_published", ReviewFactory(product=shown, user=world.b))
    world.add("a_pending", ReviewFactory(product=shown, user=world.a, **pending))
    world.add("b_pending", ReviewFactory(product=shown_2, user=world.b, **pending))
    world.add("a_deleted", ReviewFactory(product=shown_2, user=world.a, deleted_at=now))
    world.add("b_on_hidden", ReviewFactory(product=draft, user=world.b))

    answered = {"answered": True, "answered_by": world.admin}
    world.add("b_published", ProductQuestionFactory(product=shown, user=world.b, **answered))
    world.add("a_pending", ProductQuestionFactory(product=shown, user=world.a))
    world.add("b_on_hidden", ProductQuestionFactory(product=draft, user=world.b, **answered))

    tier = TierFactory()
    hidden_tier = TierFactory(is_active=False)
    world.add("public", tier)
    world.add("inactive", hidden_tier)
    world.add("deleted", TierFactory(deleted_at=now))
    world.add("public", ProductCategoryFactory(product=shown, tier=tier))
    world.add("in_hidden_tier", ProductCategoryFactory(product=shown, tier=hidden_tier))
    world.add("of_hidden", ProductCategoryFactory(product=draft, tier=tier))

    # Time windows are relative to the database's now(), the transaction's start: a window
    # opening "now" in Python would open after it. Hence a day's margin.
    day = timedelta(days=1)
    collection = CollectionFactory(starts_at=now - day, ends_at=now + 30 * day)
    hidden_collection = CollectionFactory(is_active=False)
    world.add("public", collection)
    world.add("inactive", hidden_collection)
    world.add("expired", CollectionFactory(starts_at=now - 60 * day, ends_at=now - 30 * day))
    world.add("future", CollectionFactory(starts_at=now + 30 * day, ends_at=now + 60 * day))
    world.add("public", CollectionProductFactory(collection=collection, product=shown))
    world.add(
        "in_hidden_collection",
        CollectionProductFactory(collection=hidden_collection, product=shown),
    )
    world.add("of_hidden", CollectionProductFactory(collection=collection, product=draft))

    world.add("public", TagFactory())
    world.add("deleted", TagFactory(deleted_at=now))

    # Stock: the shop's business only.
    inventory = InventoryFactory(product=shown, location=InventoryLocationFactory())
    world.add(
        "shop",
        inventory.location,
        inventory,
        InventoryAdjustmentFactory(inventory=inventory),
        VariantInventoryAdjustmentFactory(variant=variant),
    )
    return products


def _orders(world: World, products: dict[str, Product]) -> None:
    shown = products["public"]
    for owner in ("a", "b"):
        user = world.user(owner)
        # A's cart became A's order (so A may open a new active cart); B's is still open.
        cart = CartFactory(user=user, status="converted" if owner == "a" else "active")
        order = OrderFactory(user=user, cart=cart if owner == "a" else None)
        order_item = OrderItemFactory(order=order, product=shown)
        invoice = InvoiceFactory(order=order)
        payment = PaymentTransactionFactory(order=order)
        wishlist = WishlistFactory(user=user)
        world.add(
            owner,
            cart,
            CartItemFactory(cart=cart, product=shown),
            wishlist,
            WishlistItemFactory(wishlist=wishlist, product=shown),
            order,
            order_item,
            invoice,
            InvoiceVersionFactory(invoice=invoice),
            InvoiceLineItemFactory(invoice=invoice, order_item=order_item),
            payment,
            PaymentWebhookLogFactory(payment_transaction=payment),
        )
    guest_cart = CartFactory(guest=True)
    world.add(
        "guest",
        guest_cart,
        CartItemFactory(cart=guest_cart, product=shown),
        OrderFactory(user=None),
    )
    # The backend's bookkeeping; the events are those of the verified webhooks above.
    world.add("shop", InvoiceNumberCounterFactory(), *PaymentWebhookEvent.objects.all())


def _content(world: World) -> None:
    now = timezone.now()
    live = {"status": "published", "published_at": now - timedelta(days=1), "author": world.admin}
    blog = BlogFactory(**live)
    draft = BlogFactory(author=world.admin)
    world.add("public", blog)
    world.add("draft", draft)
    world.add("future", BlogFactory(**{**live, "published_at": now + timedelta(days=7)}))
    world.add("deleted", BlogFactory(**live, deleted_at=now))
    world.add("public", BlogSubsectionFactory(blog=blog))
    world.add("of_draft", BlogSubsectionFactory(blog=draft))
    world.add("deleted", BlogSubsectionFactory(blog=blog, deleted_at=now))
    world.add("shop", UploadFactory(uploaded_by=world.admin))


def _notifications(world: World) -> None:
    template = NotificationTemplateFactory()
    world.add("shop", template)
    for owner in ("a", "b"):
        user = world.user(owner)
        notification = NotificationFactory(user=user, template=template)
        world.add(
            owner,
            notification,
            NotificationPreferenceFactory(user=user),
            NotificationDeliveryLogFactory(notification=notification),
        )


def _django(world: World, product: Product) -> None:
    """A row in each of Django's own tables that migrations leave empty."""
    group = Group.objects.create(name="editors")
    group.permissions.add(DjangoPermission.objects.first())
    world.add(
        "django",
        group,
        Group.permissions.through.objects.get(group=group),
        Session.objects.create(
            session_key="s" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1)
        ),
        LogEntry.objects.create(
            user=world.admin,
            content_type=ContentType.objects.get_for_model(Product),
            object_id=str(product.pk),
            object_repr=str(product),
            action_flag=ADDITION,
        ),
    )
