"""The Django side of the audit trail: naming the actor, reading a row's history.

The database writes the trail (``shop/migrations/0006_audit_trail.py``): every INSERT, UPDATE
and DELETE on the audited tables gets an ``audit_logs`` row whose ``user_id`` is the actor. A
Supabase client's actor is its signed-in user (``auth.uid()``). Django connects as the tables'
owner, with no user of its own, so code acting for someone names them for the transaction::

    with audit_actor(request.user):
        order.save()                 # audit_logs.user_id = request.user.id

Like ``shop.db.rls.acting_as`` it uses ``set_config(..., is_local => true)``: the setting
belongs to the transaction and cannot leak to another request through a connection pool.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet

from shop.models import AuditLog

# The transaction-local setting private.audit_row_change() reads when auth.uid() is NULL.
ACTOR_SETTING = "shop.actor_id"

SWITCH_SQL = "SELECT current_setting(%s, true), set_config(%s, %s, true)"
RESTORE_SQL = "SELECT set_config(%s, %s, true)"


@contextmanager
def audit_actor(user: AbstractBaseUser, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Record ``user`` as the actor of every audited change in the block.

    The block runs in ``transaction.atomic()``; on exit the previous actor is restored, and on
    an error the savepoint's rollback undoes the setting. A signed-in Supabase user
    (``acting_as``) takes precedence: ``auth.uid()`` is who acts through the API.
    """
    if not isinstance(user, get_user_model()) or user._state.adding:
        raise ValueError(f"audit_actor: the actor is a saved user, not {user!r}")
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(SWITCH_SQL, [ACTOR_SETTING, ACTOR_SETTING, str(user.pk)])
        previous = cursor.fetchone()[0]
        yield
        # Reached only without an error: an error rolls the savepoint (and the setting) back.
        cursor.execute(RESTORE_SQL, [ACTOR_SETTING, previous or ""])


def row_history(*, table: str, row_id: str) -> QuerySet[AuditLog]:
    """The trail of one row, newest first (served by ``idx_audit_logs_row_history``)."""
    return AuditLog.objects.filter(table_name=table, row_id=row_id).order_by("-timestamp", "-id")
