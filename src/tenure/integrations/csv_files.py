"""Reading a CSV file for an import: opening it (path or stream, with its size for progress), decoding its lines
with errors that name the line, guessing the delimiter, its records without blank lines, and a digest that names
the file and its options so that running it again resumes it. What the rows mean is csv_import's and the
importers'."""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tenure.integrations.csv_cells import ImportFileError


class Lines:
    """Decoded lines of a binary file, counting bytes for progress; decoding errors name the line."""

    def __init__(self, fb: BinaryIO, encoding: str):
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(f"unknown encoding {encoding!r}") from None
        if "a,;\t\n".encode(info.name) != b"a,;\t\n":
            raise ImportFileError(f"encoding {encoding} is not supported; save the file as CSV UTF-8")
        self.fb = fb
        self.encoding = info.name
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        utf8 = self.encoding == "utf-8"
        for number, raw in enumerate(self.fb, 1):
            self.bytes_read += len(raw)
            if number == 1:
                if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise ImportFileError("the file is UTF-16 text; save it as CSV UTF-8")
                if utf8:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                yield raw.decode(self.encoding)
            except UnicodeDecodeError as exc:
                name = "UTF-8" if utf8 else self.encoding
                raise ImportFileError(
                    f"line {number}: byte 0x{raw[exc.start]:02x} (byte {exc.start + 1} of the line) is not "
                    f"{name} text; save the file as CSV UTF-8 (on the command line, --encoding can name another "
                    f"encoding, for example cp1252)"
                ) from None


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def records(reader) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells), skipping blank lines."""
    previous = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = " (is the file UTF-16? save it as CSV UTF-8)" if "NUL" in str(exc) else ""
            raise ImportFileError(f"line {reader.line_num}: {exc}{hint}") from None
        line, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield line, record


@contextlib.contextmanager
def opened(source: BinaryIO | str | os.PathLike) -> Iterator[tuple[BinaryIO, int | None]]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            fb = path.open("rb")
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
        with fb:
            yield fb, path.stat().st_size
        return
    size = None
    with contextlib.suppress(AttributeError, OSError, ValueError):
        size = os.fstat(source.fileno()).st_size
    yield source, size


def digest_of(fb: BinaryIO, kind: str, mapping: dict[str, str], encoding: str, delimiter: str | None) -> str:
    """Names one file with its options, so that running it again resumes it: a digest of its bytes (read once
    more, from the start) or, for a stream that cannot be re-read, of nothing that repeats."""
    digest = hashlib.sha256(json.dumps([kind, sorted(mapping.items()), encoding, delimiter]).encode())
    try:
        position = fb.tell()
        fb.seek(0)
        while block := fb.read(1 << 20):
            digest.update(block)
        fb.seek(position)
    except (AttributeError, OSError, ValueError):
        digest.update(os.urandom(16))
    return f"{kind}:{digest.hexdigest()}"
