"""A schema editor that writes each foreign key's ON DELETE rule into the database.

Django 5.2 emulates ``on_delete`` in Python only, so a Supabase client or a SQL console deleting a
row would meet a bare ``NO ACTION`` constraint. A clause added afterwards with RunSQL does not last
either: any later ``AlterField`` on that FK recreates the constraint without it. Every path that
(re)creates an FK goes through ``_create_fk_sql``, so appending the clause there keeps the database
and the model in agreement for good.
"""

from django.db import models
from django.db.backends.postgresql import schema

ON_DELETE_SQL = {
    models.CASCADE: "CASCADE",
    models.SET_NULL: "SET NULL",
    models.SET_DEFAULT: "SET DEFAULT",
    models.PROTECT: "RESTRICT",
    models.RESTRICT: "RESTRICT",
    models.DO_NOTHING: "NO ACTION",
}


def on_delete_sql(field: models.Field) -> str | None:
    """The SQL action for ``field``'s ``on_delete``, or None for a field without one."""
    on_delete = getattr(field.remote_field, "on_delete", None)
    if on_delete is None:
        return None
    try:
        return ON_DELETE_SQL[on_delete]
    except KeyError:
        # models.SET(...) runs Python code per row; the database cannot do that.
        raise ValueError(
            f"{field.model.__name__}.{field.name}: on_delete={on_delete!r} has no database "
            "equivalent; use CASCADE, SET_NULL, SET_DEFAULT, PROTECT, RESTRICT or DO_NOTHING."
        ) from None


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    sql_create_fk = (
        "ALTER TABLE %(table)s ADD CONSTRAINT %(name)s FOREIGN KEY (%(column)s) "
        "REFERENCES %(to_table)s (%(to_column)s) ON DELETE %(on_delete)s%(deferrable)s"
    )
    # Without the inline variant, AddField creates its FK through _create_fk_sql too.
    sql_create_column_inline_fk = None

    def _create_fk_sql(self, model, field, suffix):
        statement = super()._create_fk_sql(model, field, suffix)
        statement.parts["on_delete"] = on_delete_sql(field) or "NO ACTION"
        return statement

    def _field_should_be_altered(self, old_field, new_field, ignore=None):
        # Django lists on_delete among the attributes that never touch the database; here it does.
        return super()._field_should_be_altered(old_field, new_field, ignore) or (
            old_field.remote_field is not None
            and new_field.remote_field is not None
            and old_field.db_constraint
            and on_delete_sql(old_field) != on_delete_sql(new_field)
        )
