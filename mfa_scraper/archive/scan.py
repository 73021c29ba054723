"""Read the archive files a few columns at a time: keys of every row, the rest of the winners.

Files are read a few at a time; other columns are read again only for the rows that win.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import accumulate, pairwise, repeat
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .lookup import arange, best_rows, both_hashes, from_array, highest_per_id, to_q
from .outcomes import SUCCESS_OUTCOMES
from .schema import ARTICLES_FILE_SCHEMA, FETCHES_FILE_SCHEMA, PARTITION
from .store import read_file

KEY_COLUMNS = ["article_id", "version"]
FETCH_KEY_COLUMNS = ["article_id", "fetched_at", "outcome"]
FETCH_STATE_COLUMNS = ["fetched_at", "etag", "last_modified"]
BLOCK_ROWS = 32_768  # latest() builds its result in chunks of this many rows (~64 MB)


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


def read_latest(files: list[Path], schema: pa.Schema, *, threads: int = 2,
                block_rows: int = BLOCK_ROWS) -> pa.Table:
    """The columns of ``schema`` (``articles`` columns, the partition column allowed) of the
    highest version of each article in ``files`` (sorted paths), sorted by article_id.

    Keys are read first; then each file's other columns once, keeping only its winning rows
    (``threads`` files at a time). Files whose winners interleave by article_id form a group
    (a site's files, typically): each group is merged and its files' winners freed before
    the next is read, so the result is built with little more memory than it takes.
    """
    scan = articles_scan(files)
    keys = list(scan.tables(KEY_COLUMNS))
    if not keys:
        return schema.empty_table()
    keys = pa.concat_tables(keys).append_column("row", arange(scan.offsets[-1]))
    keys = keys.filter(pc.and_(pc.is_valid(keys["article_id"]), pc.is_valid(keys["version"])))
    best = highest_per_id(keys)  # the winners' keys, in article_id order
    rows = best["row"].combine_chunks()
    if not len(rows):
        return schema.empty_table()
    file_of = array("i")  # the index of the file of each row, then of each result row
    for i, (start, stop) in enumerate(pairwise(scan.offsets)):
        file_of.extend(array("i", [i]) * (stop - start))
    file_of = from_array(file_of).take(rows)
    stored = [name for name in schema.names if name not in (PARTITION, *KEY_COLUMNS)]
    columns = {"article_id": best["article_id"], "version": best["version"],
               PARTITION: pa.array([path.parent.name.partition("=")[2] for path in files],
                                   pa.string()).take(file_of)}
    if stored:
        columns.update(zip(stored, _stored(scan, rows, file_of, stored, threads, block_rows),
                           strict=True))
    return pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)


def _stored(scan: Scan, rows: pa.Array, file_of: pa.Array, columns: list[str], threads: int,
            block_rows: int) -> list[pa.ChunkedArray]:
    """``columns`` of the rows numbered ``rows``, from the files ``file_of`` gives."""

    def winners(i: int, at: pa.Array) -> pa.Table:
        """Rows ``at`` of the ``i``-th file, in this order."""
        return read_file(scan.files[i], scan.schema, columns, metadata=scan._footers[i]).take(at)

    chunks = []
    with ThreadPoolExecutor(threads) as pool:
        for start, stop, group in _groups(file_of):
            number = array("i", repeat(0, len(scan.files)))
            for n, i in enumerate(group):
                number[i] = n
            part_of = from_array(number).take(file_of[start:stop])
            places = pc.sort_indices(part_of)  # each part's places in the result, ascending
            firsts = [0, *accumulate(_counts(part_of, len(group)))]
            at = [pc.subtract(rows[start:stop].take(places[lo:hi]), scan.offsets[i])
                  for i, lo, hi in zip(group, firsts, firsts[1:], strict=False)]
            parts = list(pool.map(winners, group, at))
            if len(parts) == 1:  # already in article_id order
                chunks.append(parts[0])
            else:
                chunks.extend(_merge(parts, part_of, places, block_rows))
            del parts
    return pa.concat_tables(chunks).columns


def _counts(values: pa.Array, size: int) -> list[int]:
    """How many of ``values`` (integers in 0..size - 1) are 0, 1, ... size - 1."""
    counts = pc.value_counts(values)
    found = dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(),
                     strict=True))
    return [found.get(n, 0) for n in range(size)]


def _merge(parts: list[pa.Table], part_of: pa.Array, places: pa.Array, block_rows: int
           ) -> Iterator[pa.Table]:
    """The rows of ``parts`` in result order, as tables of ``block_rows`` rows: ``part_of``
    gives the part of each result row, ``places`` (the stable sort of ``part_of``) the
    result places of each part's rows in turn.

    A take over many tables first concatenates them: taking each block from slices of the
    parts keeps that copy to a block, memory used again for the next one.
    """
    firsts = [0, *accumulate(part.num_rows for part in parts)]
    local = pc.sort_indices(places)  # each result row's place in the parts concatenated
    places = to_q(places)
    for begin in range(0, len(places), block_rows):
        end = min(begin + block_rows, len(places))
        slices, shift, taken = [], array("q", repeat(0, len(parts))), 0
        for p, part in enumerate(parts):
            lo = bisect.bisect_left(places, begin, firsts[p], firsts[p + 1]) - firsts[p]
            hi = bisect.bisect_left(places, end, firsts[p], firsts[p + 1]) - firsts[p]
            shift[p] = taken - firsts[p] - lo
            if hi > lo:
                slices.append(part.slice(lo, hi - lo))
                taken += hi - lo
        rows = pc.add(local[begin:end], from_array(shift).take(part_of[begin:end]))
        yield pa.concat_tables(slices).take(rows)


def _groups(file_of: pa.Array) -> list[tuple[int, int, list[int]]]:
    """Split result rows (each given the index of the file it comes from) into the most
    runs ``(start, stop, files)`` such that each file's rows are all in one run."""
    positions = arange(len(file_of))
    spans = pa.table({"file": file_of, "at": positions}).group_by(
        "file", use_threads=False).aggregate([("at", "min"), ("at", "max")])
    files, firsts = spans["file"].to_pylist(), spans["at_min"].to_pylist()
    lasts = array("q", repeat(0, max(files) + 1))
    for i, last in zip(files, spans["at_max"].to_pylist(), strict=True):
        lasts[i] = last
    reach = pc.cumulative_max(from_array(lasts).take(file_of))  # the last row of any file so far
    groups, start = [], 0
    for end in pc.indices_nonzero(pc.equal(reach, positions)).to_pylist():
        groups.append((start, end + 1, sorted(f for f, at in zip(files, firsts, strict=True)
                                              if start <= at <= end)))
        start = end + 1
    return groups
