"""Constraint builders used in models' ``Meta.constraints``."""

import json

from django.db import models


def choices_check(
    field: str, choices: type[models.Choices], *, name: str
) -> models.CheckConstraint:
    """CHECK that ``field`` holds one of ``choices``: the database refuses an unknown status."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=name,
        violation_error_message=f"{field} must be one of: {', '.join(map(str, choices.values))}.",
    )


def unique_while_alive(
    table: str, *fields: str, name: str | None = None
) -> models.UniqueConstraint:
    """UNIQUE among rows that are not soft-deleted: a deleted row does not block re-creating it.

    Named ``uq_<table>_<fields>`` unless ``name`` is given. Its index also serves lookups by
    ``fields`` on live rows.
    """
    return models.UniqueConstraint(
        fields=list(fields),
        condition=models.Q(is_deleted=False),
        name=name or f"uq_{table}_{'_'.join(fields)}",
    )


# Lower-case words joined by single hyphens: what the storefront puts in URLs.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def slug_check(table: str) -> models.CheckConstraint:
    """CHECK that ``slug`` is URL-ready (so uniqueness is not defeated by case or blanks)."""
    return models.CheckConstraint(
        condition=models.Q(slug__regex=SLUG_PATTERN),
        name=f"{table}_slug_format",
        violation_error_message="slug is lower-case letters and digits joined by hyphens.",
    )


def _jsonb_typeof(field: str) -> models.Func:
    return models.Func(models.F(field), function="jsonb_typeof", output_field=models.TextField())


def json_type_check(field: str, json_type: str, *, name: str) -> models.CheckConstraint:
    """CHECK that a jsonb column holds a JSON value of ``json_type`` ('array', 'object', ...)."""
    return models.CheckConstraint(
        condition=models.Q(models.lookups.Exact(_jsonb_typeof(field), json_type)),
        name=name,
        violation_error_message=f"{field} must be a JSON {json_type}.",
    )


def json_array_of_strings(field: str, *, name: str, allowed: list[str] | None = None):
    """CHECK that a jsonb column is an array of strings (optionally from ``allowed``).

    PostgreSQL refuses subqueries in CHECK, so the plan's ``bool_and(...)`` over
    ``jsonb_array_elements`` is written as an (immutable) jsonpath test instead:

        jsonb_typeof(col) = 'array'
        AND NOT jsonb_path_exists(col, 'strict $[*] ? (...)'::jsonpath, silent => true)

    ``strict``: in the default lax mode ``$[*]`` unwraps nested arrays, so ``["a", ["b"]]``
    would pass. ``silent``: strict ``$[*]`` raises on a non-array, and PostgreSQL does
    not promise to evaluate ``jsonb_typeof`` first; silenced, the test yields NULL there and the
    ``jsonb_typeof`` half rejects the row. The explicit ``::jsonpath`` cast keeps the path from
    being sent as ``text`` (no ``jsonb_path_exists(jsonb, text)`` exists), whatever the binding.
    """
    if allowed is None:
        element_test = 'strict $[*] ? (@.type() != "string")'
    else:
        if not allowed:
            raise ValueError("allowed must list at least one value (or be None).")
        # json.dumps gives a double-quoted literal with JSON escapes, which jsonpath reads alike.
        listed = " && ".join(f"@ != {json.dumps(value)}" for value in allowed)
        element_test = f'strict $[*] ? (@.type() != "string" || ({listed}))'
    return models.CheckConstraint(
        condition=models.Q(
            models.lookups.Exact(_jsonb_typeof(field), "array"),
            ~models.Q(
                models.Func(
                    models.F(field),
                    models.Func(
                        models.Value(element_test),
                        template="(%(expressions)s)::jsonpath",
                        output_field=models.TextField(),
                    ),
                    function="jsonb_path_exists",
                    template="%(function)s(%(expressions)s, silent => true)",
                    output_field=models.BooleanField(),
                )
            ),
        ),
        name=name,
        violation_error_message=(
            f"{field} must be a JSON array of strings"
            + (f" from: {', '.join(allowed)}." if allowed else ".")
        ),
    )
