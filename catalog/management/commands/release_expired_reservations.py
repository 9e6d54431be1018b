"""Give the units of cart holds that no longer count back to available stock (run it often)."""

from django.core.management.base import BaseCommand

from catalog.stock import release_expired_reservations


class Command(BaseCommand):
    help = (
        "Release expired cart holds, holds of deleted lines or inactive carts, and reserved "
        "units that no cart line holds. Lines being worked on are left for the next run."
    )

    def handle(self, *args, **options) -> None:
        units = release_expired_reservations()
        self.stdout.write(f"Released {units} reserved units back to available stock.")
