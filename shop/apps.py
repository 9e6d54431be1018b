from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop (cross-cutting)"


class ShopAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the shop's site (``admin.site`` is a ``ShopAdminSite``)."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "shop.admin_site.ShopAdminSite"
