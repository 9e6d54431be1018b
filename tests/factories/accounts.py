from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts import models

__all__ = [
    "AdminProfileFactory",
    "CustomerProfileFactory",
    "EmailOtpFactory",
    "InvitationFactory",
    "PermissionFactory",
    "RoleFactory",
    "RolePermissionFactory",
    "UserAddressFactory",
    "UserFactory",
    "UserRoleFactory",
]


def letters(n: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa': a sequence number as letters."""
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(97 + rest) + text
    return text


class UserFactory(DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Faker("numerify", text="+91##########")
    password = factory.django.Password("correct horse battery staple")


class AdminProfileFactory(DjangoModelFactory):
    class Meta:
        model = models.AdminProfile

    user = factory.SubFactory(UserFactory, is_staff=True)
    display_name = factory.LazyAttribute(lambda o: o.user.get_full_name())
    job_title = factory.Faker("job")
    department = factory.Faker("random_element", elements=["Operations", "Support", "Catalog"])


class CustomerProfileFactory(DjangoModelFactory):
    class Meta:
        model = models.CustomerProfile

    user = factory.SubFactory(UserFactory)
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=80)
    gender = factory.Faker("random_element", elements=models.Gender.values)
    marketing_opt_in = factory.Faker("boolean")


class UserAddressFactory(DjangoModelFactory):
    class Meta:
        model = models.UserAddress

    user = factory.SubFactory(UserFactory)
    label = "Home"
    full_name = factory.LazyAttribute(lambda o: o.user.get_full_name())
    phone = factory.Faker("numerify", text="+91##########")
    line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    state = factory.Faker("state")
    postal_code = factory.Faker("numerify", text="######")
    country = "IN"


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = models.Role

    name = factory.Sequence(lambda n: f"role_{n}")
    description = factory.Faker("sentence")


class PermissionFactory(DjangoModelFactory):
    class Meta:
        model = models.Permission

    # Codenames allow only letters and underscores: number the sequence in letters.
    codename = factory.Sequence(lambda n: f"resource_{letters(n)}.view")
    name = factory.LazyAttribute(lambda o: o.codename.replace(".", " ").capitalize())


class RolePermissionFactory(DjangoModelFactory):
    class Meta:
        model = models.RolePermission

    role = factory.SubFactory(RoleFactory)
    permission = factory.SubFactory(PermissionFactory)


class UserRoleFactory(DjangoModelFactory):
    class Meta:
        model = models.UserRole

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = models.Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = factory.SubFactory(RoleFactory)
    token_hash = factory.Faker("sha256")
    invited_by = factory.SubFactory(UserFactory, is_staff=True)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class EmailOtpFactory(DjangoModelFactory):
    class Meta:
        model = models.EmailOtp

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email)
    purpose = models.OtpPurpose.LOGIN
    code_hash = factory.Faker("sha256")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))
