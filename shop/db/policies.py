"""Row level security, declared table by table, compiled to SQL for a migration.

Each app's ``row_level_security`` migration lists a :class:`TableAccess` for every table it owns,
built from the patterns below, and runs ``migrations.RunSQL(*table_access_sql(...))``. A table
access decides everything a Supabase client can do with a table:

- row level security is **enabled** (never forced: the owner connection Django uses stays outside
  it, for the admin, migrations and maintenance);
- the policies, each naming its role (``TO authenticated``) and calling helpers through
  ``(select ...)``, so PostgreSQL evaluates ``auth.uid()`` and ``private.is_admin()`` once per
  statement (an InitPlan), not once per row;
- the table privileges of ``anon`` and ``authenticated``: exactly the commands some policy of
  theirs allows, after revoking what a Supabase database grants new tables by default.
  ``service_role`` (BYPASSRLS, the trusted backend key) gets every command.

A table with no policy is closed to ``anon`` and ``authenticated``. Migrations are history:
change a table's access in a new migration, never by editing an applied one.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

ANON = "anon"
AUTHENTICATED = "authenticated"
# A signed-in admin: inherits authenticated, and alone is named by the admins' policies, so a
# customer's statement is never ORed with the admin's condition (shop 0010).
STAFF = "shop_staff"
SERVICE_ROLE = "service_role"
API_ROLES = (ANON, AUTHENTICATED)

SELECT, INSERT, UPDATE, DELETE, ALL = "SELECT", "INSERT", "UPDATE", "DELETE", "ALL"
WRITES = (INSERT, UPDATE, DELETE)

CURRENT_USER = "(select auth.uid())"
IS_ADMIN = "(select private.is_admin())"
IS_SUPER_ADMIN = "(select private.is_super_admin())"


@dataclass(frozen=True)
class Policy:
    """One ``CREATE POLICY``; its full name is ``<table>_<name>``."""

    name: str
    command: str
    roles: tuple[str, ...]
    using: str | None = None
    check: str | None = None

    def create_sql(self, table: str) -> str:
        sql = f'CREATE POLICY "{table}_{self.name}" ON public."{table}" AS PERMISSIVE'
        sql += f" FOR {self.command} TO {', '.join(self.roles)}"
        if self.using is not None:
            sql += f" USING ({self.using})"
        if self.check is not None:
            sql += f" WITH CHECK ({self.check})"
        return sql + ";"

    def drop_sql(self, table: str) -> str:
        return f'DROP POLICY "{table}_{self.name}" ON public."{table}";'


@dataclass(frozen=True)
class TableAccess:
    """``hidden`` columns are never readable by ``anon`` or ``authenticated``, whatever the row:
    row level security chooses rows, so columns are withheld with column privileges (SELECT is
    granted on every other column). A client then lists the columns it wants; ``select=*``
    is refused.
    """

    table: str
    policies: tuple[Policy, ...] = field(default=())
    hidden: tuple[str, ...] = field(default=())

    def privileges(self, role: str) -> list[str]:
        commands = {p.command for p in self.policies if role in p.roles}
        if ALL in commands:
            commands = {SELECT, *WRITES}
        return [c for c in (SELECT, *WRITES) if c in commands]

    def forward_sql(self) -> str:
        table = f'public."{self.table}"'
        lines = [
            f"REVOKE ALL ON {table} FROM {', '.join(API_ROLES)};",
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
            *(policy.create_sql(self.table) for policy in self.policies),
            f"GRANT ALL ON {table} TO {SERVICE_ROLE};",
        ]
        for role in API_ROLES:
            privileges = self.privileges(role)
            if self.hidden and SELECT in privileges:
                privileges.remove(SELECT)
                lines.append(self._grant_select_except_hidden(role))
            if privileges:
                lines.append(f"GRANT {', '.join(privileges)} ON {table} TO {role};")
        return "\n".join(lines)

    def _grant_select_except_hidden(self, role: str) -> str:
        # The column list is read when the migration runs: a column added later stays
        # unreadable until a migration grants it.
        hidden = ", ".join(f"'{column}'" for column in self.hidden)
        return f"""DO $$ BEGIN
    EXECUTE pg_catalog.format('GRANT SELECT (%s) ON public."{self.table}" TO {role}', (
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum)
        FROM pg_catalog.pg_attribute
        WHERE attrelid = 'public."{self.table}"'::regclass AND attnum > 0 AND NOT attisdropped
          AND attname <> ALL (ARRAY[{hidden}])));
END $$;"""

    def reverse_sql(self) -> str:
        table = f'public."{self.table}"'
        return "\n".join(
            [
                *(policy.drop_sql(self.table) for policy in reversed(self.policies)),
                f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;",
                f"REVOKE ALL ON {table} FROM {', '.join((*API_ROLES, SERVICE_ROLE))};",
            ]
        )


def table_access_sql(*tables: TableAccess) -> tuple[str, str]:
    """``(sql, reverse_sql)`` for ``migrations.RunSQL``."""
    return (
        "\n\n".join(t.forward_sql() for t in tables),
        "\n\n".join(t.reverse_sql() for t in reversed(tables)),
    )


def replace_policies_sql(
    before: Iterable[TableAccess], after: Iterable[TableAccess]
) -> tuple[str, str]:
    """``(sql, reverse_sql)`` for ``migrations.RunSQL`` that changes policies in place.

    ``before`` is what a landed migration declared, ``after`` the new declaration of some of those
    tables. Each policy whose definition changed is dropped and created again under its name;
    the rest, and the privileges, stay. A change of who may run which command is a new
    :func:`table_access_sql`, not this.
    """
    landed = {t.table: t for t in before}
    forward, reverse = [], []
    for new in after:
        old = landed[new.table]
        if {p.name for p in old.policies} != {p.name for p in new.policies} or any(
            old.privileges(role) != new.privileges(role) for role in API_ROLES
        ):
            raise ValueError(f"{new.table}: policies or privileges differ, not only conditions")
        old_policies = {p.name: p for p in old.policies}
        for policy in new.policies:
            if policy != old_policies[policy.name]:
                forward += [
                    old_policies[policy.name].drop_sql(new.table),
                    policy.create_sql(new.table),
                ]
                reverse += [
                    policy.drop_sql(new.table),
                    old_policies[policy.name].create_sql(new.table),
                ]
    return "\n".join(forward), "\n".join(reverse)


def rewritten(tables: Iterable[TableAccess], replacements: dict[str, str]) -> list[TableAccess]:
    """The accesses of ``tables`` whose policies use a condition of ``replacements``, with it
    replaced in every ``USING`` and ``WITH CHECK``: for a migration that changes how a rule is
    written, not what it allows (see :func:`replace_policies_sql`)."""

    def rewrite(sql: str | None) -> str | None:
        for old, new in replacements.items():
            sql = sql.replace(old, new) if sql is not None else None
        return sql

    changed = []
    for table in tables:
        policies = tuple(
            replace(p, using=rewrite(p.using), check=rewrite(p.check)) for p in table.policies
        )
        if policies != table.policies:
            changed.append(replace(table, policies=policies))
    return changed


# --- Who may do what: the patterns every table's access is built from. ---------------------------


def closed(table: str) -> TableAccess:
    """No row for ``anon`` or ``authenticated``: Django's tables, secrets, partitions."""
    return TableAccess(table)


def access(
    table: str, *policies: Policy | tuple[Policy, ...], hidden: tuple[str, ...] = ()
) -> TableAccess:
    flat: list[Policy] = []
    for item in policies:
        flat.extend(item if isinstance(item, tuple) else (item,))
    return TableAccess(table, tuple(flat), hidden)


def admins(*commands: str, new_rows: str = "") -> tuple[Policy, ...]:
    """Admins (role ``admin`` or ``super_admin``) may run ``commands`` (default ALL) on any row.

    ``new_rows``, as for :func:`owner`, is a condition every row they write must meet.
    """
    return _per_command("admin", commands or (ALL,), IS_ADMIN, new_rows)


def super_admins(*commands: str) -> tuple[Policy, ...]:
    """Only ``super_admin`` may: granting roles and permissions is how privileges are raised."""
    return _per_command("super_admin", commands or (ALL,), IS_SUPER_ADMIN)


def owner(*commands: str, column: str = "user_id", new_rows: str = "") -> tuple[Policy, ...]:
    """The signed-in user may run ``commands`` on the rows whose ``column`` is their id.

    ``new_rows`` is an extra SQL condition every inserted or updated row must meet (for example
    "a new review waits for moderation").
    """
    return _per_command("owner", commands, f"{column} = {CURRENT_USER}", new_rows)


def parent_visible(parent: str, key: str) -> str:
    """SQL: the ``parent`` row that ``key`` points to is one the current role may see.

    The parent's own policies apply inside the ``EXISTS``, and PostgreSQL looks the parent up by
    its primary key for each row it checks: a cart's lines cost one ``carts_pkey`` probe each.
    ``key`` is resolved when the policy is created, against ``parent`` first: a parent must not
    have a column of that name (``tests/test_rls.py`` checks every policy's stored form).
    """
    return f'EXISTS (SELECT FROM public."{parent}" AS parent WHERE parent.id = {key})'


def follows(parent: str, key: str, *commands: str, new_rows: str = "") -> tuple[Policy, ...]:
    """Rows belong to whoever may see their parent row: the parent's own policies decide."""
    return _per_command(f"via_{parent}", commands, parent_visible(parent, key), new_rows)


def through(parent: str, key: str, *commands: str, new_rows: str = "") -> tuple[Policy, ...]:
    """The first form of :func:`follows`, kept because the landed ``row_level_security``
    migrations are built with it; new policies use :func:`follows`.

    ``key IN (SELECT id FROM parent)`` became a hashed subplan that read every parent row the
    role may see, for every statement: at 200,000 carts, 16 ms to read the 4 lines of one cart,
    because the carts policy (owner OR admin) is an ``OR`` no index serves.
    """
    condition = f'{key} IN (SELECT id FROM public."{parent}")'
    return _per_command(f"via_{parent}", commands, condition, new_rows)


def everyone_reads(visible: str) -> Policy:
    """``anon`` and ``authenticated`` read the rows for which ``visible`` holds."""
    return Policy("public_select", SELECT, API_ROLES, using=visible)


def _per_command(
    name: str, commands: tuple[str, ...], condition: str, new_rows: str = ""
) -> tuple[Policy, ...]:
    checked = f"{condition} AND {new_rows}" if new_rows else condition
    policies = []
    for command in commands:
        using = None if command == INSERT else condition
        check = checked if command in (INSERT, UPDATE, ALL) else None
        policy_name = f"{name}_{command.lower()}"
        policies.append(Policy(policy_name, command, (AUTHENTICATED,), using, check))
    return tuple(policies)
