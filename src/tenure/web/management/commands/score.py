import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from tenure import pipeline


class Command(BaseCommand):
    help = ("Refresh accounts now (owners, onboarding, health score, renewals, signals and tasks): those whose "
            "inputs changed since the last refresh, or --all.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every account, changed or not")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="as of this day (default today)")
        parser.add_argument("--batch-size", type=int, default=pipeline.BATCH_SIZE)

    def handle(self, *args, all, date, batch_size, **opts):
        started = timezone.now()
        count = pipeline.refresh_now(everyone=all, as_of=date, batch_size=batch_size)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Refreshed {count} account{'s' if count != 1 else ''} in {seconds:.1f} s.")
