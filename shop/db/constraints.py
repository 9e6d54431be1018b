"""Constraint builders used in models' ``Meta.constraints``."""

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
    ``jsonb_array_elements`` is written as an (immutable) jsonpath test instead.
    """
    if allowed is None:
        element_test = '$[*] ? (@.type() != "string")'
    else:
        listed = " && ".join(f'@ != "{value}"' for value in allowed)
        element_test = f'$[*] ? (@.type() != "string" || ({listed}))'
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
                    models.Value(element_test),
                    function="jsonb_path_exists",
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
