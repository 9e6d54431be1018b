"""Look after the embedded PostgreSQL that is used when DATABASE_URL is unset."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.db import database_url


class Command(BaseCommand):
    help = "Show the embedded PostgreSQL's URL, or stop it (it keeps running between commands)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["uri", "stop"])

    def handle(self, *args, action: str, **options):
        if not settings.USES_EMBEDDED_DATABASE:
            raise CommandError("The embedded PostgreSQL is not in use (DATABASE_URL is set).")
        from pgserver import get_server
        from pgserver._commands import pg_ctl

        server = get_server(settings.EMBEDDED_PGDATA, cleanup_mode=None)
        if action == "uri":
            self.stdout.write(server.get_uri())
            return
        # Loading the settings started a stopped server: stopping it again leaves it as it was.
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
        if database_url.embedded_started_by_this_process:
            self.stdout.write(f"The embedded PostgreSQL in {server.pgdata} was not running.")
        else:
            self.stdout.write(f"Stopped the embedded PostgreSQL in {server.pgdata}.")
