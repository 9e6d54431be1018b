"""docs/erd.md: the Mermaid ER diagram, generated from the live database."""

from pathlib import Path

import pytest
from django.conf import settings

from shop.management.commands.erd import erd_markdown
from tests.support import fetch

pytestmark = pytest.mark.django_db


def test_erd_doc_is_current():
    path = Path(settings.BASE_DIR) / "docs" / "erd.md"
    assert path.read_text() == erd_markdown(), (
        "docs/erd.md is stale: run `python manage.py erd --write`"
    )


def test_every_table_is_an_entity_and_partitions_are_drawn_as_their_parent():
    diagram = erd_markdown()
    tables = fetch(
        """SELECT relname, relispartition FROM pg_class
           WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"""
    )
    assert [name for name, partition in tables if f"    {name} {{" in diagram] == [
        name for name, partition in tables if not partition
    ]
    assert "audit_logs_default" not in diagram


@pytest.mark.parametrize(
    "line",
    [
        # Many items to one order, which they cannot be without.
        '    order_items }o--|| orders : "order_id"',
        # At most one order per cart, and an order may have none.
        '    orders |o--o| carts : "cart_id"',
        # The composite key to the partitioned notifications, as one relation.
        "    notification_delivery_logs }o--|| notifications : "
        '"notification_id, notification_created_at"',
        # A composite primary key whose columns are foreign keys too.
        "        uuid product_id PK, FK",
    ],
)
def test_the_diagram_shows_keys_and_cardinalities(line):
    assert line in erd_markdown().splitlines()
