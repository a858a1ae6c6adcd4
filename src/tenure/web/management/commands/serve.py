import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def _proxy_options() -> dict:
    """Behind a TLS proxy (TENURE_BEHIND_TLS_PROXY), waitress must pass X-Forwarded-Proto on: by default it drops
    proxy headers it was not told to trust, and every request would then be redirected to HTTPS, forever. The
    trust is the one Django's setting already gives (any peer's header); gunicorn passes the header on as it is."""
    if not settings.SECURE_PROXY_SSL_HEADER:
        return {}
    return {"trusted_proxy": "*", "trusted_proxy_headers": {"x-forwarded-proto"}}


# Threads per process. One process serves everything, so it overlaps many database waits; with several processes,
# pages hold the GIL for most of a request, and more than 2 threads each only added switching: at 50 pages/s on
# 2 cores, 8 threads per process answered the accounts list in 2.8 s at the median, 2 in 0.17 s (bench/pages.py).
ONE_PROCESS_THREADS, PER_PROCESS_THREADS = 8, 2


class Command(BaseCommand):
    help = ("Migrate, then serve the web UI, the API and the event API, with the background jobs and the usage "
            "rollup loop in the same process (one process) or in one worker process beside them (--processes N).")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
        parser.add_argument(
            "--threads", type=int, default=None,
            help=f"request threads per process (default {ONE_PROCESS_THREADS} in one process, "
                 f"{PER_PROCESS_THREADS} each with --processes)",
        )
        parser.add_argument(
            "--processes", type=int, default=1,
            help="web processes (gunicorn, restarted if one dies); 1 serves from this process (waitress)",
        )
        parser.add_argument(
            "--no-jobs", action="store_true", help="do not run jobs here (separate `tenure worker` processes do)"
        )
        parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations first")
        parser.add_argument(
            "--smtp-port", type=int, default=None,
            help="also receive mail by SMTP on this port: community replies and email capture (default "
                 "TENURE_SMTP_PORT; 0: no listener)",
        )
        parser.add_argument("--smtp-host", default=None, help="address the SMTP listener listens on (TENURE_SMTP_HOST)")

    def handle(self, *args, port, host, threads, processes, no_jobs, no_migrate, smtp_port, smtp_host, **opts):
        if threads is None:
            threads = ONE_PROCESS_THREADS if processes == 1 else PER_PROCESS_THREADS
        if processes < 1 or threads < 1:
            raise CommandError("--processes and --threads take a number of at least 1")
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        listener = self._start_smtp(smtp_host or settings.TENURE_SMTP_HOST,
                                    settings.TENURE_SMTP_PORT if smtp_port is None else smtp_port)
        try:
            if processes > 1:
                return self._serve_processes(host, port, threads, processes, no_jobs)
            return self._serve_one(host, port, threads, no_jobs)
        finally:
            if listener is not None:
                listener.stop()

    def _start_smtp(self, host, port):
        """One SMTP listener for every address Tenure takes mail at, routed by recipient: community reply
        addresses and CSMs' capture addresses. In this process only (the web processes are forked after it, with
        none: the listener's thread is not inherited)."""
        if not port:
            return None
        from tenure.community.inbound import ROUTE as COMMUNITY_REPLIES
        from tenure.connectors.mail_capture import ROUTE as MAIL_CAPTURE
        from tenure.integrations.inbound_mail import start_listener

        try:
            listener = start_listener([COMMUNITY_REPLIES, MAIL_CAPTURE], host, port)
        except (OSError, RuntimeError) as e:
            raise CommandError(f"cannot listen for mail on {host}:{port}: {e}") from None
        self.stdout.write(f"Receiving mail by SMTP on {host}:{port} (community replies, email capture).")
        return listener

    def _serve_one(self, host, port, threads, no_jobs):
        import waitress
        from huey.contrib.djhuey import HUEY

        from tenure.web.jobs import start_jobs, stop_jobs
        from tenure.wsgi import application

        consumer = None
        if not no_jobs and not HUEY.immediate:
            consumer = start_jobs(HUEY, settings.HUEY["consumer"]["workers"])
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        where = "jobs in this process" if consumer else "jobs run elsewhere"
        self.stdout.write(f"Tenure is serving on http://{host}:{port}/ ({where}). Stop with Ctrl-C.")
        self.stdout.flush()
        try:
            waitress.serve(application, host=host, port=port, threads=threads, ident="tenure", _quiet=True,
                           **_proxy_options())
        except KeyboardInterrupt:
            pass
        finally:
            if consumer is not None:
                stop_jobs(consumer)
            self.stdout.write("Tenure stopped.")

    def _serve_processes(self, host, port, threads, processes, no_jobs):
        from tenure.web.gunicorn import serve

        worker = None
        if not no_jobs:
            # A process of its own: starting job threads here would have every forked web process inherit them.
            worker = subprocess.Popen([sys.executable, "-m", "tenure", "worker"])
        connections.close_all()  # no connection is shared with the forked web processes
        where = "jobs in a worker process" if worker else "jobs run elsewhere"
        self.stdout.write(f"Tenure is serving on http://{host}:{port}/ with {processes} processes ({where}). "
                          f"Stop with Ctrl-C.")
        self.stdout.flush()
        try:
            serve(host=host, port=port, processes=processes, threads=threads)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stdout.write("Tenure stopped.")
