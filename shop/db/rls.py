"""Act as a Supabase client inside a transaction, so row level security applies.

Django connects as the tables' owner, outside row level security. Code that acts for an end user
(and the tests that play attacker) switches, for the length of a ``with`` block, to the role and
JWT claims PostgREST would set for that user's request::

    with acting_as(customer):
        Order.objects.all()          # only the customer's orders

    with acting_as_anon():
        Product.objects.defer("cost_price")   # published products; cost is never served

Like PostgREST, it uses ``set_config(..., is_local => true)`` in one statement: the settings
belong to the transaction, so they cannot leak to another request through a connection pool.
The block runs in ``transaction.atomic()``; on exit the previous role and claims are restored,
and on an error the savepoint's rollback undoes them.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from shop.db.policies import ANON, AUTHENTICATED, SERVICE_ROLE

# Read both settings and switch in a single round trip, returning what was there before.
SWITCH_SQL = """
SELECT current_setting('role'), current_setting('request.jwt.claims', true),
       set_config('role', %s, true), set_config('request.jwt.claims', %s, true)
"""
RESTORE_SQL = "SELECT set_config('role', %s, true), set_config('request.jwt.claims', %s, true)"


def claims_for(user: Any, *, role: str = AUTHENTICATED) -> dict[str, Any]:
    """The JWT claims Supabase Auth issues for ``user`` (``sub`` is what ``auth.uid()`` reads)."""
    return {"sub": str(user.pk), "role": role, "aud": role, "email": user.email}


@contextmanager
def acting_as_role(
    role: str, claims: dict[str, Any] | None = None, *, using: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """Run the block as ``role`` with ``claims``: the building block of the helpers below."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(SWITCH_SQL, [role, json.dumps(claims or {"role": role})])
        previous_role, previous_claims = cursor.fetchone()[:2]
        yield
        # Reached only without an error: an error rolls the savepoint (and the settings) back.
        cursor.execute(RESTORE_SQL, [previous_role, previous_claims or ""])


def api_role(user: Any, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """The role ``user``'s access token carries (``private.api_role``, as the Supabase hook
    decides it): ``shop_staff`` for an admin, else ``authenticated``."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT private.api_role(%s)", [user.pk])
        return cursor.fetchone()[0]


def acting_as(user: Any, *, using: str = DEFAULT_DB_ALIAS):
    """Run the block as signed-in ``user``, in the role their access token names
    (:func:`api_role`), ``auth.uid()`` = their id."""
    role = api_role(user, using=using)
    return acting_as_role(role, claims_for(user, role=role), using=using)


def acting_as_anon(*, using: str = DEFAULT_DB_ALIAS):
    """Run the block as a client holding only the public anon key."""
    return acting_as_role(ANON, {"role": ANON}, using=using)


def acting_as_service(*, using: str = DEFAULT_DB_ALIAS):
    """Run the block as the backend's ``service_role`` key (bypasses row level security)."""
    return acting_as_role(SERVICE_ROLE, {"role": SERVICE_ROLE}, using=using)
