import signal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Migrate, then serve the web UI and API with the background jobs in the same process."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
        parser.add_argument("--threads", type=int, default=8, help="request threads")
        parser.add_argument(
            "--no-jobs", action="store_true", help="do not run jobs here (separate `tenure worker` processes do)"
        )
        parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations first")

    def handle(self, *args, port, host, threads, no_jobs, no_migrate, **opts):
        import waitress
        from huey.contrib.djhuey import HUEY

        from tenure.web.jobs import start_jobs, stop_jobs
        from tenure.wsgi import application

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        consumer = None
        if not no_jobs and not HUEY.immediate:
            consumer = start_jobs(HUEY, settings.HUEY["consumer"]["workers"])
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        where = "jobs in this process" if consumer else "jobs run elsewhere"
        self.stdout.write(f"Tenure is serving on http://{host}:{port}/ ({where}). Stop with Ctrl-C.")
        self.stdout.flush()
        try:
            waitress.serve(application, host=host, port=port, threads=threads, ident="tenure", _quiet=True)
        except KeyboardInterrupt:
            pass
        finally:
            if consumer is not None:
                stop_jobs(consumer)
            self.stdout.write("Tenure stopped.")
