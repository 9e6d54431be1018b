"""What the dirty rows of a sample legacy shop must become: the rule that sets each aside."""

from dataclasses import dataclass, field


@dataclass
class Dirt:
    """The dirty rows added, and what the import must do with each."""

    # (step, rule) -> source keys the rule must quarantine
    quarantined: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)  # duplicate key -> key of the kept row

    def expect(self, step: str, rule: str, *keys: str) -> None:
        self.quarantined.setdefault((step, rule), set()).update(keys)


def d(n: int) -> str:
    """The key of the n-th dirty row."""
    return f"dddddddd-0000-0000-0000-{n:012d}"
