"""Names and values written into SQL text, quoted as PostgreSQL reads them."""

from django.db import connection
from psycopg import sql as psql


def quote(name: str) -> str:
    return psql.Identifier(name).as_string(connection.connection)


def literal(value) -> str:
    return psql.Literal(value).as_string(connection.connection)
