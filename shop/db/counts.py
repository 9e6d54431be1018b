"""Row counts that do not scan: the planner's estimate where an exact COUNT(*) would be slow.

``COUNT(*)`` reads every row it counts (PostgreSQL keeps no row count), so counting a million
orders takes as long as scanning them. Lists of large tables (the admin's paginator, an API's
"about N results") use :func:`fast_count`: exact while the planner expects few rows, the
planner's estimate (from ``ANALYZE`` statistics, no scan) beyond that.
"""

import json

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

# Below this many estimated rows an exact count is cheap enough (an index or a small scan).
EXACT_BELOW = 10_000


def estimated_count(queryset: QuerySet) -> int:
    """The planner's estimate of how many rows ``queryset`` returns (``EXPLAIN``, no scan)."""
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: Django knows without asking
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def fast_count(queryset: QuerySet, *, exact_below: int = EXACT_BELOW) -> int:
    """An exact count where it is cheap, else the planner's estimate."""
    estimate = estimated_count(queryset)
    return queryset.count() if estimate < exact_below else estimate
