import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from tenure import jobs
from tenure.web.models import JobWatermark

WATERMARK = "score"


class Command(BaseCommand):
    help = "Score account health now: accounts whose inputs changed since the last run, or --all."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every account, changed or not")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="score as of this day (default today)")
        parser.add_argument("--batch-size", type=int, default=jobs.BATCH_SIZE)

    def handle(self, *args, all, date, batch_size, **opts):
        from tenure.health.services import score_all

        started = timezone.now()
        mark, _ = JobWatermark.objects.get_or_create(name=WATERMARK)
        ids = jobs.changed_accounts(None if all else mark.last_run)
        count = score_all(date, sorted(ids), batch_size)
        mark.last_run = started
        mark.save(update_fields=["last_run"])
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"Scored {count} account{'s' if count != 1 else ''} in {seconds:.1f} s.")
