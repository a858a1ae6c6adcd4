"""CSV cells and columns: how a cell's text becomes a value, and how a file's header maps to an importer's
fields (``--map our_field=their column``). Used by the import engine in ``csv_import``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from tenure.integrations.csv_import import Importer


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, header, mapping, kind). Nothing was written."""


# -- cell parsers: text (stripped, never empty) -> value; they raise ValueError or ValidationError ------------


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date; expected YYYY-MM-DD, such as 2026-03-01") from None


def parse_datetime(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date-time; expected ISO 8601, such as 2026-03-01T09:30:00Z or 2026-03-01"
        ) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def parse_int(text: str) -> int:
    cleaned = text.replace(",", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        number = float(cleaned)  # spreadsheets write 25 as 25.0
    except ValueError:
        number = None
    if number is not None and number.is_integer():
        return int(number)
    raise ValueError(f"{text!r} is not a whole number")


def parse_bool(text: str) -> bool:
    value = text.lower()
    if value in {"1", "true", "yes", "y", "x"}:
        return True
    if value in {"0", "false", "no", "n"}:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def choice_parser(model_field: models.Field) -> Callable[[str], str]:
    """Accept a choice by its value or its label, ignoring case ('Past due', 'past_due', 'PAST DUE')."""
    known: dict[str, str] = {}
    for value, label in model_field.choices:
        for spelling in (str(value), str(label)):
            known[spelling.lower()] = value
            known[spelling.lower().replace("_", " ")] = value
    values = ", ".join(str(v) for v, _ in model_field.choices)

    def parse(text: str) -> str:
        try:
            return known[" ".join(text.lower().replace("_", " ").split())]
        except KeyError:
            raise ValueError(f"{text!r} is not one of: {values}") from None

    return parse


def model_parser(model_field: models.Field) -> Callable[[str], Any]:
    if model_field.choices:
        return choice_parser(model_field)
    if isinstance(model_field, models.DateTimeField):
        return parse_datetime
    if isinstance(model_field, models.DateField):
        return parse_date
    if isinstance(model_field, models.BooleanField):
        return parse_bool
    if isinstance(model_field, models.IntegerField):
        return parse_int
    if isinstance(model_field, models.DecimalField):
        return _parse_decimal
    return str


def _parse_decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except ArithmeticError:
        raise ValueError(f"{text!r} is not a number") from None


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def display(value: Any) -> str:
    if value is None or value is KEEP:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    if isinstance(value, models.Model):
        return getattr(value, "username", None) or str(value)
    return str(value)


class _Keep:
    """An empty cell for a field a record cannot be without: the default when creating, unchanged otherwise."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


# -- fields, columns and layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A column an importer understands. ``parse`` turns non-empty text into a value; by default it comes from
    the model field of the same name (choices, dates, numbers), or is the importer's ``parse_<name>`` method."""

    name: str
    help: str
    parse: Callable[[str], Any] | None = None


def column_key(name: str) -> str:
    """'CRM Id' -> 'crm_id': how a header names a field."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def parse_mapping(lines: Iterable[str] | dict[str, str] | None) -> dict[str, str]:
    """Read 'our_field=their column' lines (the --map options, or the Import page's mapping box)."""
    if not lines:
        return {}
    if isinstance(lines, dict):
        return {k.strip(): v.strip() for k, v in lines.items()}
    mapping: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        ours, sep, theirs = line.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise ImportFileError(f"mapping {line!r} is not of the form our_field=their column")
        if ours in mapping:
            raise ImportFileError(f"mapping names the field {ours!r} twice")
        mapping[ours] = theirs
    return mapping


CUSTOM_PREFIX = "custom."


@dataclass
class Layout:
    """Which column of the file feeds which field."""

    header: list[str]
    fields: dict[str, int]  # field name -> column index
    custom: dict[str, int]  # custom attribute key -> column index
    ignored: list[str]
    nameless: list[int]

    def column(self, name: str) -> str:
        """The file's name for the column of a field (the field's own name if the file has no such column)."""
        index = self.fields.get(name)
        return self.header[index] if index is not None else name

    @classmethod
    def build(cls, importer: type[Importer], raw_header: list[str], mapping: dict[str, str]) -> Layout:
        header = [h.strip() for h in raw_header]
        field_names = importer.field_names()
        positions: dict[str, int] = {}
        nameless = []
        for index, name in enumerate(header):
            if not name:
                nameless.append(index)
            elif name in positions:
                raise ImportFileError(
                    f"column '{name}' appears twice in the header (columns {positions[name] + 1} and {index + 1})"
                )
            else:
                positions[name] = index
        by_key: dict[str, list[int]] = {}
        for name, index in positions.items():
            by_key.setdefault(column_key(name), []).append(index)

        fields: dict[str, int] = {}
        custom: dict[str, int] = {}
        used: set[int] = set()
        for ours, theirs in mapping.items():
            is_custom = importer.keeps_custom and ours.startswith(CUSTOM_PREFIX) and len(ours) > len(CUSTOM_PREFIX)
            if ours not in field_names and not is_custom:
                extra = f", or {CUSTOM_PREFIX}NAME for a custom attribute" if importer.keeps_custom else ""
                raise ImportFileError(
                    f"--map {ours}={theirs}: {importer.kind} have no field {ours!r}; "
                    f"the fields are {', '.join(field_names)}{extra}"
                )
            index = positions.get(theirs)
            if index is None:
                candidates = by_key.get(column_key(theirs), [])
                index = candidates[0] if len(candidates) == 1 else None
            if index is None:
                raise ImportFileError(
                    f"--map {ours}={theirs}: the file has no column '{theirs}'; its columns are "
                    + ", ".join(f"'{h}'" for h in header if h)
                )
            if is_custom:
                custom[ours[len(CUSTOM_PREFIX):]] = index
            else:
                fields[ours] = index
            used.add(index)

        for name, index in positions.items():
            if index in used:
                continue
            key = column_key(name)
            if key in field_names and key not in mapping:
                if key in fields:
                    raise ImportFileError(
                        f"columns '{header[fields[key]]}' and '{name}' both name the field {key}; "
                        f"choose one with --map {key}=COLUMN"
                    )
                fields[key] = index
                used.add(index)
        ignored = []
        for name, index in positions.items():
            if index in used:
                continue
            if importer.keeps_custom:
                custom[name] = index
            else:
                ignored.append(name)

        for group in importer.required_columns:
            if not any(name in fields for name in group):
                if len(group) == 1:
                    raise ImportFileError(
                        f"the file has no '{group[0]}' column, which {importer.kind} need "
                        f"(name another column with --map {group[0]}=COLUMN)"
                    )
                raise ImportFileError(
                    f"the file needs one of the columns {', '.join(group)} to match {importer.kind} "
                    f"(or --map one of them to a column of the file)"
                )
        # Keep the file's column order so previews read like the file.
        ordered = dict(sorted(fields.items(), key=lambda item: item[1]))
        return cls(header=header, fields=ordered, custom=custom, ignored=ignored, nameless=nameless)
