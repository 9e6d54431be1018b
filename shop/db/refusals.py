"""What a database refusal says: the rule it names, its message and its details.

A constraint names itself; a trigger or function refusing with ``RAISE ... USING CONSTRAINT =
'<rule>'`` (``shop.db.triggers.refuse``, the checkout functions) names its rule the same way,
and starts its message with ``<rule>: ``. Services turn a refusal into their own error.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError


@dataclass(frozen=True)
class Refusal:
    rule: str
    message: str  # without the "<rule>: " it starts with
    detail: dict[str, Any]


def refusal_of(error: DatabaseError) -> Refusal | None:
    """The rule ``error`` names, or None for an error that names none."""
    diag = getattr(error.__cause__, "diag", None)
    rule = getattr(diag, "constraint_name", None)
    if not rule:
        return None
    message = (diag.message_primary or "").removeprefix(f"{rule}: ")
    detail = diag.message_detail or ""
    return Refusal(rule, message, json.loads(detail) if detail.startswith("{") else {})
