"""What the shop's roles let a user do in the Django admin.

The shop's permissions (``permissions.codename``, e.g. ``orders.view``) are granted to roles
(``role_permissions``) and roles to users (``user_roles``): the same rows row level security
reads. :data:`ADMIN_PERMISSIONS` translates each shop permission into the Django model
permissions (``<app>.<action>_<model>``) the admin checks; :class:`RoleBackend` answers the
admin's questions from a user's live roles:

- a live ``super_admin`` role makes the user a superuser: every permission, like
  ``is_superuser``;
- any other role grants what its permissions translate to (``customer`` grants nothing);
- a user with at least one admin permission is staff: they may log in to the admin
  (``ShopAdminSite.has_permission``). ``is_staff``/``is_superuser`` stay as Django's own
  break-glass flags (``createsuperuser``) and add to what the roles grant.

Soft-deleted roles and permissions grant nothing, and an inactive user has no permissions.
"""

from django.contrib.auth.backends import ModelBackend

from accounts.models import SUPER_ADMIN, Permission

CATALOG = (
    "catalog.product",
    "catalog.productvariant",
    "catalog.productfaq",
    "catalog.collection",
    "catalog.collectionproduct",
    "catalog.tag",
    "catalog.tier",
    "catalog.productcategory",
)
MODERATION = ("catalog.review", "catalog.productquestion")
STOCK = ("catalog.inventorylocation", "catalog.inventory")
STOCK_LEDGERS = ("catalog.inventoryadjustment", "catalog.variantinventoryadjustment")
ORDERS = ("orders.order", "orders.orderitem")
CARTS = (
    "orders.cart",
    "orders.cartitem",
    "orders.carttotal",
    "orders.wishlist",
    "orders.wishlistitem",
)
PAYMENTS = ("orders.paymenttransaction", "orders.paymentwebhooklog", "orders.paymentwebhookevent")
INVOICES = (
    "orders.invoice",
    "orders.invoiceversion",
    "orders.invoicelineitem",
    "orders.invoicenumbercounter",
)
CUSTOMERS = ("accounts.customerprofile", "accounts.useraddress")
STAFF = ("accounts.user", "accounts.adminprofile")
ACCESS = ("accounts.role", "accounts.permission", "accounts.rolepermission", "accounts.userrole")
CONTENT = ("content.blog", "content.blogsubsection", "content.upload")
NOTIFICATIONS = (
    "notifications.notificationtemplate",
    "notifications.notification",
    "notifications.notificationpreference",
    "notifications.notificationdeliverylog",
)
LOGS = ("shop.auditlog",)


def perms(actions: str, *groups: tuple[str, ...]) -> frozenset[str]:
    """``perms("view change", ORDERS)``: those actions on every model of the groups."""
    return frozenset(
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for group in groups
        for label in group
        for action in actions.split()
    )


# Shop permission codename -> the Django model permissions it grants in the admin. Invoices,
# ledgers, payments, their logs and the audit log are written by services (orders.invoices,
# catalog.stock, orders.payments) and triggers: their admins are read-only whatever is granted.
ADMIN_PERMISSIONS: dict[str, frozenset[str]] = {
    "products.view": perms("view", CATALOG, MODERATION),
    "products.change": perms("add change", CATALOG),
    "products.delete": perms("delete", CATALOG),
    "inventory.view": perms("view", STOCK, STOCK_LEDGERS),
    # Stock is changed by writing the ledger (or the balance, which the ledger then records).
    "inventory.adjust": perms("add change", STOCK) | perms("add", STOCK_LEDGERS),
    "orders.view": perms("view", ORDERS, CARTS, PAYMENTS),
    "orders.change": perms("change", ORDERS, CARTS),
    "orders.fulfil": perms("change", ("orders.order",)),
    "orders.cancel": perms("change", ("orders.order",)),
    "orders.refund": perms("change", ("orders.paymenttransaction",)),
    "invoices.view": perms("view", INVOICES),
    # The orders admin's "Issue invoice" action (orders.invoices.issue_invoice) needs "add".
    "invoices.issue": perms("view", INVOICES) | perms("add", ("orders.invoice",)),
    "customers.view": perms("view", CUSTOMERS, ("accounts.user",)),
    "customers.change": perms("change", CUSTOMERS, ("accounts.user",)),
    "reviews.moderate": perms("view change", MODERATION),
    "content.change": perms("view add change delete", CONTENT),
    "notifications.manage": perms("view add change", NOTIFICATIONS[:1])
    | perms("view", NOTIFICATIONS),
    "reports.view": perms("view", ORDERS, INVOICES),
    "users.view": perms("view", STAFF, ACCESS, ("accounts.invitation",), LOGS),
    "users.invite": perms("view add change", ("accounts.invitation",)),
    "roles.manage": perms("view add change delete", ACCESS),
    "settings.change": frozenset(),
}


class RoleBackend(ModelBackend):
    """Django's password authentication; permissions from the user's roles, not auth tables.

    The user model has no ``PermissionsMixin`` (no ``auth_user_permissions`` or groups), so
    every permission question is answered here.
    """

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = role_admin_permissions(user_obj)
        return user_obj._role_perm_cache

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return is_super_admin(user_obj) or perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return is_super_admin(user_obj) or any(
            perm.startswith(f"{app_label}.") for perm in self.get_all_permissions(user_obj)
        )


def is_super_admin(user) -> bool:
    """The user holds a live ``super_admin`` role (cached on the user for the request)."""
    if not user.is_active or user.is_anonymous:
        return False
    if not hasattr(user, "_super_admin_cache"):
        user._super_admin_cache = user.user_roles.filter(
            role__name=SUPER_ADMIN, role__is_deleted=False
        ).exists()
    return user._super_admin_cache


def role_admin_permissions(user) -> set[str]:
    """The Django permissions the user's live roles grant through their live permissions."""
    codenames = Permission.objects.filter(
        role_permissions__role__user_roles__user=user,
        role_permissions__role__is_deleted=False,
    ).values_list("codename", flat=True)
    return set().union(*(ADMIN_PERMISSIONS.get(codename, ()) for codename in codenames))


def has_admin_access(user) -> bool:
    """May log in to the admin: a break-glass flag, or a role granting some admin permission."""
    if not user.is_active or user.is_anonymous:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or is_super_admin(user)
        or bool(user.get_all_permissions())
    )
