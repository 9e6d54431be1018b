"""The admin of users, their profiles and addresses, roles, permissions, invitations and OTPs.

Who may do what here is decided by the shop's roles (accounts.admin_access). Two rules are this
module's own, because a permission to edit customers must not be a way to become a super admin:

- only a super admin (the ``super_admin`` role or Django's ``is_superuser``) sets the
  ``is_staff``/``is_superuser`` flags;
- only a super admin changes an account that holds admin rights (its email, password, flags).
"""

import hashlib
import secrets

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest

from accounts.admin_access import SUPER_ADMIN, is_super_admin, role_admin_permissions
from accounts.models import (
    AdminProfile,
    CustomerProfile,
    EmailOtp,
    Invitation,
    Permission,
    Role,
    RolePermission,
    User,
    UserAddress,
    UserRole,
)
from shop.admin_base import (
    AUDIT_FIELDS,
    SOFT_DELETE_FIELDS,
    ReadOnlyAdmin,
    ShopModelAdmin,
    ShopStackedInline,
    ShopTabularInline,
    SoftDeleteAdmin,
)

PRIVILEGE_FLAGS = ("is_staff", "is_superuser")
ADMIN_ROLES = ("admin", SUPER_ADMIN)

# The shop's users have no groups (no PermissionsMixin): Django's auth admin registers Group
# all the same, which would offer a page that grants nothing.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


def manages_staff(user: User) -> bool:
    return user.is_active and (user.is_superuser or is_super_admin(user))


def holds_admin_rights(user: User) -> bool:
    """Has (or would have, reactivated) admin access: a break-glass flag or a granting role."""
    return (
        user.is_staff
        or user.is_superuser
        or user.user_roles.filter(role__name=SUPER_ADMIN, role__is_deleted=False).exists()
        or bool(role_admin_permissions(user))
    )


class LowerCaseEmailForm(forms.ModelForm):
    """Emails are stored lower case (``users_email_lowercase``) and unique among all users,
    deleted ones included (``users_email_key``): say so in the form, not as a refusal."""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        # An alive user with this email is the model form's own unique check.
        deleted = User.all_objects.filter(email=email, is_deleted=True)
        if deleted.exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                "A deleted user has this email: restore them (list the deleted users).",
                code="unique",
            )
        return email


class UserCreationForm(LowerCaseEmailForm, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(LowerCaseEmailForm, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "first_name",
            "last_name",
            "phone",
            "email_verified_at",
            "is_active",
            *PRIVILEGE_FLAGS,
        )


class UsersRows:
    """An inline of the rows of the user on the page: by ``user``, since the audit columns
    (created_by, updated_by, deleted_by) point to users too."""

    fk_name = "user"


class UserRoleInline(UsersRows, ShopTabularInline):
    model = UserRole
    autocomplete_fields = ("role",)
    fields = ("role", "created_at", "created_by")
    readonly_fields = ("created_at", "created_by")


class UserAddressInline(UsersRows, ShopStackedInline):
    model = UserAddress
    fields = (
        ("label", "full_name", "phone"),
        ("line1", "line2", "landmark"),
        ("city", "state", "postal_code", "country"),
        ("is_default_shipping", "is_default_billing"),
    )


class AdminProfileInline(UsersRows, ShopStackedInline):
    model = AdminProfile
    max_num = 1
    fields = ("display_name", "job_title", "department", "phone")


class CustomerProfileInline(UsersRows, ShopStackedInline):
    model = CustomerProfile
    max_num = 1
    fields = ("date_of_birth", "gender", "marketing_opt_in", "loyalty_points")


@admin.register(User)
class UserAdmin(SoftDeleteAdmin, auth_admin.UserAdmin):
    """Django's user admin (the password hash summary and the change-password page), for an
    email login without groups or per-user permissions, listing alive users by default."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "phone", "email_verified_at")}),
        ("Access", {"fields": ("is_active", *PRIVILEGE_FLAGS)}),
        ("Record", {"fields": ("last_login", *AUDIT_FIELDS, *SOFT_DELETE_FIELDS)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "name", "is_active", "is_staff", "roles")
    # Roles are a handful of rows: listing them all is cheap, unlike the users who hold them.
    list_filter = ("is_active", "is_staff", "is_superuser", "user_roles__role")
    search_fields = ("^email",)
    search_help_text = "The start of an email address."
    ordering = ("email",)
    filter_horizontal = ()
    readonly_fields = ("last_login",)
    inlines = (UserRoleInline, AdminProfileInline, CustomerProfileInline, UserAddressInline)

    def get_queryset(self, request: HttpRequest):
        # For the roles column, on the page's rows only; a deleted role grants nothing.
        live_roles = UserRole.objects.filter(role__is_deleted=False).select_related("role")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("user_roles", queryset=live_roles, to_attr="live_user_roles")
            )
        )

    @admin.display(description="name", ordering="last_name")
    def name(self, user: User) -> str:
        return f"{user.first_name} {user.last_name}".strip()

    @admin.display(description="roles")
    def roles(self, user: User) -> str:
        return ", ".join(sorted(user_role.role.name for user_role in user.live_user_roles))

    def get_inline_instances(self, request: HttpRequest, obj=None) -> list:
        # Adding is Django's short email-and-password form; roles and the rest come after.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple:
        readonly = super().get_readonly_fields(request, obj)
        return readonly if manages_staff(request.user) else (*readonly, *PRIVILEGE_FLAGS)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Also guards the change-password page, which asks this with the user to change.
        if obj is not None and not manages_staff(request.user) and holds_admin_rights(obj):
            return False
        return super().has_change_permission(request, obj)


@admin.register(AdminProfile)
class AdminProfileAdmin(SoftDeleteAdmin):
    list_display = ("display_name", "user", "job_title", "department")
    list_select_related = ("user",)
    search_fields = ("display_name", "=user__email")
    ordering = ("display_name",)


@admin.register(CustomerProfile)
class CustomerProfileAdmin(SoftDeleteAdmin):
    list_display = ("user", "gender", "marketing_opt_in", "loyalty_points", "created_at")
    list_filter = ("gender", "marketing_opt_in")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    ordering = ("-created_at",)


@admin.register(UserAddress)
class UserAddressAdmin(SoftDeleteAdmin):
    list_display = (
        "full_name",
        "user",
        "city",
        "postal_code",
        "country",
        "is_default_shipping",
        "is_default_billing",
    )
    list_filter = ("is_default_shipping", "is_default_billing")
    list_select_related = ("user",)
    search_fields = ("=user__email", "=postal_code")
    ordering = ("-created_at",)


class RolePermissionInline(ShopTabularInline):
    model = RolePermission
    autocomplete_fields = ("permission",)
    fields = ("permission", "created_at", "created_by")
    readonly_fields = ("created_at", "created_by")


@admin.register(Role)
class RoleAdmin(SoftDeleteAdmin):
    list_display = ("name", "description", "is_system_role")
    list_filter = ("is_system_role",)
    search_fields = ("name",)
    ordering = ("name",)
    inlines = (RolePermissionInline,)


@admin.register(Permission)
class PermissionAdmin(SoftDeleteAdmin):
    list_display = ("codename", "name", "description")
    search_fields = ("codename", "name")
    ordering = ("codename",)


@admin.register(RolePermission)
class RolePermissionAdmin(ShopModelAdmin):
    list_display = ("role", "permission", "created_at")
    list_filter = ("role",)
    list_select_related = ("role", "permission")
    autocomplete_fields = ("role", "permission")
    search_fields = ("permission__codename",)
    ordering = ("role__name", "permission__codename")


@admin.register(UserRole)
class UserRoleAdmin(ShopModelAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("user", "role")
    autocomplete_fields = ("role",)
    search_fields = ("=user__email",)
    ordering = ("-created_at",)


def new_invitation_token() -> tuple[str, str]:
    """A fresh invitation token and the SHA-256 the table keeps instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


@admin.register(Invitation)
class InvitationAdmin(SoftDeleteAdmin):
    """``token_hash`` is never shown; a new invitation gets a fresh token, shown once."""

    list_display = ("email", "role", "status", "invited_by", "expires_at", "accepted_at")
    list_filter = ("status", "role")
    list_select_related = ("role", "invited_by")
    autocomplete_fields = ("role",)
    search_fields = ("=email",)
    ordering = ("-created_at",)
    exclude = ("token_hash",)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        # As row level security has it (accounts 0003): an invitation to an admin role is a
        # grant of it, so only a super admin may make one.
        if db_field.name == "role" and not manages_staff(request.user):
            kwargs["queryset"] = Role.objects.exclude(name__in=ADMIN_ROLES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Invitation, form, change: bool) -> None:
        if not change:
            token, obj.token_hash = new_invitation_token()
            if obj.invited_by_id is None:
                obj.invited_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            # The table keeps only the hash: this is the one time anyone sees the token.
            self.message_user(
                request, f"Invitation token for {obj.email} (shown once): {token}", messages.INFO
            )


@admin.register(EmailOtp)
class EmailOtpAdmin(ReadOnlyAdmin):
    """Never shows ``code_hash``: a hash of a six-digit code gives the code away."""

    list_display = ("email", "purpose", "user", "created_at", "expires_at", "consumed_at")
    list_filter = ("purpose",)
    list_select_related = ("user",)
    search_fields = ("=email",)
    ordering = ("-created_at",)
    exclude = ("code_hash",)
