"""django-pgtrigger triggers whose functions run with a fixed, empty ``search_path``.

pgtrigger writes its functions without a ``SET search_path``: a role that can create objects in a
schema on the caller's path could then shadow a name the function uses (Supabase's advisor flags
it as ``function_search_path_mutable``). Every trigger of the project is a ``shop.db.triggers``
trigger, so every function body must schema-qualify what it reads (``public.tiers``);
``pg_catalog`` stays implicitly on the path.
"""

from collections.abc import Callable

import pgtrigger
from django.db import models
from pgtrigger import compiler

# In a trigger: the row is written by a Supabase client (the anon key, a signed-in user, a
# signed-in admin: shop 0010), not by the owner connection (Django, migrations) or the trusted
# service_role.
CLIENT_WRITER = "current_user IN ('anon', 'authenticated', 'shop_staff')"


class PinnedSearchPathSql(compiler.UpsertTriggerSql):
    """pgtrigger's installation template, with ``SET search_path = ''`` on both functions.

    Migrations reference this class by path, so like pgtrigger's own template it must never
    change meaning; a different template needs a new class.
    """

    def get_template(self) -> str:
        return (
            super()
            .get_template()
            .replace("$$ LANGUAGE plpgsql;", "$$ LANGUAGE plpgsql SET search_path = '';")
        )


class PinnedSearchPath:
    """Mixin for pgtrigger trigger classes: compile with :class:`PinnedSearchPathSql`."""

    def compile(self, model: models.Model) -> compiler.Trigger:
        compiled = super().compile(model)
        return compiler.Trigger(name=compiled.name, sql=PinnedSearchPathSql(**compiled.sql.kwargs))


class Trigger(PinnedSearchPath, pgtrigger.Trigger):
    """``pgtrigger.Trigger`` with a pinned ``search_path``."""


class EndUsersMayChangeOnly(Trigger):
    """Refuse an end user's UPDATE that touches any column but ``fields``.

    Row level security decides *which rows* a customer may update, not *which columns*: a
    customer who may edit their own name must not make themselves ``is_superuser``. Column
    privileges cannot tell a customer from an admin (both are the ``authenticated`` role), so
    this trigger does: for ``anon`` and ``authenticated`` writers every other column must keep
    its value, unless ``exempt`` (an SQL condition, by default "the caller is an admin") holds.
    The owner connection (Django, migrations) and ``service_role`` are not restricted.

    ``resets`` maps columns to SQL values set when such a writer changes an allowed column: an
    edited review goes back to moderation (``{"status": "'pending'"}``).

    The guarded columns are computed from the model when the trigger is compiled, so a column
    added later is guarded too (makemigrations updates the trigger).
    """

    when = pgtrigger.Before
    operation = pgtrigger.Update

    def __init__(
        self,
        *,
        name: str,
        fields: tuple[str, ...],
        exempt: str | None = "private.is_admin()",
        resets: dict[str, str] | None = None,
    ) -> None:
        self.fields = fields
        self.exempt = exempt
        self.resets = resets or {}
        super().__init__(name=name)

    def guarded_columns(self, model: models.Model) -> list[str]:
        # updated_at/updated_by follow any change; generated columns follow their inputs and
        # are not yet computed in a BEFORE trigger.
        unguarded = {*self.fields, "updated_at", "updated_by"}
        return [
            field.column
            for field in model._meta.concrete_fields
            if field.name not in unguarded and not isinstance(field, models.GeneratedField)
        ]

    def get_func(self, model: models.Model) -> str:
        exempt = f" AND NOT {self.exempt}" if self.exempt else ""
        allowed = [model._meta.get_field(name).column for name in self.fields]
        table = model._meta.db_table
        func = f"""
            IF {CLIENT_WRITER} AND {changed(self.guarded_columns(model))}{exempt} THEN
                RAISE EXCEPTION '{self.name}: on {table} you may change only {", ".join(allowed)}'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        """
        if self.resets:
            assignments = " ".join(f'NEW."{col}" := {value};' for col, value in self.resets.items())
            func += f"""
            IF {CLIENT_WRITER} AND {changed(allowed)}{exempt} THEN
                {assignments}
            END IF;
            """
        return func + "RETURN NEW;"


def changed(columns: list[str]) -> str:
    """SQL: any of ``columns`` differs between OLD and NEW (NULL-safe)."""
    old = ", ".join(f'OLD."{column}"' for column in columns)
    new = ", ".join(f'NEW."{column}"' for column in columns)
    return f"ROW({old}) IS DISTINCT FROM ROW({new})"


def refuse(rule: str, message: str, *values: str) -> str:
    """PL/pgSQL refusing the statement as a violation of ``rule``, named like a constraint.

    ``message`` may hold ``%`` placeholders for the SQL expressions ``values``.
    """
    arguments = "".join(f", {value}" for value in values)
    return (
        f"RAISE EXCEPTION '{rule}: {message}'{arguments}\n"
        f"    USING ERRCODE = 'check_violation', CONSTRAINT = '{rule}';"
    )


AUDIT_USERS = ("created_by", "updated_by", "deleted_by")


def kept_as_is(
    model: type[models.Model],
    *,
    mutable: tuple[str, ...] = (),
    users: tuple[str, ...] = AUDIT_USERS,
) -> str:
    """SQL: this UPDATE leaves the row as it was, but for what may change on a final row.

    That is ``mutable``, updated_at (it follows every update), generated columns (they follow
    their inputs) and a ``users`` column cleared because its user was deleted (the foreign
    key's ON DELETE SET NULL): deleting a user is not refused for a row they once wrote. That
    runs as the table's owner; a client, which may not see every user, clears nothing.
    """
    kept, user_columns = [], []
    for field in model._meta.concrete_fields:
        if field.name in {*mutable, "updated_at"} or isinstance(field, models.GeneratedField):
            continue
        (user_columns if field.name in users else kept).append(field.column)
    cleared = [
        f'(NEW."{column}" IS NOT DISTINCT FROM OLD."{column}" OR (NEW."{column}" IS NULL'
        f" AND NOT ({CLIENT_WRITER})"
        f' AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."{column}")))'
        for column in user_columns
    ]
    return " AND ".join([f"NOT ({changed(kept)})", *cleared])


class ModelTrigger(Trigger):
    """A trigger whose function is written from its model's columns when it is compiled.

    So a column added later is covered too (makemigrations updates the trigger).
    """

    def __init__(self, *, func: Callable[[type[models.Model]], str], **kwargs) -> None:
        self.func_of = func
        super().__init__(**kwargs)

    def get_func(self, model: type[models.Model]) -> str:
        return self.func_of(model)
