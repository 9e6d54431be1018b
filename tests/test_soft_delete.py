"""Soft delete: hidden by default, visible through all_objects, hard delete only when asked."""

import pytest
from django.db import DataError, NotSupportedError, ProgrammingError, transaction

from accounts.models import UserAddress
from tests.factories import UserAddressFactory, UserFactory
from tests.support import execute, fetch

pytestmark = pytest.mark.django_db


def test_delete_hides_the_row_and_records_who_and_when():
    admin = UserFactory()
    address = UserAddressFactory()
    kept = UserAddressFactory(user=address.user)

    assert address.delete(by=admin) == (1, {"accounts.UserAddress": 1})

    assert list(UserAddress.objects.filter(user=address.user)) == [kept]
    row = UserAddress.all_objects.get(pk=address.pk)
    assert (row.is_deleted, row.deleted_by_id) == (True, admin.pk)
    assert row.deleted_at is not None
    assert list(UserAddress.all_objects.deleted()) == [row]


def test_queryset_delete_soft_deletes_and_hard_delete_really_deletes():
    first, second = UserAddressFactory.create_batch(2)
    assert UserAddress.objects.filter(pk__in=[first.pk, second.pk]).delete() == (
        2,
        {"accounts.UserAddress": 2},
    )
    assert fetch(
        "SELECT count(*) FROM user_addresses WHERE id IN (%s, %s) AND is_deleted",
        [first.pk, second.pk],
    ) == [(2,)]

    UserAddress.all_objects.filter(pk=first.pk).hard_delete()
    second.hard_delete()
    assert fetch(
        "SELECT count(*) FROM user_addresses WHERE id IN (%s, %s)", [first.pk, second.pk]
    ) == [(0,)]


def test_restore_brings_a_row_back():
    address = UserAddressFactory()
    address.delete()
    address.restore()
    assert UserAddress.objects.get(pk=address.pk).deleted_at is None
    assert address.is_deleted is False


def test_is_deleted_follows_deleted_at_for_every_writer_and_cannot_be_set_directly():
    address = UserAddressFactory()
    execute("UPDATE user_addresses SET deleted_at = now() WHERE id = %s", [address.pk])
    assert not UserAddress.objects.filter(pk=address.pk).exists()
    assert fetch("SELECT is_deleted FROM user_addresses WHERE id = %s", [address.pk]) == [(True,)]

    with pytest.raises((ProgrammingError, DataError, NotSupportedError)) as caught:
        with transaction.atomic():
            execute("UPDATE user_addresses SET is_deleted = false WHERE id = %s", [address.pk])
    assert 'column "is_deleted" can only be updated to DEFAULT' in str(caught.value)
