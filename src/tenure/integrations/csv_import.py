"""CSV import: the engine that every ``tenure import KIND FILE.csv`` (and the Import page) shares.

One importer per kind (accounts, contacts, subscriptions, tickets, events; the ``importers`` package, a module
per kind) is registered in ``IMPORTERS``; a new kind is a subclass of ``Importer`` decorated with ``@register``.
The engine:

* reads the file as a stream of lines, never whole: UTF-8 (a BOM is fine) or another ASCII-compatible
  encoding; the delimiter (comma, semicolon or tab) is taken from the header line;
* matches the header (line 1) to the importer's fields, ignoring case, spaces and hyphens ("CRM Id" is
  ``crm_id``); ``--map our_field=their column`` names any other column;
* parses and validates every row with the services' normalizers and the models' own field validation;
* works in chunks of ``CHUNK_ROWS`` rows: one bulk lookup per key for a chunk, then the owning room's bulk
  services (``accounts.services.create_accounts`` / ``update_accounts`` …), so there is no database round
  trip per row and history, timeline notes and flags follow as they do for a change made on a page;
* imports the whole file in one transaction: a file with any bad row is rejected whole and nothing is written.
  An importer of a history too large for one transaction (``resumable``: events) instead stores each chunk in
  a transaction of its own, invisible until the last one is in, then makes the whole file count at once; a
  bad row, or a failure, still leaves nothing visible, and running the same file again resumes it.
  Errors name the line (as in the file, header = line 1), the file's column and the reason; the first
  ``MAX_ERRORS`` are kept, the rest counted.

Rules every kind follows
------------------------
* Keys: rows match existing records by their key columns in order, ignoring case. Two keys of one row that
  match two different records, or one key value on two lines of the file, are errors — except a line that
  repeats an earlier line cell for cell (exports often do): it is skipped and counted as a duplicate.
* An empty cell means "no value": optional text is blanked, optional dates and numbers become null. A value a
  record cannot be without (a name, a status, seats …) is never erased: empty means the default on a new
  record and "unchanged" on an existing one. An empty key cell never clears a stored key, and an external id
  (crm_id, billing id, subscription or ticket id …) that is already stored is never changed by an import.
* A column the file does not have leaves that field untouched.
* Dates are ISO ``YYYY-MM-DD``; date-times ISO 8601 (``2026-03-01T09:30:00Z``; without an offset they are in
  the configured time zone, and a plain date means midnight).
* Importing the same file again changes nothing and reports every row as unchanged.
* A kind may take options (``Importer.options``), such as ``end_dates`` for subscriptions; the first allowed
  value is the default. An importer may warn about the file as a whole (``Importer.finish``): warnings never
  reject a file, they are shown with the result.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, ClassVar

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import DatabaseError, connection, models, transaction

from tenure import bulk
from tenure.integrations.chunk_storing import StoredBeside, StoredHere
from tenure.integrations.csv_cells import (  # noqa: F401  (re-exported for importers)
    CUSTOM_PREFIX,
    KEEP,
    Field,
    ImportFileError,
    Layout,
    display,
    error_text,
    model_parser,
    parse_date,
    parse_datetime,
    parse_mapping,
)
from tenure.integrations.csv_files import Lines, digest_of, opened, records, sniff_delimiter
from tenure.users import audit

CHUNK_ROWS = 1000
MAX_ERRORS = 50
PREVIEW_ROWS = 10
SOURCE = "import"  # recorded as the source of the history entries an import writes

CREATED, UPDATED, UNCHANGED, FAILED, DUPLICATE = "created", "updated", "unchanged", "error", "duplicate"


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column '{self.column}'" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class PreviewRow:
    line: int
    action: str
    values: dict[str, str]


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # lines that repeat an earlier line cell for cell, skipped
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    columns: list[str] = field(default_factory=list)  # the preview's columns: fields, then custom attributes
    preview: list[PreviewRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    custom_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the file as a whole; they do not reject it
    notes: list[str] = field(default_factory=list)  # how the file was read (options decided from it)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def error_lines(self) -> list[str]:
        lines = [str(e) for e in self.errors]
        if self.error_count > len(self.errors):
            lines.append(f"and {self.error_count - len(self.errors)} more")
        return lines

    def summary(self) -> str:
        duplicates = f", {self.duplicates} duplicate lines skipped" if self.duplicates else ""
        return (
            f"{self.kind}: {self.rows} rows, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged{duplicates}"
        )


# -- rows and importers ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Row:
    line: int
    record: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    obj: models.Model | None = None
    action: str = ""
    changed: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))


IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Make an importer available as ``tenure import KIND`` and on the Import page."""
    existing = IMPORTERS.get(importer.kind)
    if existing is not None and existing is not importer:
        raise ImproperlyConfigured(f"two importers for {importer.kind!r}: {existing} and {importer}")
    IMPORTERS[importer.kind] = importer
    return importer


def get_importer(kind: str) -> type[Importer]:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise ImportFileError(f"cannot import {kind!r}; choose one of {', '.join(sorted(IMPORTERS))}") from None


class Importer:
    """How one kind of record is read from a row, matched, validated and written.

    Subclasses declare the fields and keys, load what a chunk of rows refers to in ``load`` (bulk queries
    only), decide each row's record in ``build`` (no queries), and may add to ``write``.
    """

    kind: ClassVar[str]  # the command's word: accounts, contacts …
    noun: ClassVar[str]  # one record: account, contact …
    model: ClassVar[type[models.Model]]
    description: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]]
    key_fields: ClassVar[tuple[str, ...]] = ()  # matched in this order, ignoring case; unique within a file
    fixed_keys: ClassVar[tuple[str, ...]] = ()  # external ids an import never changes once stored
    required_columns: ClassVar[tuple[tuple[str, ...], ...]] = ()  # each: the file needs one of these columns
    required_to_create: ClassVar[tuple[str, ...]] = ()
    keeps_custom: ClassVar[bool] = False  # columns not mapped to a field go to the record's custom attributes
    # Settings of the whole file, by name: the allowed values (the first is the default) and what they mean.
    options: ClassVar[dict[str, tuple[tuple[str, str], ...]]] = {}
    # Stored chunk by chunk and resumable (see _ResumableRun), with begin/stage/count/complete/discard below.
    resumable: ClassVar[bool] = False
    chunk_rows: ClassVar[int] = CHUNK_ROWS

    def __init__(self, layout: Layout, **options: str | None):
        self.layout = layout
        for name in options:
            if name not in self.options:
                raise ImportFileError(f"{self.kind} imports take no {name.replace('_', '-')} option")
        for name, allowed in self.options.items():
            value = options.get(name) or allowed[0][0]
            if value not in {v for v, _ in allowed}:
                raise ImportFileError(
                    f"{name.replace('_', '-')} {value!r}: choose one of {', '.join(v for v, _ in allowed)}"
                )
            setattr(self, name, value)
        self._parsers = {name: self._parser_for(name) for name in layout.fields}
        self._empty = {name: self._empty_value(name) for name in layout.fields}

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in cls.fields]

    @classmethod
    def describe(cls) -> str:
        lines = [f"{cls.kind}: {cls.description}"]
        width = max(len(f.name) for f in cls.fields) + 2
        lines += [f"  {f.name:<{width}}{f.help}" for f in cls.fields]
        if cls.keeps_custom:
            lines.append(f"  {'(other)':<{width}}any other column is kept in the {cls.noun}'s custom attributes")
        for name, allowed in cls.options.items():
            lines.append(f"  option --{name.replace('_', '-')}:")
            lines += [f"    {value:<{width - 2}}{meaning}" for value, meaning in allowed]
        return "\n".join(lines)

    def _model_field(self, name: str) -> models.Field | None:
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    def _parser_for(self, name: str) -> Callable[[str], Any]:
        method = getattr(self, f"parse_{name}", None)
        if method is not None:
            return method
        spec = next(f for f in self.fields if f.name == name)
        if spec.parse is not None:
            return spec.parse
        model_field = self._model_field(name)
        return model_parser(model_field) if model_field is not None else str

    def _empty_value(self, name: str) -> Any:
        """What an empty cell means: null, blank text, or KEEP for a value the record cannot be without."""
        model_field = self._model_field(name)
        if model_field is None or model_field.null:
            return None
        text = isinstance(model_field, models.CharField | models.TextField)
        if text and model_field.blank and not model_field.choices:
            return ""
        return KEEP

    # -- steps the engine calls ----------------------------------------------------------------------------

    def prepare(self) -> None:
        """Once per import, before the first chunk (for small tables every row may refer to)."""

    def finish(self) -> list[str]:
        """Once per import, after the last chunk: warnings about the file as a whole."""
        return []

    @classmethod
    def detect_options(cls, layout: Layout, records: Iterable[list[str]]) -> tuple[dict[str, str], list[str]]:
        """For options left on ``auto``: the values the file's own rows show, and a note on each choice. Called
        on a first pass over the file (at most ``DETECT_ROWS`` rows) before the import proper."""
        return {}, []

    def read(self, row: Row) -> None:
        """Turn the row's cells into values; no database."""
        record, layout = row.record, self.layout
        if len(record) != len(layout.header):
            row.error("", f"has {len(record)} values but the header has {len(layout.header)} columns")
            return
        for index in layout.nameless:
            if record[index].strip():
                row.error("", f"column {index + 1} has a value but no name in the header")
        for name, index in layout.fields.items():
            text = record[index].strip()
            if not text:
                row.values[name] = self._empty[name]
                continue
            try:
                row.values[name] = self._parsers[name](text)
            except (ValueError, ValidationError) as exc:
                row.error(layout.column(name), error_text(exc))
        for key, index in layout.custom.items():
            row.custom[key] = record[index].strip()
        present = [k for k in self.key_fields if k in layout.fields]
        if present and not row.errors and not any(row.values.get(k) for k in present):
            names = " or ".join(layout.column(k) for k in present)
            row.error(layout.column(present[0]), f"is empty; a row needs {names} to match {a(self.noun)}")

    def load(self, rows: list[Row]) -> None:
        """Bulk-load what these rows refer to: existing records by key, referenced records."""
        raise NotImplementedError

    def build(self, row: Row) -> None:
        """Decide the row's record and action (create, update or unchanged) from what ``load`` found."""
        raise NotImplementedError

    def write(self, created: list[Row], updated: list[Row]) -> None:
        """Records with no service of their own (raw events) are written here; every other kind hands its rows
        to the owning room's bulk services."""
        if created:
            self.model.objects.bulk_create([r.obj for r in created])
        if updated:
            bulk.save_changed(self.model, [r.obj for r in updated], set().union(*(r.changed for r in updated)))

    # -- resumable importers: a history too large for one transaction --------------------------------------

    def begin(self, source: str) -> None:
        """Start, or resume, the pending import of this source (a digest of the file and its options)."""
        raise NotImplementedError

    def stage(self, rows: list[Row], last_line: int) -> None:
        """Store a chunk of valid rows, invisibly, in a transaction of its own (rows already stored by an
        earlier attempt are skipped)."""
        raise NotImplementedError

    def count(self, rows: list[Row]) -> int:
        """For a dry run: how many of these valid rows would be created."""
        raise NotImplementedError

    def complete(self) -> tuple[int, int]:
        """Make the whole pending import visible at once; return (created, unchanged) over all its attempts."""
        raise NotImplementedError

    def discard(self) -> None:
        """Give up the pending import: delete what it stored."""
        raise NotImplementedError

    def changes(self, row: Row) -> dict[str, Any]:
        """What the row changes on its record, by field name (foreign keys as ids), for a room's bulk service."""
        meta = self.model._meta
        return {name: getattr(row.obj, meta.get_field(name).attname) for name in row.changed}

    # -- helpers for subclasses ----------------------------------------------------------------------------

    def values_of(self, rows: list[Row], name: str) -> set[str]:
        return {r.values[name] for r in rows if r.values.get(name)}

    def match(self, row: Row, found: dict[str, dict[str, models.Model]]) -> models.Model | None:
        """The existing record the row's keys point to; an error if they point to two."""
        hits: list[tuple[str, models.Model]] = []
        for key in self.key_fields:
            value = row.values.get(key)
            obj = found.get(key, {}).get(str(value).lower()) if value else None
            if obj is not None:
                hits.append((key, obj))
        for key, obj in hits[1:]:
            first_key, first = hits[0]
            if obj.pk != first.pk:
                row.error(
                    self.layout.column(key),
                    f"{row.values[key]!r} belongs to {self.noun} '{obj}', but {self.layout.column(first_key)} "
                    f"{row.values[first_key]!r} belongs to {self.noun} '{first}'",
                )
                return None
        return hits[0][1] if hits else None

    def set_keys(self, row: Row, obj: models.Model, new: dict[str, Any]) -> None:
        """Key values go into ``new``; stored external ids are never changed and empty key cells never clear."""
        for key in self.key_fields:
            value = row.values.get(key)
            if not value:
                continue
            stored = getattr(obj, key)
            if key in self.fixed_keys and stored:
                if str(stored).lower() != str(value).lower():
                    row.error(
                        self.layout.column(key),
                        f"{self.noun} '{obj}' already has {key} {stored!r}; an import does not change it",
                    )
                continue
            new[key] = value

    def apply(self, row: Row, obj: models.Model, new: dict[str, Any]) -> None:
        """Set ``new`` values on ``obj``, validate what changed with the model's rules, and decide the action.

        Foreign keys are given as primary keys (or None). KEEP values are skipped.
        """
        meta = self.model._meta
        creating = obj.pk is None
        for name in self.required_to_create if creating else ():
            if new.get(name) in (None, "", KEEP):
                hint = "" if name in self.layout.fields else f"; the file has no {name} column"
                row.error(self.layout.column(name), f"is required to create a new {self.noun}{hint}")
        if row.errors:
            return
        changed = set()
        for name, value in new.items():
            if value is KEEP:
                continue
            attname = meta.get_field(name).attname
            if getattr(obj, attname) != value:
                setattr(obj, attname, value)
                changed.add(name)
        relations = {f.name for f in meta.fields if f.is_relation}
        # A new record is validated whole; an existing one only in what changed (old data never blocks a file).
        exclude = relations if creating else {f.name for f in meta.fields} - (changed - relations)
        if creating or changed:
            try:
                obj.full_clean(exclude=sorted(exclude), validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    column = "" if name == "__all__" else self.layout.column(name)
                    for message in messages:
                        row.error(column, message)
                return
        row.obj = obj
        row.changed = changed
        row.action = CREATED if creating else (UPDATED if changed else UNCHANGED)

    def preview_values(self, row: Row) -> dict[str, str]:
        if row.errors and len(row.record) == len(self.layout.header):  # show what the file says
            values = {name: row.record[index].strip() for name, index in self.layout.fields.items()}
        else:
            values = {name: display(row.values.get(name)) for name in self.layout.fields}
        values.update({f"{CUSTOM_PREFIX}{k}": v for k, v in row.custom.items()})
        return values


def a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


# -- reading the file --------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


AUTO = "auto"
DETECT_ROWS = 200_000


def _detected(importer_class, source, mapping, encoding, delimiter, options: dict) -> tuple[dict, list[str]]:
    """Options left on ``auto`` (the default where a kind offers it), decided by a first pass over the file."""
    auto = [name for name, allowed in importer_class.options.items()
            if allowed[0][0] == AUTO and options.get(name) in (None, "", AUTO)]
    if not auto:
        return options, []
    if not isinstance(source, str | os.PathLike) and not (hasattr(source, "seekable") and source.seekable()):
        return options, []  # a stream read once: the importer falls back on its stated default
    with opened(source) as (fb, _size):
        start = fb.tell()
        stream = iter(Lines(fb, encoding))
        first = next(stream, None)
        found, notes = {}, []
        if first is not None and first.strip():
            reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter or sniff_delimiter(first))
            try:
                header = next(reader)
                layout = Layout.build(importer_class, header, mapping)
                found, notes = importer_class.detect_options(
                    layout, (record for _, record in itertools.islice(records(reader), DETECT_ROWS)))
            except (csv.Error, ImportFileError):
                found, notes = {}, []  # the import proper reports what is wrong with the file
        if not isinstance(source, str | os.PathLike):
            fb.seek(start)
    return {**options, **{k: v for k, v in found.items() if k in auto}}, notes


Progress = Callable[[int, int, int | None], None]  # (rows so far, bytes read, file size or None)


def import_csv(
    kind: str,
    source: BinaryIO | str | os.PathLike,
    *,
    mapping: Iterable[str] | dict[str, str] | None = None,
    dry_run: bool = False,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    options: dict[str, str | None] | None = None,
) -> ImportResult:
    """Import a CSV file of ``kind`` (a path or a binary file). All or nothing: when the result has errors, or
    ``dry_run`` is set, the transaction is rolled back and the counts say what the import would have done.
    ``options`` are the kind's own (``Importer.options``; e.g. ``{"end_dates": "exclusive"}`` for subscriptions).

    Raises ImportFileError for problems with the file as a whole.
    """
    user, who = audit.current_actor()
    name = os.path.basename(str(getattr(source, "name", source)))[:80]
    # Every record the import changes is audited as this import's, and the person's who ran it.
    with audit.acting_as(user, f"{who}, importing {kind} from {name}" if user else f"import of {kind} from {name}"):
        return _import_csv(kind, source, mapping=mapping, dry_run=dry_run, encoding=encoding, delimiter=delimiter,
                           progress=progress, chunk_rows=chunk_rows, options=options)


def _import_csv(kind, source, *, mapping, dry_run, encoding, delimiter, progress, chunk_rows, options) -> ImportResult:
    importer_class = get_importer(kind)
    mapping = parse_mapping(mapping)
    options, notes = _detected(importer_class, source, mapping, encoding, delimiter, dict(options or {}))
    with opened(source) as (fb, size):
        lines = Lines(fb, encoding)
        stream = iter(lines)
        first = next(stream, None)
        if first is None or not first.strip():
            raise ImportFileError("the file is empty" if first is None else "line 1 is empty; it must name the columns")
        reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter or sniff_delimiter(first))
        try:
            header = next(reader)
        except csv.Error as exc:
            raise ImportFileError(f"line 1: {exc}") from None
        layout = Layout.build(importer_class, header, mapping)
        if importer_class.resumable:
            source = digest_of(fb, kind, mapping, encoding, delimiter)
            run = _ResumableRun(importer_class(layout, **options), dry_run, source)
            run.run(records(reader), lambda: progress and progress(run.result.rows, lines.bytes_read, size),
                    chunk_rows or importer_class.chunk_rows)
            run.result.notes = notes
            return run.result
        run = _Run(importer_class(layout, **options), dry_run)
        try:
            with transaction.atomic():
                run.importer.prepare()
                chunk: list[Row] = []
                for line, record in records(reader):
                    chunk.append(Row(line, record))
                    if len(chunk) >= (chunk_rows or importer_class.chunk_rows):
                        run.process(chunk)
                        chunk = []
                        if progress:
                            progress(run.result.rows, lines.bytes_read, size)
                if chunk:
                    run.process(chunk)
                if progress:
                    progress(run.result.rows, lines.bytes_read, size)
                if run.result.rows == 0:
                    raise ImportFileError("the file has a header but no rows")
                run.result.warnings = run.importer.finish()
                run.result.notes = notes
                if dry_run or not run.result.ok:
                    raise _Rollback
        except _Rollback:
            pass
        except DatabaseError as exc:
            # The checks above should leave nothing for the database to refuse; if it does, say so plainly.
            raise ImportFileError(f"the database refused the import near line {run.last_line}: {exc}") from None
    return run.result


class _Run:
    def __init__(self, importer: Importer, dry_run: bool):
        self.importer = importer
        layout = importer.layout
        self.result = ImportResult(
            kind=importer.kind,
            dry_run=dry_run,
            columns=[*layout.fields, *(f"{CUSTOM_PREFIX}{k}" for k in layout.custom)],
            ignored_columns=list(layout.ignored),
            custom_columns=list(layout.custom),
        )
        # key value -> (first line, a digest of its cells), to tell a repeated line from a key used twice
        self.seen_keys: dict[str, dict[str, tuple[int, bytes]]] = {
            k: {} for k in importer.key_fields if k in layout.fields
        }
        self.seen_records: dict[Any, int] = {}
        self.last_line = 0

    def process(self, rows: list[Row]) -> None:
        importer, result = self.importer, self.result
        for row in rows:
            importer.read(row)
        self._check_duplicates(rows)
        live = [r for r in rows if not r.errors and r.action != DUPLICATE]
        importer.load(live)
        for row in live:
            importer.build(row)
            if row.obj is not None and row.obj.pk is not None and not row.errors:
                first = self.seen_records.setdefault(row.obj.pk, row.line)
                if first != row.line:
                    row.error("", f"matches the same {importer.noun} ('{row.obj}') as line {first}")
        for row in rows:
            if row.errors:
                row.action = FAILED
                for error in row.errors:
                    result.add_error(error)
            elif row.action == CREATED:
                result.created += 1
            elif row.action == UPDATED:
                result.updated += 1
            elif row.action == DUPLICATE:
                result.duplicates += 1
            else:
                result.unchanged += 1
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append(PreviewRow(row.line, row.action, importer.preview_values(row)))
            row.record = []  # the chunk's text is no longer needed
        result.rows += len(rows)
        self.last_line = rows[-1].line
        if result.ok:
            importer.write([r for r in rows if r.action == CREATED], [r for r in rows if r.action == UPDATED])

    def _check_duplicates(self, rows: list[Row]) -> None:
        for row in rows:
            if row.errors:
                continue
            cells = hashlib.blake2b("\x1f".join(c.strip() for c in row.record).encode(), digest_size=16).digest()
            for key, seen in self.seen_keys.items():
                value = row.values.get(key)
                if not value:
                    continue
                first, first_cells = seen.setdefault(str(value).lower(), (row.line, cells))
                if first == row.line:
                    continue
                if first_cells == cells:
                    row.action = DUPLICATE  # the same line again: nothing more to import
                    break
                row.error(self.importer.layout.column(key), f"{value!r} is also on line {first}")


@contextlib.contextmanager
def _collections_between_chunks() -> Iterator[Callable[[], Any]]:
    """Python's cycle collector paused while a chunk is read, and run on the young objects between chunks.

    A chunk is tens of thousands of rows, each a few containers: left to itself the collector runs every 700 new
    containers and, every so often, over every object of the process; that was a third of a history import's time.
    Garbage in cycles now waits at most one chunk for its memory back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


class _ResumableRun(_Run):
    """A file too large for one transaction (a usage history): each chunk is validated, then stored in a
    transaction of its own as part of one pending import that counts nowhere yet (the importer's ``stage``).
    At the end the importer ``complete``s it: all rows become visible at once. A file with a bad row is
    read to the end for its errors, then the pending import is ``discard``ed: nothing of it was ever visible.
    An exception (the database, an interrupted process) leaves it pending and still invisible: running the
    same file again (same bytes and options) skips the lines already stored and carries on.
    """

    def __init__(self, importer: Importer, dry_run: bool, source: str):
        super().__init__(importer, dry_run)
        self.source = source
        self.started = False
        # On PostgreSQL (its work is done by another process) and outside a caller's transaction, a chunk is stored
        # by a thread of its own while the next is read. SQLite works in this process: measured, it gained nothing.
        beside = not dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block
        self.storing = StoredBeside() if beside else StoredHere()

    def run(self, records: Iterable[tuple[int, list[str]]], progress: Callable[[], Any], chunk_rows: int) -> None:
        importer, result = self.importer, self.result
        importer.prepare()
        with _collections_between_chunks() as collect, self.storing:
            chunk: list[Row] = []
            for line, record in records:
                chunk.append(Row(line, record))
                if len(chunk) >= chunk_rows:
                    self.process(chunk)
                    chunk = []
                    collect()
                    progress()
            if chunk:
                self.process(chunk)
            self.storing.wait()  # the last chunk is stored (or its error raised) before completing
        progress()
        if result.rows == 0:
            raise ImportFileError("the file has a header but no rows")
        if self.started:
            if not result.ok:
                importer.discard()
                return
            try:
                result.created, result.unchanged = importer.complete()
            except DatabaseError as exc:
                raise ImportFileError(
                    f"the database refused the import at its end: {exc}; nothing of the file is visible, and "
                    f"importing the same file again carries on from where it stopped"
                ) from None

    def process(self, rows: list[Row]) -> None:
        importer, result = self.importer, self.result
        for row in rows:
            importer.read(row)
        importer.load(rows)
        for row in rows:
            if row.errors:
                row.action = FAILED
                for error in row.errors:
                    result.add_error(error)
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append(PreviewRow(row.line, row.action, importer.preview_values(row)))
            row.record = []
        result.rows += len(rows)
        self.last_line = rows[-1].line
        if not result.ok:
            return
        if result.dry_run:
            created = importer.count(rows)
            result.created += created
            result.unchanged += len(rows) - created
            return
        if not self.started:
            importer.begin(self.source)
            self.started = True
        self.storing.submit(self._stage, rows, self.last_line)

    def _stage(self, rows: list[Row], last_line: int) -> None:
        try:
            self.importer.stage(rows, last_line)
        except DatabaseError as exc:
            raise ImportFileError(
                f"the database refused the import near line {last_line}: {exc}; nothing of the file is "
                f"visible, and importing the same file again carries on from where it stopped"
            ) from None
