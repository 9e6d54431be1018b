"""Recompute every stock row from its ledger and its cart holds; exit non-zero on drift."""

from django.core.management.base import BaseCommand, CommandError

from catalog.stock import stock_drift


class Command(BaseCommand):
    help = (
        "Check that every inventory row and variant equals the sum of its ledger, and that its "
        "reserved units are the ones cart lines hold. Lists each difference; exits 1 if any."
    )

    def handle(self, *args, **options) -> None:
        drift = stock_drift()
        for difference in drift:
            self.stderr.write(str(difference))
        if drift:
            raise CommandError(
                f"{len(drift)} stock differences. A ledger difference means stock was changed "
                "behind the ledger's triggers; a holds difference is released by "
                "`manage.py release_expired_reservations` when no cart line holds the units."
            )
        self.stdout.write("Stock agrees with its ledgers and cart holds.")
