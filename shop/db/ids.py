"""UUID version 7 ids (RFC 9562): time-ordered, so primary-key indexes stay compact.

Django fills ``id`` in Python with :func:`uuid7`; the column's database default
``uuid_generate_v7()`` (created by ``shop/migrations/0001_uuid_generate_v7.py``) gives the
same kind of id to rows written by Supabase clients or a SQL console.
"""

import uuid

from django.db import models

try:  # Python 3.14+
    from uuid import uuid7 as _uuid7
except ImportError:
    from uuid6 import uuid7 as _uuid7


def uuid7() -> uuid.UUID:
    """A new version-7 UUID, as a plain ``uuid.UUID``."""
    return uuid.UUID(int=_uuid7().int)


class UUIDv7(models.Func):
    """The database's ``uuid_generate_v7()``, for use as ``db_default``."""

    function = "uuid_generate_v7"
    arity = 0
    output_field = models.UUIDField()
