"""Printing rows for the command line: table, JSON, JSON Lines or CSV (sqlite-utils style).

``table`` is the default on a terminal, ``jsonl`` when the output is piped. Values print as
JSON would hold them (datetimes as ISO 8601); in a table and in CSV, lists and structs are
JSON text (a table joins lists of strings with ``, ``).

A table fits the terminal's width ($COLUMNS, else the terminal's; none when the output is not
a terminal): free text (title, message, ...) is shortened with an ellipsis first, then columns
are left out, named in a last line. An identifier a user copies into another command
(article_id, url, run_id, a path) is never cut: it is shown whole or, apart from the table's
first identifier, left out.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from mfa_scraper.items import to_jsonable

FORMATS = ("table", "json", "jsonl", "csv")
CELL_WIDTH = 60  # a table cell is cut to this many characters (an identifier never is)
WRAP_INDENT = "  "  # the second line of a row whose id takes the whole first one
ELLIPSIS = "…"
GAP = "  "  # between table columns
# Values a user copies into another command: never cut; the first of a table never left out.
IDENTIFIERS = frozenset({"article_id", "url", "run_id", "path", "output"})
# Free text: shortened (down to MIN_TEXT characters) before any column is left out.
TEXT = frozenset({"title", "message", "changed", "reasons", "access", "error", "diff", "old",
                  "new", "categories"})
MIN_TEXT = 12
# Left out first (after empty columns) when a table is too wide, most dispensable first.
DISPENSABLE = ("first_seen", "finished_at", "started_at", "language", "listing_pages", "failed",
               "gone", "versions_written", "status", "version")
# What a row is about: left out only after the text columns.
ESSENTIAL = frozenset({"kind", "outcome", "check", "verdict"})


def default_format(stream) -> str:
    """``table`` when ``stream`` is a terminal, else ``jsonl``."""
    isatty = getattr(stream, "isatty", None)
    return "table" if isatty is not None and isatty() else "jsonl"


def _dumps(value: Any, indent: int | None = None) -> str:
    """JSON text of a value, non-ASCII kept."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent)


# C0 controls but tab and newline, DEL and the C1 controls (ESC starts terminal escape
# sequences, a carriage return overwrites what the line showed).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with each terminal control character shown as U+FFFD."""
    return _CONTROLS.sub("\ufffd", text)


def cell(value: Any, width: int | None = CELL_WIDTH) -> str:
    """A value as a one-line table cell, cut to ``width`` characters, with no terminal
    control character (a title holding escape sequences must not recolour, move or retitle
    the user's terminal; JSON and CSV keep the text exactly)."""
    value = to_jsonable(value)
    if value is None:
        text = ""
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    text = printable(" ".join(text.split()))
    if width is not None and len(text) > width:
        text = text[: width - 1] + ELLIPSIS
    return text


def terminal_width() -> int | None:
    """The width tables must fit: $COLUMNS, else the terminal's; None (no limit) when the
    output is not a terminal."""
    return shutil.get_terminal_size(fallback=(0, 0)).columns or None


def _shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS


def _share(wanted: dict[str, int], room: int) -> dict[str, int]:
    """Widths for text columns that want ``wanted`` characters within ``room``: the narrow
    ones get what they want, the rest share what is left evenly."""
    widths: dict[str, int] = {}
    for count, name in enumerate(sorted(wanted, key=wanted.__getitem__)):
        widths[name] = min(wanted[name], room // (len(wanted) - count))
        room -= widths[name]
    return widths


def fit_columns(columns: Sequence[str], widths: dict[str, int], limit: int | None,
                empty: Iterable[str] = ()) -> tuple[list[str], dict[str, int]]:
    """The columns kept and their widths for a table of at most ``limit`` characters a line.

    Text columns (``TEXT``) shrink first, down to ``MIN_TEXT``; then columns are left out:
    the ``empty`` ones, the ``DISPENSABLE`` ones, the others from the right but the
    ``ESSENTIAL`` ones, then text columns, the essential ones, identifiers but the first.
    Identifiers keep their full width: a table whose first identifier is wider than
    ``limit`` is wider too.
    """
    kept = list(columns)
    if limit is None:
        return kept, dict(widths)
    ids = [name for name in kept if name in IDENTIFIERS]
    rest = [name for name in kept[::-1] if name not in ids and name not in empty]
    order = [*(name for name in kept if name in empty and name not in ids),
             *(name for name in DISPENSABLE if name in rest),
             *(name for name in rest if name not in (*TEXT, *ESSENTIAL, *DISPENSABLE)),
             *(name for name in rest if name in TEXT),
             *(name for name in rest if name in ESSENTIAL),
             *ids[:0:-1]]  # what is left out first, in order
    while True:
        texts = {name: widths[name] for name in kept if name in TEXT}
        fixed = sum(widths[name] for name in kept if name not in TEXT)
        room = limit - fixed - len(GAP) * (len(kept) - 1)
        least = sum(min(w, max(MIN_TEXT, len(name))) for name, w in texts.items())
        if room >= least or not order:
            fitted = {name: widths[name] for name in kept}
            fitted.update(_share(texts, max(room, least)))
            return kept, fitted
        kept.remove(order.pop(0))


def table_lines(rows: list[dict[str, Any]], columns: Sequence[str],
                width: int | None = None) -> Iterator[str]:
    """An aligned text table: a header, a rule, one line per row; within ``width``
    characters a line (see ``fit_columns``), with a last line naming the columns left out."""
    cells = [{name: cell(row.get(name), None if name in IDENTIFIERS else CELL_WIDTH)
              for name in columns} for row in rows]
    natural = {name: max([len(name)] + [len(line[name]) for line in cells]) for name in columns}
    empty = [name for name in columns if not any(line[name] for line in cells)]
    kept, widths = fit_columns(columns, natural, width, empty)
    first, rest = columns[0], [name for name in columns[1:] if name not in empty]
    if width and first in IDENTIFIERS and rest and not set(rest) <= set(kept):
        # The id takes the line: it gets a line of its own, the other columns the next one.
        kept, widths = fit_columns(rest, natural, width - len(WRAP_INDENT), empty)
        rows_lines = [[line[first], WRAP_INDENT + _joined(line, kept, widths)] for line in cells]
        yield first
        yield WRAP_INDENT + _joined({name: name for name in kept}, kept, widths)
        yield "-" * min(width, max(natural[first], len(WRAP_INDENT) + sum(widths.values())))
        for pair in rows_lines:
            yield from pair
        kept = [first, *kept]
    else:
        yield _joined({name: name for name in kept}, kept, widths)
        yield GAP.join("-" * widths[name] for name in kept)
        for line in cells:
            yield _joined(line, kept, widths)
    left_out = [name for name in columns if name not in kept]
    if left_out:
        note = (f"left out to fit {width} columns: {', '.join(left_out)} "
                "(--format json shows every column)")
        yield from textwrap.wrap(note, width, break_long_words=False, break_on_hyphens=False)


def _joined(line: dict[str, str], kept: Sequence[str], widths: dict[str, int]) -> str:
    """One table line: the ``kept`` cells of ``line``, each cut and padded to its width."""
    return GAP.join(_shorten(line[name], widths[name]).ljust(widths[name])
                    for name in kept).rstrip()


def csv_lines(rows: list[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """CSV lines: a header, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
    yield from buffer.getvalue().splitlines()


def _csv_cell(value: Any) -> Any:
    """A CSV cell, as ``export`` writes it (formulas neutralised)."""
    from mfa_scraper.archive.export import csv_value

    return csv_value(value)


def format_rows(rows: Iterable[dict[str, Any]], fmt: str,
                columns: Sequence[str] | None = None, *, indent: int = 0) -> Iterator[str]:
    """``rows`` as lines of text in ``fmt`` (one of ``FORMATS``).

    ``columns`` picks and orders the fields (default: those of the first row); JSON and
    JSON Lines keep only those too. A table fits ``terminal_width()`` less ``indent``.
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
            width = terminal_width()
            yield from table_lines(picked, columns, None if width is None else width - indent)
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
            yield from (f"  {printable(line)}" for line in value.splitlines())
        else:
            yield f"{name.ljust(width)}  {cell(value, None)}"


def section_lines(sections: dict[str, list[dict[str, Any]]], fmt: str) -> Iterator[str]:
    """Named groups of rows: a titled table per section, one JSON object of lists, or rows
    with a leading ``section`` field (JSON Lines, CSV with the union of the columns)."""
    if fmt == "table":
        for name, rows in sections.items():
            yield f"{name}:"
            yield from (f"  {line}" for line in format_rows(rows, fmt, indent=2))
            yield ""
        return
    if fmt == "json":
        yield _dumps(sections, indent=2)
        return
    rows = [{"section": name, **row} for name, group in sections.items() for row in group]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    yield from format_rows(rows, fmt, columns)
