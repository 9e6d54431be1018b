"""Tests run against PostgreSQL: DATABASE_URL when set, else the embedded server."""
