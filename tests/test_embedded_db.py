"""manage.py embedded_db: the embedded PostgreSQL used when DATABASE_URL is unset.

Each test starts a server of its own in a temporary directory, through manage.py as a user
runs it, whichever database the suite itself uses.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from shop.db.database_url import embedded_server_running


def manage(*args: str, pgdata: Path) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**env, "SHOPDB_PGDATA": str(pgdata)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_stop_stops_the_server_and_says_when_it_was_not_running(tmp_path):
    pgdata = tmp_path / "pgdata"
    started = manage("embedded_db", "uri", pgdata=pgdata)
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("postgresql://postgres:@/postgres?host=")
    assert embedded_server_running(pgdata)

    stopped = manage("embedded_db", "stop", pgdata=pgdata)
    assert (stopped.returncode, stopped.stdout) == (
        0,
        f"Stopped the embedded PostgreSQL in {pgdata}.\n",
    )
    assert not embedded_server_running(pgdata)

    again = manage("embedded_db", "stop", pgdata=pgdata)
    assert (again.returncode, again.stdout) == (
        0,
        f"The embedded PostgreSQL in {pgdata} was not running.\n",
    )
    assert not embedded_server_running(pgdata)
