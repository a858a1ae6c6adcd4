"""``tenure connect``: add a connection and sync it from the shell.

    tenure connect stripe --api-key sk_test_… [--webhook-secret whsec_…] [--test-server http://127.0.0.1:8420]
    tenure connect hubspot --credential access_token=pat-… [--credential client_secret=…] [--option write_back=true]
    tenure connect sync [NAME_OR_ID] [--full]      # sync one connection (or all active ones) now
    tenure connect list
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenure.connectors import sync
from tenure.connectors.models import Connection


class Command(BaseCommand):
    help = "Add a source connection (Stripe, …) and sync it, or sync existing ones now."

    def add_arguments(self, parser):
        parser.add_argument("what", help="a source kind to connect (stripe), or 'sync' or 'list'")
        parser.add_argument("target", nargs="?", help="sync: the connection's name or id (default: all active)")
        parser.add_argument("--api-key", default="", help="the source's first credential (Stripe's secret key)")
        parser.add_argument("--webhook-secret", default="", help="Stripe's webhook signing secret")
        parser.add_argument("--credential", action="append", default=[], metavar="NAME=VALUE",
                            help="any credential by its name (repeat it)")
        parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                            help="a connection option, e.g. write_back=true (repeat it)")
        parser.add_argument("--test-server", default="", help="a Stripe-compatible local server (localstripe)")
        parser.add_argument("--name", default="")
        parser.add_argument("--every-minutes", type=int, default=60)
        parser.add_argument("--full", action="store_true", help="sync: read everything again from the start")
        parser.add_argument("--no-sync", action="store_true", help="connect only; the schedule syncs it")

    def handle(self, *args, what, target, **options):
        if what == "list":
            for c in Connection.objects.all():
                last = c.runs.first()
                self.stdout.write(f"{c.pk:>4}  {c.kind:<10} {c.name:<30} {c.status:<7} "
                                  f"last run: {f'{last.started_at:%Y-%m-%d %H:%M} {last.status}' if last else 'never'}")
            return
        if what == "sync":
            connections = Connection.objects.filter(status="active")
            if target:
                connections = Connection.objects.filter(pk=int(target)) if target.isdigit() else \
                    Connection.objects.filter(name=target)
            if not connections:
                raise CommandError(f"no connection {target!r}; see `tenure connect list`" if target else
                                   "no active connections; add one with `tenure connect stripe --api-key …`")
            for connection in connections:
                self._sync(connection, options["full"])
            return
        if what not in sync.SOURCES:
            raise CommandError(f"unknown source {what!r}: connect one of {', '.join(sorted(sync.SOURCES))}, "
                               "or use 'sync' or 'list'")
        fields = [key for key, _ in sync.SOURCES[what].credential_fields]
        credentials = dict(zip(fields, [options["api_key"], options["webhook_secret"]], strict=False))
        credentials.update(_pairs(options["credential"]))
        settings = {k: (v.lower() == "true" if v.lower() in ("true", "false") else v)
                    for k, v in _pairs(options["option"]).items()}
        if options["test_server"]:
            settings["api_base"] = options["test_server"]
        try:
            connection = sync.create_connection(
                kind=what, name=options["name"], every_minutes=options["every_minutes"], credentials=credentials,
                options=settings)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        run = sync.test_connection(connection)
        self.stdout.write(f"Connection {connection.pk} ({connection}): {run.message}")
        if run.status != "succeeded":
            raise CommandError("the test failed: fix the credentials on Set-up → Connections, or remove it")
        if not options["no_sync"]:
            self._sync(connection, False)

    def _sync(self, connection, full):
        try:
            run = sync.run_sync(connection, trigger="command", full=full)
        except sync.AlreadyRunning as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{connection}: {run.get_status_display()}: {run.created} created, {run.updated} updated, "
                          f"{run.unchanged} unchanged, {run.failed} failed "
                          f"({(run.finished_at - run.started_at).total_seconds():.1f} s)")
        for error in run.errors:
            self.stdout.write(f"  {error}")
        if run.message:
            self.stdout.write(f"  {run.message}")
        if run.status == "failed":
            raise CommandError("the sync failed; the next run resumes from the last stored page")


def _pairs(items) -> dict:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{item!r}: write NAME=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs
