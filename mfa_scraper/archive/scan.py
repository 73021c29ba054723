"""Read the archive files a few columns at a time: keys of every row, the rest of the winners.

Files are read one at a time; other columns are read again only for the rows that win.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .lookup import arange, best_rows, both_hashes, highest_per_id, to_q
from .outcomes import SUCCESS_OUTCOMES
from .schema import ARTICLES_FILE_SCHEMA, FETCHES_FILE_SCHEMA, PARTITION
from .store import read_file

KEY_COLUMNS = ["article_id", "version"]
FETCH_KEY_COLUMNS = ["article_id", "fetched_at", "outcome"]
FETCH_STATE_COLUMNS = ["fetched_at", "etag", "last_modified"]


class Scan:
    """The files of one table: read a few columns of all rows, then more of a few rows."""

    def __init__(self, files: list[Path], schema: pa.Schema):
        """Prepare to read ``files``, which share the file schema ``schema``."""
        self.files = files
        self.schema = schema
        self.offsets = [0]  # the global number of each file's first row
        self._footers: list[object] = []

    def tables(self, columns: list[str]) -> Iterator[pa.Table]:
        """``columns`` of each file in turn; rows are numbered across files in this order."""
        for path in self.files:
            yield self._counted(read_file(path, self.schema, columns, with_metadata=True))

    def _counted(self, read: tuple[pa.Table, object]) -> pa.Table:
        """Record the row numbers and footer of the next file; return its table."""
        table, footer = read
        self.offsets.append(self.offsets[-1] + table.num_rows)
        self._footers.append(footer)
        return table

    def gather(self, rows: pa.Array, columns: list[str]) -> list[pa.Table]:
        """``columns`` at ``rows`` (ascending global numbers), one table per file holding
        some, each file read at most once."""
        wanted, parts = to_q(rows), []
        for i, path in enumerate(self.files):
            lo = bisect.bisect_left(wanted, self.offsets[i])
            hi = bisect.bisect_left(wanted, self.offsets[i + 1], lo)
            if lo < hi:
                table = read_file(path, self.schema, columns, metadata=self._footers[i])
                parts.append(table.take(pc.subtract(rows[lo:hi], self.offsets[i])))
        return parts


def _concat(arrays: list[pa.Array], arrow_type: pa.DataType) -> pa.Array:
    """``arrays`` as one array of ``arrow_type``."""
    return pa.concat_arrays(arrays) if arrays else pa.array([], arrow_type)


def articles_scan(files: list[Path]) -> Scan:
    """A scan of ``articles`` files."""
    return Scan(files, ARTICLES_FILE_SCHEMA)


def scan_fetch_state(files: list[Path], hashes: pa.Array, checks: pa.Array) -> pa.Table:
    """For each article (given by the two hashes of its id): its latest successful fetch.

    Returns ``fetched_at``, ``etag``, ``last_modified`` aligned with ``hashes``, null where
    no fetch new, changed, unchanged or not_modified is logged in ``files``.
    """
    scan, firsts, seconds, times = Scan(files, FETCHES_FILE_SCHEMA), [], [], []
    successful = pa.array(SUCCESS_OUTCOMES)
    for table in scan.tables(FETCH_KEY_COLUMNS):
        ids = table["article_id"]
        useful = pc.and_(pc.is_valid(ids), pc.is_in(table["outcome"], value_set=successful))
        first, second = both_hashes(ids)
        firsts.append(pc.if_else(useful, first, None).combine_chunks())
        seconds.append(second)
        times.append(pc.divide(table["fetched_at"].cast(pa.int64()), 1_000_000).combine_chunks())
    local = pc.index_in(_concat(firsts, pa.int64()), value_set=hashes)
    same = pc.equal(_concat(seconds, pa.int64()), checks.take(local))
    times = _concat(times, pa.int64())
    since_first = pc.subtract(times, pc.min(times))  # seconds from the first fetch fit 31 bits
    found, rows = best_rows(pc.if_else(same, local, None), since_first)
    order = pc.sort_indices(rows)
    parts = scan.gather(rows.take(order), FETCH_STATE_COLUMNS)
    empty = pa.schema([FETCHES_FILE_SCHEMA.field(c) for c in FETCH_STATE_COLUMNS]).empty_table()
    state = pa.concat_tables(parts).combine_chunks() if parts else empty
    where = pc.index_in(arange(len(hashes)).cast(pa.int32()), value_set=found.take(order))
    return state.take(where)


def read_latest(files: list[Path], schema: pa.Schema) -> pa.Table:
    """The columns of ``schema`` (``articles`` columns, the partition column allowed) of the
    highest version of each article in ``files`` (sorted paths), sorted by article_id.

    Keys are read first; then each file's other columns once, keeping only its winning rows.
    """
    scan = articles_scan(files)
    keys = list(scan.tables(KEY_COLUMNS))
    if not keys:
        return schema.empty_table()
    keys = pa.concat_tables(keys).append_column("row", arange(scan.offsets[-1]))
    keys = keys.filter(pc.and_(pc.is_valid(keys["article_id"]), pc.is_valid(keys["version"])))
    rows = highest_per_id(keys)["row"].combine_chunks()  # in article_id order
    if not len(rows):
        return schema.empty_table()
    by_row = pc.sort_indices(rows)
    ascending = rows.take(by_row)
    wanted, parts = to_q(ascending), []
    stored = [name for name in schema.names if name != PARTITION]
    for i, path in enumerate(files):
        lo = bisect.bisect_left(wanted, scan.offsets[i])
        hi = bisect.bisect_left(wanted, scan.offsets[i + 1], lo)
        if lo < hi:
            table = read_file(path, scan.schema, stored, metadata=scan._footers[i])
            table = table.take(pc.subtract(ascending[lo:hi], scan.offsets[i]))
            if PARTITION in schema.names:
                site = pa.repeat(pa.scalar(path.parent.name.partition("=")[2]), hi - lo)
                table = table.append_column(PARTITION, site)
            parts.append(table.select(schema.names))
    return pa.concat_tables(parts).take(pc.sort_indices(by_row))
