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
            models.lookups.Exact(
                models.Func(
                    models.F(field), function="jsonb_typeof", output_field=models.TextField()
                ),
                "array",
            ),
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
