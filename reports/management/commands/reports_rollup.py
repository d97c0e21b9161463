"""`manage.py reports_rollup --from 2023-01-01 [--to 2026-01-31]`: (re)build the Reports roll-up
for a range of days, e.g. after upgrading an install that has years of chats."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.services import rollup_rebuild


class Command(BaseCommand):
    help = "Roll up the chats of each closed day in a range for Reports (days in TIME_ZONE)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day (default: yesterday)")

    def handle(self, *args, start, end, **options):
        try:
            start = date.fromisoformat(start)
            end = date.fromisoformat(end) if end else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"Days are written YYYY-MM-DD: {error}") from error
        if start > end:
            raise CommandError("--from must be on or before --to.")
        rolled, kept = rollup_rebuild(start=start, end=end)
        self.stdout.write(f"Rolled up {rolled} days.")
        if kept:
            self.stdout.write(
                f"Kept {kept} days as they were: retention may have deleted chats of them, "
                "and their roll-up still counts those."
            )
