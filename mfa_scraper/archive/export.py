"""Export articles (latest versions or all) to JSON Lines, CSV or Parquet, written atomically.

pyarrow is imported by the functions that write Parquet: ``EXPORT_FORMATS`` is read by the
command line's ``--help``, which must start quickly."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mfa_scraper.items import to_jsonable

from .errors import ArchiveError, ArchiveWriteError

if TYPE_CHECKING:
    import pyarrow as pa

EXPORT_FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def format_for(path: str | os.PathLike[str], fmt: str | None) -> str:
    """``fmt``, or the format named by the file's suffix; ArchiveError when neither says."""
    if fmt is not None:
        if fmt not in EXPORT_FORMATS:
            raise ArchiveError(f"unknown export format {fmt!r}: use one of {EXPORT_FORMATS}")
        return fmt
    found = _SUFFIXES.get(Path(path).suffix.lower())
    if found is None:
        raise ArchiveError(f"cannot tell the format of {path} from its name: give --format "
                           f"({', '.join(EXPORT_FORMATS)})")
    return found


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any) -> Any:
    """A value for a CSV cell: lists and structs as JSON, datetimes as ISO 8601, None empty;
    text a spreadsheet would run as a formula gets a leading ``'`` (shown as text)."""
    value = to_jsonable(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def text_lines(table: pa.Table, fmt: str) -> Iterator[str]:
    """The rows of ``table`` as JSON Lines or CSV (a header first), one string per line."""
    if fmt == "jsonl":
        for row in table.to_pylist():
            yield json.dumps(to_jsonable(row), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow([csv_value(v) for v in row.values()])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_export(table: pa.Table, out: str | os.PathLike[str], fmt: str) -> None:
    """Write ``table`` to ``out`` in ``fmt`` (jsonl, csv, parquet), atomically: under a
    temporary name next to it, then renamed. ArchiveWriteError when that fails."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .store import COMPRESSION

    target = Path(out)
    if not target.parent.is_dir():
        raise ArchiveWriteError(f"could not write {target}: the folder {target.parent} "
                                "does not exist")
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        if fmt == "parquet":
            pq.write_table(table, tmp, compression=COMPRESSION)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as stream:
                stream.writelines(text_lines(table, fmt))
        os.replace(tmp, target)
    except (OSError, pa.ArrowException) as error:
        tmp.unlink(missing_ok=True)
        raise ArchiveWriteError(f"could not write {target}: {error}") from error


def export_articles(archive, out: str | os.PathLike[str], fmt: str | None = None, *,
                    all_versions: bool = False, **filters: Any) -> int:
    """Export the articles of ``archive`` (an ``Archive``) to the file ``out``; return the
    number of rows. The latest version of each article, or every version with
    ``all_versions``; ``filters`` are those of ``Archive.select``. ``fmt`` defaults to the
    format of ``out``'s suffix. Every column of the documented schema is written (``site``
    included); CSV holds lists and structs as JSON text.
    """
    fmt = format_for(out, fmt)
    table = archive.select(all_versions=all_versions, **filters)
    write_export(table, out, fmt)
    return table.num_rows
