"""The backend writes each FK's on_delete into the database, and keeps it through AlterField."""

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from shop.db.backend.schema import on_delete_sql
from tests.support import fetch_one

pytestmark = pytest.mark.django_db


def confdeltype(table: str) -> str:
    return fetch_one(
        "SELECT confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
        [table],
    )


def replace_field(model, name: str, new_field: models.Field) -> None:
    old_field = model._meta.get_field(name)
    new_field.set_attributes_from_name(name)
    new_field.model = model
    with connection.schema_editor() as editor:
        editor.alter_field(model, old_field, new_field, strict=True)


@isolate_apps("tests")
def test_on_delete_follows_the_field_through_create_and_alter():
    class Parent(models.Model):
        class Meta:
            app_label = "tests"
            db_table = "backend_test_parent"

    class Child(models.Model):
        parent = models.ForeignKey(Parent, on_delete=models.CASCADE)

        class Meta:
            app_label = "tests"
            db_table = "backend_test_child"

    with connection.schema_editor() as editor:
        editor.create_model(Parent)
        editor.create_model(Child)
    assert confdeltype("backend_test_child") == "c"

    # A change of on_delete alone reaches the database (Django itself would skip it).
    replace_field(Child, "parent", models.ForeignKey(Parent, on_delete=models.SET_NULL, null=True))
    assert confdeltype("backend_test_child") == "n"

    # An unrelated change that makes Django recreate the FK keeps the rule
    # (a clause added by RunSQL would be lost here).
    replace_field(
        Child,
        "parent",
        models.ForeignKey(Parent, on_delete=models.SET_NULL, null=True, db_index=False),
    )
    replace_field(Child, "parent", models.ForeignKey(Parent, on_delete=models.PROTECT, null=True))
    assert confdeltype("backend_test_child") == "r"


@isolate_apps("tests")
def test_add_field_creates_the_fk_with_its_rule():
    class Target(models.Model):
        class Meta:
            app_label = "tests"
            db_table = "backend_test_target"

    class Source(models.Model):
        class Meta:
            app_label = "tests"
            db_table = "backend_test_source"

    with connection.schema_editor() as editor:
        editor.create_model(Target)
        editor.create_model(Source)
    field = models.ForeignKey(Target, on_delete=models.RESTRICT, null=True)
    field.set_attributes_from_name("target")
    field.model = Source
    with connection.schema_editor() as editor:
        editor.add_field(Source, field)
    assert confdeltype("backend_test_source") == "r"


@isolate_apps("tests")
def test_set_with_a_python_callable_is_refused():
    class Holder(models.Model):
        owner = models.ForeignKey("self", on_delete=models.SET(lambda: None))

        class Meta:
            app_label = "tests"

    with pytest.raises(ValueError, match=r"Holder\.owner: .* has no database equivalent"):
        on_delete_sql(Holder._meta.get_field("owner"))
