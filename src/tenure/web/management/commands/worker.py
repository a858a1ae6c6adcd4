from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run background jobs (scoring, imports, digests) and the usage rollup loop. Start as many as you like "
            "when TENURE_QUEUE_URL is Redis.")

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=settings.HUEY["consumer"]["workers"])

    def handle(self, *args, workers, **opts):
        from tenure.usage.rollup_loop import start_rollup_loop

        rollups = start_rollup_loop()  # usage shows within seconds, not at the next minute's job
        try:
            call_command("run_huey", workers=workers, worker_type="thread")
        finally:
            rollups.stop()
