"""Counts of large lists come from the planner, not from a scan (shop.db.counts)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Tag
from shop.db.counts import estimated_count, fast_count
from tests.factories import TagFactory
from tests.support import execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags():
    TagFactory.create_batch(30)
    execute("ANALYZE tags")


def test_the_estimate_is_the_planners_and_runs_no_count(tags):
    with CaptureQueriesContext(connection) as queries:
        assert estimated_count(Tag.objects.all()) == 30
    assert [q["sql"].split()[:3] for q in queries.captured_queries] == [
        ["EXPLAIN", "(FORMAT", "JSON)"]
    ]


def test_small_lists_are_counted_exactly_and_large_ones_estimated(tags):
    # Rows added after ANALYZE: the exact count sees them, a planner estimate may not.
    TagFactory.create_batch(5)
    with CaptureQueriesContext(connection) as queries:
        assert fast_count(Tag.objects.all()) == 35
    assert "COUNT(*)" in queries.captured_queries[-1]["sql"]

    with CaptureQueriesContext(connection) as queries:
        estimate = fast_count(Tag.objects.all(), exact_below=10)
    assert estimate == estimated_count(Tag.objects.all())
    assert not any("COUNT(*)" in q["sql"] for q in queries.captured_queries)


def test_a_filtered_list_is_estimated_with_its_filter(tags):
    one = Tag.objects.first()
    assert estimated_count(Tag.objects.filter(pk=one.pk)) == 1
    assert estimated_count(Tag.objects.filter(pk__in=[])) == 0
