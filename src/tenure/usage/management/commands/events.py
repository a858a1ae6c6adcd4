from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tenure.usage import event_log


class Command(BaseCommand):
    help = ("The raw event log: tenure events archive YYYY-MM | restore FILE | age-out | months. Rollups are "
            "never changed: archiving a month removes its raw events only.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("archive", help="write a past month's raw events (by arrival) to a file, then remove them"
                       ).add_argument("month", help="YYYY-MM")
        sub.add_parser("restore", help="load an archive file back into the event log").add_argument("file")
        sub.add_parser("age-out", help="what the daily job does: partitions ahead, months past retention out")
        sub.add_parser("months", help="the event log's partitions (PostgreSQL)")

    def handle(self, *args, action, **opts):
        if action == "archive":
            try:
                done = event_log.archive_month(event_log.parse_month(opts["month"]))
            except ValueError as e:
                raise CommandError(str(e)) from None
            where = f" to {done.file}" if done.file else ""
            self.stdout.write(f"archived {done.rows} events of {done.label}{where}")
        elif action == "restore":
            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(f"{path} is not a file")
            try:
                added = event_log.restore_file(path)
            except (ValueError, OSError, EOFError, DatabaseError) as e:  # a damaged or foreign file: say so
                raise CommandError(f"{path}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
            self.stdout.write(f"restored {added} events from {path}")
        elif action == "age-out":
            created, done = event_log.maintain()
            for name in created:
                self.stdout.write(f"created partition {name}")
            for d in done:
                self.stdout.write(f"aged out {d.rows} events of {d.label}" + (f" to {d.file}" if d.file else ""))
            kept = event_log.keep_from()
            self.stdout.write("raw events are kept " + (f"from {kept:%Y-%m}" if kept else "forever"))
        else:
            parts = event_log.partitions() if event_log.is_partitioned() else []
            if not parts:
                self.stdout.write("the event log is one table (SQLite): months age out by deletes")
            for p in parts:
                span = "default" if p.end is None else f"{p.start or 'start'} to {p.end}"
                self.stdout.write(f"{p.name:<40} {span:<28} ~{p.rows} events")
