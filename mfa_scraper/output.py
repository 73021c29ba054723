"""Printing rows for the command line: table, JSON, JSON Lines or CSV (sqlite-utils style).

``table`` is the default on a terminal, ``jsonl`` when the output is piped. Values print as
JSON would hold them (datetimes as ISO 8601); in a table and in CSV, lists and structs are
JSON text (a table joins lists of strings with ``, ``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from mfa_scraper.items import to_jsonable

FORMATS = ("table", "json", "jsonl", "csv")
CELL_WIDTH = 60  # a table cell is cut to this many characters
ELLIPSIS = "…"


def default_format(stream) -> str:
    """``table`` when ``stream`` is a terminal, else ``jsonl``."""
    isatty = getattr(stream, "isatty", None)
    return "table" if isatty is not None and isatty() else "jsonl"


def _dumps(value: Any, indent: int | None = None) -> str:
    """JSON text of a value, non-ASCII kept."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent)


def cell(value: Any, width: int | None = CELL_WIDTH) -> str:
    """A value as a one-line table cell, cut to ``width`` characters."""
    value = to_jsonable(value)
    if value is None:
        text = ""
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    text = " ".join(text.split())
    if width is not None and len(text) > width:
        text = text[: width - 1] + ELLIPSIS
    return text


def table_lines(rows: list[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """An aligned text table: a header, a rule, one line per row."""
    cells = [[cell(row.get(name)) for name in columns] for row in rows]
    widths = [max([len(name)] + [len(line[i]) for line in cells]) for i, name in enumerate(columns)]
    yield "  ".join(name.ljust(w) for name, w in zip(columns, widths, strict=True)).rstrip()
    yield "  ".join("-" * w for w in widths)
    for line in cells:
        yield "  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()


def csv_lines(rows: list[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """CSV lines: a header, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
    yield from buffer.getvalue().splitlines()


def _csv_cell(value: Any) -> Any:
    """A CSV cell: lists and structs as JSON, None empty."""
    value = to_jsonable(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def format_rows(rows: Iterable[dict[str, Any]], fmt: str,
                columns: Sequence[str] | None = None) -> Iterator[str]:
    """``rows`` as lines of text in ``fmt`` (one of ``FORMATS``).

    ``columns`` picks and orders the fields (default: those of the first row); JSON and
    JSON Lines keep only those too.
    """
    rows = list(rows)
    columns = list(columns or (rows[0].keys() if rows else []))
    picked = [{name: row.get(name) for name in columns} for row in rows]
    if fmt == "json":
        yield _dumps(picked, indent=2)
    elif fmt == "jsonl":
        yield from (_dumps(row) for row in picked)
    elif fmt == "csv":
        yield from csv_lines(picked, columns)
    elif fmt == "table":
        if picked:
            yield from table_lines(picked, columns)
    else:
        raise ValueError(f"unknown output format {fmt!r}: use one of {FORMATS}")


def record_lines(record: dict[str, Any], fmt: str) -> Iterator[str]:
    """One record: in a table, one ``field: value`` line per field (lists one item a line,
    long text kept whole); in the other formats, as a single row."""
    if fmt != "table":
        yield from format_rows([record], fmt)
        return
    width = max(len(name) for name in record)
    for name, value in record.items():
        value = to_jsonable(value)
        if isinstance(value, list) and value:
            yield f"{name}:"
            yield from (f"  - {cell(item, None)}" for item in value)
        elif isinstance(value, str) and "\n" in value:
            yield f"{name}:"
            yield from (f"  {line}" for line in value.splitlines())
        else:
            yield f"{name.ljust(width)}  {cell(value, None)}"


def section_lines(sections: dict[str, list[dict[str, Any]]], fmt: str) -> Iterator[str]:
    """Named groups of rows: a titled table per section, one JSON object of lists, or rows
    with a leading ``section`` field (JSON Lines, CSV with the union of the columns)."""
    if fmt == "table":
        for name, rows in sections.items():
            yield f"{name}:"
            yield from (f"  {line}" for line in format_rows(rows, fmt))
            yield ""
        return
    if fmt == "json":
        yield _dumps(sections, indent=2)
        return
    rows = [{"section": name, **row} for name, group in sections.items() for row in group]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    yield from format_rows(rows, fmt, columns)
