"""audit_logs: the database's rules on the audit trail."""

import pytest

from tests.factories import AuditLogFactory, UserFactory
from tests.support import execute, fetch, violates

pytestmark = pytest.mark.django_db


def test_action_is_one_of_the_choices_and_changes_an_object():
    with violates("audit_logs_action_valid"):
        AuditLogFactory(action="truncate")
    with violates("audit_logs_changes_object"):
        AuditLogFactory(changes=[["price", "499.00", "449.00"]])
    for bad in ('"price changed"', "null", "42"):
        with violates("audit_logs_changes_object"):
            execute(
                "INSERT INTO audit_logs (action, table_name, row_id, changes) "
                "VALUES ('update', 'products', '1', %s::jsonb)",
                [bad],
            )
    entry = AuditLogFactory(changes={"price": ["499.00", "449.00"]})
    assert fetch("SELECT action, changes::text FROM audit_logs WHERE id = %s", [entry.pk]) == [
        ("update", '{"price": ["499.00", "449.00"]}')
    ]


def test_row_actions_name_their_table_and_row_and_security_events_need_not():
    for action in ("insert", "update", "delete"):
        with violates("audit_logs_row_action_names_row"):
            AuditLogFactory(action=action, table_name="")
        with violates("audit_logs_row_action_names_row"):
            AuditLogFactory(action=action, row_id="")
        with violates("audit_logs_row_action_names_row"):
            execute(f"INSERT INTO audit_logs (action) VALUES ('{action}')")

    login = AuditLogFactory(action="login", table_name="", row_id="", changes={})
    execute("INSERT INTO audit_logs (action) VALUES ('logout')")
    deleted = AuditLogFactory(action="delete", table_name="product_categories", row_id='["a", "b"]')
    assert fetch(
        "SELECT action, table_name, row_id FROM audit_logs WHERE id IN (%s, %s) ORDER BY action",
        [login.pk, deleted.pk],
    ) == [("delete", "product_categories", '["a", "b"]'), ("login", "", "")]
    assert fetch("SELECT table_name, row_id FROM audit_logs WHERE action = 'logout'") == [("", "")]


def test_deleting_a_user_in_sql_keeps_their_audit_trail_without_them():
    user = UserFactory(is_staff=True)
    entries = AuditLogFactory.create_batch(2, user=user)
    other = AuditLogFactory()

    execute("DELETE FROM users WHERE id = %s", [user.pk])

    assert fetch(
        "SELECT user_id, action FROM audit_logs WHERE id IN (%s, %s)", [e.pk for e in entries]
    ) == [(None, "update"), (None, "update")]
    assert fetch("SELECT user_id FROM audit_logs WHERE id = %s", [other.pk]) == [(other.user_id,)]
