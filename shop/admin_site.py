"""The admin site: who may log in is decided by the shop's roles (accounts.admin_access)."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.admin_access import has_admin_access


class ShopAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, letting in whom the roles let in (not only ``is_staff``)."""

    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # refuses inactive users
        if not has_admin_access(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class ShopAdminSite(admin.AdminSite):
    site_header = "shopdb admin"
    site_title = "shopdb admin"
    index_title = "Shop data"
    login_form = ShopAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return has_admin_access(request.user)
