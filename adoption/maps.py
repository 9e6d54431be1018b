"""Every legacy table's map, in the order the import runs them: a table after the tables its
foreign keys point at, a stock table's history after the stock table."""

from adoption import tables as core
from adoption import tables_more as more
from adoption.mapping import TableMap

MAPS: tuple[TableMap, ...] = (
    core.users,
    core.roles,
    core.permissions,
    core.role_permissions,
    core.user_roles,
    core.user_addresses,
    more.admin_profiles,
    more.customer_profiles,
    more.invitation,
    more.email_otps,
    more.notification_preferences,
    core.tiers,
    core.products,
    core.product_categories,
    more.tags,
    more.product_faqs,
    more.product_questions,
    more.collections,
    more.collection_products,
    more.reviews,
    core.product_variants,
    core.variant_inventory_adjustments,
    core.inventory_locations,
    core.inventory,
    core.inventory_adjustments,
    core.carts,
    more.cart_items,
    more.wishlists,
    core.orders,
    core.order_items,
    more.wishlist_items,
    core.payment_transactions,
    more.payment_webhook_logs,
    core.invoices,
    core.invoice_line_items,
    more.invoice_versions,
    core.uploads,
    more.blogs,
    more.blog_subsections,
    more.notification_templates,
    more.notifications,
    more.notification_delivery_logs,
    core.audit_logs,
)

# Legacy tables set aside whole (rule no_table_in_new_schema), the new schema having no table
# for them yet (the plan defers them; the GST, discounts and gift cards work adds them). Every
# other legacy table has a map.
NO_TABLE_YET = ("discounts", "discount_codes", "giftcards", "tax_rules")
