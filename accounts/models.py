"""Users, their profiles and addresses, and the shop's own roles and permissions."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import (
    _user_get_permissions,
    _user_has_module_perms,
    _user_has_perm,
)
from django.db import models, transaction
from django.db.models.functions import Lower

from shop.db.constraints import choices_check, unique_while_alive
from shop.db.models import BaseModel, SoftDeleteManager, SoftDeleteModel
from shop.db.triggers import EndUsersMayChangeOnly

# The role that holds every permission, in the admin and in row level security.
SUPER_ADMIN = "super_admin"


class UserManager(BaseUserManager, SoftDeleteManager):
    """Hides soft-deleted users (so they cannot log in) and creates users the Django way."""

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        """``createsuperuser``: Django's flags, and the shop's ``super_admin`` role once seeded,
        so row level security (``private.is_admin()``) treats them as the admin they are."""
        fields.update(is_staff=True, is_superuser=True)
        with transaction.atomic(using=self._db):
            user = self.create_user(email, password, **fields)
            role = Role.objects.using(self._db).filter(name=SUPER_ADMIN).first()
            if role is not None:
                UserRole.objects.using(self._db).create(user=user, role=role)
        return user


class User(AbstractBaseUser, SoftDeleteModel):
    """An account: customers and staff alike. Staff rights come from ``user_roles``."""

    email = models.EmailField(unique=True, db_comment="Stored lower-case; the login name.")
    phone = models.CharField(max_length=20, blank=True, default="", db_default="")
    first_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    last_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    is_active = models.BooleanField(default=True, db_default=True)
    is_staff = models.BooleanField(
        default=False, db_default=False, db_comment="May log in to the Django admin."
    )
    is_superuser = models.BooleanField(
        default=False, db_default=False, db_comment="Has every permission without assigning it."
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "users"
        db_table_comment = "User accounts supporting both customers and admins"
        constraints = [
            # Case-insensitive uniqueness through the plain unique index on email.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="users_email_lowercase",
                violation_error_message="Email addresses are stored in lower case.",
            ),
        ]
        triggers = [
            # Customers edit their name and phone; nobody raises their own privileges through
            # the API (is_staff, is_superuser, is_active): not even an admin, so exempt nobody.
            EndUsersMayChangeOnly(
                name="users_customer_columns",
                fields=("first_name", "last_name", "phone"),
                exempt=None,
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    # The permission API the admin calls, answered by the authentication backends
    # (Django's PermissionsMixin would add groups tables the shop does not use).
    def has_perm(self, perm: str, obj=None) -> bool:
        if self.is_active and self.is_superuser:
            return True
        return _user_has_perm(self, perm, obj)

    def get_all_permissions(self, obj=None) -> set[str]:
        return _user_get_permissions(self, obj, "all")

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.is_superuser:
            return True
        return _user_has_module_perms(self, app_label)


class AdminProfile(SoftDeleteModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_profile"
    )
    display_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True, default="", db_default="")
    department = models.CharField(max_length=100, blank=True, default="", db_default="")
    phone = models.CharField(max_length=20, blank=True, default="", db_default="")

    class Meta:
        db_table = "admin_profiles"
        db_table_comment = "Staff details of users who work in the admin"

    def __str__(self) -> str:
        return self.display_name


class Gender(models.TextChoices):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


class CustomerProfile(SoftDeleteModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_profile"
    )
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(
        max_length=20, choices=Gender, default=Gender.UNDISCLOSED, db_default=Gender.UNDISCLOSED
    )
    marketing_opt_in = models.BooleanField(default=False, db_default=False)
    loyalty_points = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "customer_profiles"
        db_table_comment = "Shopping details of customers, one row per customer user"
        constraints = [
            choices_check("gender", Gender, name="customer_profiles_gender_valid"),
        ]
        triggers = [
            # Loyalty points are the shop's to award, not the customer's to edit.
            EndUsersMayChangeOnly(
                name="customer_profiles_customer_columns",
                fields=("date_of_birth", "gender", "marketing_opt_in"),
            ),
        ]

    def __str__(self) -> str:
        return f"Customer profile of {self.user_id}"


class UserAddress(SoftDeleteModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(max_length=50, blank=True, default="", db_default="")
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20)
    line1 = models.CharField(max_length=255)
    line2 = models.CharField(max_length=255, blank=True, default="", db_default="")
    landmark = models.CharField(max_length=255, blank=True, default="", db_default="")
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(
        max_length=2, default="IN", db_default="IN", db_comment="ISO 3166-1 alpha-2 code."
    )
    is_default_shipping = models.BooleanField(default=False, db_default=False)
    is_default_billing = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "user_addresses"
        verbose_name_plural = "user addresses"
        db_table_comment = "Saved shipping and billing addresses of users"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"),
                name="user_addresses_country_iso",
                violation_error_message="country is a two-letter ISO 3166-1 code.",
            ),
            # At most one default shipping and one default billing address per user.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_shipping=True, is_deleted=False),
                name="uq_user_addresses_default_shipping",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_billing=True, is_deleted=False),
                name="uq_user_addresses_default_billing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city}"


class Role(SoftDeleteModel):
    name = models.SlugField(
        max_length=50, db_comment="Machine name, e.g. super_admin, admin, customer."
    )
    description = models.CharField(max_length=255, blank=True, default="", db_default="")
    is_system_role = models.BooleanField(
        default=False, db_default=False, db_comment="Seeded by the system; not to be removed."
    )

    class Meta:
        db_table = "roles"
        db_table_comment = "Named sets of permissions assigned to users"
        constraints = [
            unique_while_alive("roles", "name"),
        ]

    def __str__(self) -> str:
        return self.name


class Permission(SoftDeleteModel):
    codename = models.CharField(
        max_length=100, db_comment="'<resource>.<action>', e.g. orders.view, products.change."
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="", db_default="")

    class Meta:
        db_table = "permissions"
        db_table_comment = "Actions a role may be allowed to perform"
        constraints = [
            unique_while_alive("permissions", "codename"),
            models.CheckConstraint(
                condition=models.Q(codename__regex=r"^[a-z_]+\.[a-z_]+$"),
                name="permissions_codename_format",
                violation_error_message="codename is '<resource>.<action>' in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return self.codename


class RolePermission(BaseModel):
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="role_permissions", db_index=False
    )
    permission = models.ForeignKey(
        Permission, on_delete=models.CASCADE, related_name="role_permissions"
    )

    class Meta:
        db_table = "role_permissions"
        db_table_comment = "Which permissions each role grants"
        constraints = [
            # Also the index for "permissions of a role" (role_id leads).
            models.UniqueConstraint(fields=["role", "permission"], name="uq_role_permissions"),
        ]

    def __str__(self) -> str:
        return f"{self.role_id} → {self.permission_id}"


class UserRole(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="user_roles",
        db_index=False,
    )
    role = models.ForeignKey(Role, on_delete=models.RESTRICT, related_name="user_roles")

    class Meta:
        db_table = "user_roles"
        db_table_comment = "Roles assigned to users"
        constraints = [
            # Also the index for "roles of a user" (the plan's idx_user_roles_composite).
            models.UniqueConstraint(fields=["user", "role"], name="uq_user_roles"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.role_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Invitation(SoftDeleteModel):
    email = models.EmailField()
    role = models.ForeignKey(Role, on_delete=models.RESTRICT, related_name="invitations")
    token_hash = models.CharField(
        max_length=128, unique=True, db_comment="SHA-256 of the invitation token; never the token."
    )
    status = models.CharField(
        max_length=20,
        choices=InvitationStatus,
        default=InvitationStatus.PENDING,
        db_default=InvitationStatus.PENDING,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )

    class Meta:
        db_table = "invitation"
        db_table_comment = "Invitations for new admin users"
        constraints = [
            choices_check("status", InvitationStatus, name="invitation_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status="accepted", accepted_at__isnull=False)
                | (~models.Q(status="accepted") & models.Q(accepted_at__isnull=True)),
                name="invitation_accepted_at_matches_status",
                violation_error_message="accepted_at is set exactly when accepted.",
            ),
            # One open invitation per email address.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(status="pending", is_deleted=False),
                name="uq_invitation_pending_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.status})"


OTP_MAX_ATTEMPTS = 5


class OtpPurpose(models.TextChoices):
    LOGIN = "login"
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"


class EmailOtp(BaseModel):
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email_otps",
    )
    purpose = models.CharField(max_length=20, choices=OtpPurpose)
    code_hash = models.CharField(
        max_length=128, db_comment="Hash of the one-time code; the code itself is never stored."
    )
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "email_otps"
        verbose_name = "email OTP"
        db_table_comment = "One-time codes sent by email for login, verification and password reset"
        indexes = [
            # Serves: the latest unconsumed code for an email and purpose when verifying.
            models.Index(
                Lower("email"),
                "purpose",
                models.F("created_at").desc(),
                condition=models.Q(consumed_at__isnull=True),
                name="idx_email_otps_open",
            ),
        ]
        constraints = [
            choices_check("purpose", OtpPurpose, name="email_otps_purpose_valid"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="email_otps_expiry_after_creation",
                violation_error_message="An OTP expires after it is created.",
            ),
            models.CheckConstraint(
                condition=models.Q(attempts__lte=OTP_MAX_ATTEMPTS),
                name="email_otps_attempts_limit",
                violation_error_message=f"An OTP allows at most {OTP_MAX_ATTEMPTS} attempts.",
            ),
        ]

    def __str__(self) -> str:
        return f"OTP for {self.email} ({self.purpose})"
