"""A management command that prints a document generated from the database, or writes it to docs/.

Generated documents (``docs/delete-behaviour.md``, ``docs/security.md``) are read from the
catalog, so they show what PostgreSQL really enforces; a test keeps each one current.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError


class GeneratedDocCommand(BaseCommand):
    """Subclasses set ``doc_path`` (relative to the project) and implement ``markdown()``."""

    doc_path: Path

    def markdown(self) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        # Subclasses may add further modes to this group (rls_report adds --check).
        self.modes = parser.add_mutually_exclusive_group()
        self.modes.add_argument(
            "--write", action="store_true", help=f"Write {self.doc_path} instead."
        )

    def handle(self, *args, write: bool, **options):
        try:
            text = self.markdown()
        except DatabaseError as error:
            raise CommandError(f"Could not read the database catalog: {error}") from error
        if not write:
            self.stdout.write(text, ending="")
            return
        path = Path(settings.BASE_DIR) / self.doc_path
        try:
            path.write_text(text)
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error.strerror}") from error
        self.stdout.write(f"Wrote {path}")
