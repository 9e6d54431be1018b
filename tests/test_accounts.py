"""accounts: the database's rules on users, roles, invitations, OTPs and addresses."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from accounts.models import Invitation, Role, User, UserAddress, UserRole
from tests.factories import (
    CustomerProfileFactory,
    EmailOtpFactory,
    InvitationFactory,
    PermissionFactory,
    RoleFactory,
    RolePermissionFactory,
    UserAddressFactory,
    UserFactory,
    UserRoleFactory,
)
from tests.support import execute, fetch, fetch_one, foreign_key_name, violates

pytestmark = pytest.mark.django_db


def test_emails_are_stored_lower_case_and_unique():
    user = User.objects.create_user("Ada@Example.COM", "pw-123456")
    assert user.email == "ada@example.com"
    with violates("users_email_lowercase"):
        execute("INSERT INTO users (email, password) VALUES ('Bob@example.com', '')")
    with violates("users_email_key"):
        execute("INSERT INTO users (email, password) VALUES ('ada@example.com', '')")


def test_a_soft_deleted_user_cannot_log_in():
    user = UserFactory(email="gone@example.com")
    assert authenticate(email="gone@example.com", password="correct horse battery staple") == user
    user.delete()
    assert authenticate(email="gone@example.com", password="correct horse battery staple") is None
    assert User.all_objects.get(pk=user.pk).is_deleted is True


def test_role_names_are_unique_among_live_roles_only():
    role = RoleFactory(name="support")
    with violates("uq_roles_name"):
        RoleFactory(name="support")
    role.delete()
    assert RoleFactory(name="support").name == "support"


def test_permission_codenames_have_the_resource_action_shape():
    with violates("permissions_codename_format"):
        PermissionFactory(codename="Orders-View")
    assert PermissionFactory(codename="orders.view").codename == "orders.view"


def test_a_role_is_assigned_to_a_user_once():
    assignment = UserRoleFactory()
    with violates("uq_user_roles"):
        UserRoleFactory(user=assignment.user, role=assignment.role)
    with violates("uq_role_permissions"):
        link = RolePermissionFactory()
        RolePermissionFactory(role=link.role, permission=link.permission)


def test_invitation_status_and_acceptance_agree():
    with violates("invitation_status_valid"):
        InvitationFactory(status="sent")
    with violates("invitation_accepted_at_matches_status"):
        InvitationFactory(
            status=Invitation._meta.get_field("status").default, accepted_at=timezone.now()
        )
    with violates("invitation_accepted_at_matches_status"):
        InvitationFactory(status="accepted")
    accepted = InvitationFactory(status="accepted", accepted_at=timezone.now())
    assert accepted.status == "accepted"


def test_one_pending_invitation_per_email_case_insensitively():
    InvitationFactory(email="new.admin@example.com")
    with violates("uq_invitation_pending_email"):
        InvitationFactory(email="New.Admin@example.com")
    InvitationFactory(email="new.admin@example.com", status="revoked")


def test_email_otps_expire_after_creation_and_limit_attempts():
    with violates("email_otps_expiry_after_creation"):
        EmailOtpFactory(expires_at=timezone.now() - timedelta(seconds=1))
    with violates("email_otps_attempts_limit"):
        EmailOtpFactory(attempts=6)
    with violates("email_otps_purpose_valid"):
        EmailOtpFactory(purpose="sms_login")
    assert EmailOtpFactory(attempts=5).attempts == 5


def test_a_user_has_one_default_shipping_and_one_default_billing_address():
    home = UserAddressFactory(is_default_shipping=True, is_default_billing=True)
    with violates("uq_user_addresses_default_shipping"):
        UserAddressFactory(user=home.user, is_default_shipping=True)
    with violates("uq_user_addresses_default_billing"):
        UserAddressFactory(user=home.user, is_default_billing=True)
    with violates("user_addresses_country_iso"):
        UserAddressFactory(country="in")
    home.delete()
    assert UserAddressFactory(user=home.user, is_default_shipping=True).is_default_shipping


def test_customer_gender_is_one_of_the_choices():
    with violates("customer_profiles_gender_valid"):
        CustomerProfileFactory(gender="unknown")


def test_deleting_a_user_in_sql_cascades_to_what_is_theirs_and_nulls_their_authorship():
    user = UserFactory()
    other = UserFactory()
    UserAddressFactory(user=user)
    CustomerProfileFactory(user=user)
    UserRoleFactory(user=user)
    EmailOtpFactory(user=user)
    invitation = InvitationFactory(invited_by=user)
    authored = RoleFactory(created_by=user, updated_by=user)
    kept = UserAddressFactory(user=other, created_by=user)

    execute("DELETE FROM users WHERE id = %s", [user.pk])

    for table in ("user_addresses", "customer_profiles", "user_roles", "email_otps"):
        assert fetch_one(f"SELECT count(*) FROM {table} WHERE user_id = %s", [user.pk]) == 0
    assert fetch("SELECT invited_by_id FROM invitation WHERE id = %s", [invitation.pk]) == [(None,)]
    assert fetch("SELECT created_by_id, updated_by_id FROM roles WHERE id = %s", [authored.pk]) == [
        (None, None)
    ]
    assert UserAddress.objects.get(pk=kept.pk).created_by_id is None


def test_a_role_still_assigned_cannot_be_deleted_and_its_permissions_go_with_it():
    assignment = UserRoleFactory()
    with violates(foreign_key_name("user_roles", "role_id")):
        execute("DELETE FROM roles WHERE id = %s", [assignment.role_id])

    link = RolePermissionFactory()
    execute("DELETE FROM roles WHERE id = %s", [link.role_id])
    assert fetch_one("SELECT count(*) FROM role_permissions WHERE id = %s", [link.pk]) == 0
    assert not UserRole.objects.filter(role_id=link.role_id).exists()
    assert Role.all_objects.filter(pk=link.role_id).count() == 0
