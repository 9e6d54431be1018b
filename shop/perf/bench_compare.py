"""Side by side, as ratios: what row level security costs, the plan's policies, the plan's indexes.

- **RLS cost**: each statement run through row level security against the same SQL on the
  owner connection (outside it). Goal for customers: at most 1.3 times.
- **The plan's literal policies** (phase 3: a bare ``auth.uid()`` and an ``EXISTS`` on
  ``user_roles JOIN roles``) in place of ours, on the same data.
- **Without the plan's index** serving a statement against with it.

The policy and index variants change the schema inside a transaction that is rolled back: the
database is left as it was, but the tables involved are locked (ACCESS EXCLUSIVE) while one runs,
so run the bench where nothing else is writing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from shop.perf.bench_measure import (
    ADMIN,
    ANON,
    API_ADMIN,
    CUSTOMER,
    OWNER,
    Settings,
    measure,
)
from shop.perf.bench_queries import Case, HotPath

# A customer's statement through RLS against on the owner connection: at most 1.3 times, or
# 0.1 ms more, whichever allows more (a fixed cost per statement weighs on the fastest ones).
RLS_COST_GOAL = 1.3
RLS_COST_GOAL_MS = 0.1

# The plan's phase 3, as written: auth.uid() bare (called for each row) and the admin check as
# an EXISTS over user_roles JOIN roles (3.1 orders_select_policy), on every table of 3.2; the
# child tables of 3.2 "inherit" their parent's check per row; 3.3 tables are admins' only.
PLAN_IS_ADMIN = (
    "EXISTS (SELECT 1 FROM public.user_roles ur JOIN public.roles r ON ur.role_id = r.id"
    " WHERE ur.user_id = auth.uid() AND r.name IN ('admin', 'super_admin'))"
)
PLAN_OWN_OR_ADMIN = f"user_id = auth.uid() OR {PLAN_IS_ADMIN}"
PLAN_POLICIES = {
    "orders": PLAN_OWN_OR_ADMIN,
    "carts": PLAN_OWN_OR_ADMIN,
    "notifications": PLAN_OWN_OR_ADMIN,
    "cart_items": (
        "EXISTS (SELECT 1 FROM public.carts c WHERE c.id = cart_items.cart_id"
        f" AND (c.user_id = auth.uid() OR {PLAN_IS_ADMIN}))"
    ),
    "audit_logs": PLAN_IS_ADMIN,
}
ROLLED_BACK = (
    "The plan's policies and the dropped indexes existed only inside transactions that were "
    "rolled back: the database is unchanged."
)


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 2) if denominator else None


def comparison(
    path: HotPath,
    case: Case,
    labels: tuple[str, str],
    base: dict[str, Any],
    variant: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    """One side-by-side row: both measurements, and ``ratio_p50`` = variant / base."""
    row: dict[str, Any] = {"name": path.name, "subject": case.subject, "role": path.role}
    for label, measured in zip(labels, (base, variant), strict=True):
        row |= {
            f"{label}_p50_ms": measured["p50_ms"],
            f"{label}_p95_ms": measured["p95_ms"],
            f"{label}_rows": measured["rows"],
            f"{label}_access": measured["plan"]["access"],
        }
    return row | {"ratio_p50": ratio(variant["p50_ms"], base["p50_ms"]), **extra}


Measured = list[tuple[HotPath, Case, dict[str, Any]]]

# Through RLS, each path as the client that would run it: an admin path as the same staff
# member signed in to a Supabase client.
RLS_ROLE = {CUSTOMER: CUSTOMER, ANON: ANON, ADMIN: API_ADMIN}


@dataclass(frozen=True)
class Paired:
    """A statement measured through row level security and on the owner connection."""

    path: HotPath
    case: Case
    rls_role: str
    rls: dict[str, Any]
    owner: dict[str, Any]


def through_rls_and_owner(measured: Measured, *, settings: Settings) -> list[Paired]:
    """Each path that row level security can apply to, measured both ways (the main run's
    measurement is reused for whichever side it already is)."""
    pairs = []
    for path, case, main in measured:
        if path.role not in RLS_ROLE or not path.compare_through_rls:
            continue
        rls_role = RLS_ROLE[path.role]
        if rls_role in (CUSTOMER, API_ADMIN) and case.actor is None:
            continue  # nobody to sign in as (no admin in the data)

        def as_role(role: str, path=path, case=case, main=main) -> dict[str, Any]:
            if role == path.role or (role == OWNER and path.role == ADMIN):
                return main
            return measure(case.statement, role=role, actor=case.actor, settings=settings)

        pairs.append(Paired(path, case, rls_role, as_role(rls_role), as_role(OWNER)))
    return pairs


def rls_cost(pairs: list[Paired]) -> list[dict[str, Any]]:
    """Each statement through RLS against the same SQL on the owner connection."""
    rows = []
    for p in pairs:
        row = comparison(p.path, p.case, ("owner", "rls"), p.owner, p.rls, rls_role=p.rls_role)
        if p.rls_role == CUSTOMER:
            allowed = max(p.owner["p50_ms"] * RLS_COST_GOAL, p.owner["p50_ms"] + RLS_COST_GOAL_MS)
            row["goal"] = f"<= {RLS_COST_GOAL}x or +{RLS_COST_GOAL_MS} ms"
            row["goal_met"] = p.rls["p50_ms"] <= allowed
        rows.append(row)
    return rows


def plan_policies(pairs: list[Paired], *, settings: Settings) -> list[dict[str, Any]]:
    """Each statement through RLS under the plan's literal policies on the tables it reads."""
    rows = []
    for p in pairs:
        tables = [t for t in p.path.policy_tables if t in PLAN_POLICIES]
        if not tables:
            continue
        theirs = _rolled_back(
            lambda tables=tables: _install_plan_policies(tables),
            lambda p=p: measure(
                p.case.statement, role=p.rls_role, actor=p.case.actor, settings=settings
            ),
        )
        row = comparison(p.path, p.case, ("ours", "plan"), p.rls, theirs, tables=tables)
        rows.append(row | {"rls_role": p.rls_role})
    return rows


def plan_indexes(measured: Measured, *, settings: Settings) -> list[dict[str, Any]]:
    """Each statement run without the plan's index that serves it."""
    rows = []
    for path, case, with_index in measured:
        if path.plan_index is None:
            continue
        without = _rolled_back(
            lambda index=path.plan_index: _drop_index(index),
            lambda path=path, case=case: measure(
                case.statement, role=path.role, actor=case.actor, settings=settings
            ),
        )
        labels = ("with_index", "without_index")
        rows.append(comparison(path, case, labels, with_index, without, index=path.plan_index))
    return rows


class _Rollback(Exception):
    pass


def _rolled_back(change: Callable[[], None], run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()`` after ``change()``, in a transaction that is then rolled back."""
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            change()
            result = run()
            raise _Rollback
    except _Rollback:
        pass
    return result


def _install_plan_policies(tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                "SELECT policyname FROM pg_catalog.pg_policies"
                " WHERE schemaname = 'public' AND tablename = %s",
                [table],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP POLICY "{name}" ON public."{table}"')
            cursor.execute(
                f'CREATE POLICY "{table}_plan_select_policy" ON public."{table}"'
                f" FOR SELECT USING ({PLAN_POLICIES[table]})"
            )


def _drop_index(name: str) -> None:
    """Drop index ``name``, or the constraint whose index it is."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_catalog.pg_constraint"
            " WHERE conname = %s AND connamespace = 'public'::regnamespace",
            [name],
        )
        constraint = cursor.fetchone()
        if constraint:
            cursor.execute(f'ALTER TABLE {constraint[0]} DROP CONSTRAINT "{name}"')
        else:
            cursor.execute(f'DROP INDEX public."{name}"')
