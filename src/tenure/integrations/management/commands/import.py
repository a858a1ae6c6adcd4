"""``tenure import KIND FILE.csv``: import a CSV file, all rows or none (see tenure.integrations.importers).
``tenure import articles PATH``: a knowledge base, article by article (see tenure.knowledge.transfer)."""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from tenure.billing.services import EndDates
from tenure.integrations.csv_import import IMPORTERS, ImportFileError, import_csv

LARGE_FILE = 1024 * 1024  # show progress for files from this size


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class _Progress:
    """Rows done and share of the file read, at most once a second, on stderr."""

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.last_rows = -1
        self.shown = False

    def __call__(self, rows: int, done: int, size: int | None) -> None:
        if (size is not None and size < LARGE_FILE) or rows == self.last_rows:
            return
        now = time.monotonic()
        finished = size is not None and done >= size
        if now - self.last < 1 and not finished:
            return
        self.last, self.last_rows = now, rows
        share = f" ({100 * done // size}% of {size / 1e6:.1f} MB)" if size else ""
        start = "\r" if self.tty else ""
        self.stream.write(f"{start}{rows:,} rows read{share}", ending="" if self.tty else "\n")
        self.shown = True

    def end(self) -> None:
        if self.shown and self.tty:
            self.stream.write("")


class Command(BaseCommand):
    help = (
        "Import records from a CSV file. The whole file is checked first and imported in one transaction: a "
        "file with any bad row is rejected whole, with the line, column and reason of each error. "
        "Re-importing the same file changes nothing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        kinds = "\n\n".join(IMPORTERS[kind].describe() for kind in sorted(IMPORTERS))
        parser.epilog = (
            "Columns by kind (names match ignoring case, spaces and hyphens; keys match ignoring case; "
            "dates are YYYY-MM-DD, date-times ISO 8601):\n\n" + kinds + "\n\n"
            "Example: tenure import contacts people.csv --map email='E-mail Address' --map account_domain=Website\n\n"
            "articles: a folder of Markdown files (each top folder a category; a first '# Title' line or front "
            "matter gives the title) or a CSV with title, body and category columns. Each article is imported on "
            "its own (a bad one is skipped with its reason); a re-import matches articles by slug.\n"
            "Example: tenure import articles help-centre/ --status draft"
        )
        return parser

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted([*IMPORTERS, "articles"]), help="what the file holds")
        parser.add_argument("file", help="the CSV file (UTF-8; comma, semicolon or tab separated); for articles, "
                                         "a folder of Markdown files or a CSV file")
        parser.add_argument("--status", choices=["draft", "published"], default="published",
                            help="articles: the status of new articles whose file does not say (default: published)")
        parser.add_argument(
            "--map", action="append", default=[], dest="mapping", metavar="FIELD=COLUMN",
            help="read a field from a column of another name; repeat for several fields",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report what would change; write nothing"
        )
        parser.add_argument(
            "--end-dates", choices=["auto", *(str(v) for v in EndDates)], dest="end_dates",
            help="subscriptions: how the file writes a term's end_date. auto (the default): decided from the file "
                 "(exclusive when an account's terms meet on one day), and said. inclusive: the last paid day, a "
                 "monthly term is 2026-01-01 to 2026-01-31. exclusive: the next term's start, as billing systems "
                 "export it (Stripe's current_period_end), 2026-01-01 to 2026-02-01; stored one day earlier",
        )
        parser.add_argument("--encoding", default="utf-8", help="the file's encoding if not UTF-8 (cp1252 …)")
        parser.add_argument("--delimiter", help="the column separator if not guessed from the header (, ; tab)")

    def handle(self, *args, kind, file, mapping, dry_run, encoding, delimiter, end_dates, verbosity, **options):
        if kind == "articles":
            return self.import_articles(file, options["status"], verbosity)
        if delimiter in {"tab", "\\t"}:
            delimiter = "\t"
        kind_options = {"end_dates": end_dates} if end_dates else {}
        progress = _Progress(self.stderr) if verbosity >= 1 else None
        try:
            result = import_csv(
                kind, file, mapping=mapping, dry_run=dry_run, encoding=encoding, delimiter=delimiter,
                progress=progress, options=kind_options,
            )
        except ImportFileError as exc:
            raise CommandError(f"{file}: {exc}") from None
        finally:
            if progress:
                progress.end()
        if result.ignored_columns and verbosity >= 1:
            self.stderr.write(f"ignored columns (no such {kind} field): " + ", ".join(result.ignored_columns))
        for note in result.notes if verbosity >= 1 else ():
            self.stderr.write(f"note: {note}")
        for warning in result.warnings if verbosity >= 1 else ():
            self.stderr.write(f"warning: {warning}")
        if not result.ok:
            raise CommandError(
                f"{file}: rejected, nothing was imported; {result.error_count} "
                f"error{'s' if result.error_count != 1 else ''}:\n" + "\n".join(result.error_lines())
            )
        note = " (dry run: nothing was written)" if dry_run else ""
        self.stdout.write(result.summary() + note)

    def import_articles(self, path, status, verbosity) -> None:
        from django.core.exceptions import ValidationError

        from tenure.knowledge.transfer import import_articles

        try:
            report = import_articles(path, status=status)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if verbosity >= 2:
            for label, items in (("created", report.created), ("updated", report.updated),
                                 ("unchanged", report.unchanged)):
                for item in items:
                    self.stdout.write(f"{label}: {item}")
        for where, why in report.skipped:
            self.stderr.write(f"skipped {where}: {why}")
        self.stdout.write(f"articles from {path}: {report.summary()}")
