"""Django's PostgreSQL backend, plus ON DELETE rules written into the database.

Use it as ``ENGINE = "shop.db.backend"`` (``shop.db.database_url`` does).
"""
