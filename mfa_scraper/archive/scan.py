"""Read the archive files a few columns at a time: keys of every row, the rest of the winners.

Files are read a few at a time; other columns are read again only for the row groups
holding rows that win.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import accumulate, repeat
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
MIN_RUN = 256  # winners in a row in one row group: a slice of it, not copied


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
                block_rows: int = BLOCK_ROWS, min_run: int = MIN_RUN) -> pa.Table:
    """The columns of ``schema`` (``articles`` columns, the partition column allowed) of the
    highest version of each article in ``files`` (sorted paths), sorted by article_id.

    Keys are read first; then the other columns of each row group holding winners, once
    (``threads`` at a time); row groups of older versions only are not read. Files whose
    winners interleave by article_id form a group (a site's files, typically), built before
    the next is read. In a group, ``min_run`` or more winners in a row of one row group (a
    compacted file's current versions: ``compact.py``) stay slices of what was read, with no
    copy; the other winners are taken out and merged in blocks of ``block_rows``.
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
    units = row_groups(scan)
    unit_of = from_array(units.unit_of).take(rows)  # the row group of each result row
    file_of = from_array(units.file).take(unit_of)
    stored = [name for name in schema.names if name not in (PARTITION, *KEY_COLUMNS)]
    columns = {"article_id": best["article_id"], "version": best["version"],
               PARTITION: pa.array([path.parent.name.partition("=")[2] for path in files],
                                   pa.string()).take(file_of)}
    if stored:
        tables, finish = [], None
        with ThreadPoolExecutor(threads) as pool:
            for start, stop, _ in _groups(file_of):
                # the next group's row groups are read while this one is merged
                following = _group_rows(scan, units, pool, rows[start:stop],
                                        unit_of[start:stop], stored, block_rows, min_run)
                if finish is not None:
                    tables.extend(finish())
                finish = following
            if finish is not None:
                tables.extend(finish())
        columns.update(zip(stored, pa.concat_tables(tables).columns, strict=True))
    return pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)


class RowGroups:
    """The row groups of a scan's files: the unit of reading."""

    def __init__(self) -> None:
        """No row group yet (``row_groups`` lists them)."""
        self.file = array("i")  # of each row group: its file,
        self.number = array("i")  # its number in the file (-1: the file's only one),
        self.first = array("q")  # the global number of its first row
        self.unit_of = array("i")  # of each row: its row group

    def read(self, scan: Scan, unit: int, columns: list[str]) -> pa.Table:
        """``columns`` of row group ``unit``."""
        i, number = self.file[unit], self.number[unit]
        return read_file(scan.files[i], scan.schema, columns, metadata=scan._footers[i],
                         row_groups=None if number < 0 else [number])


def row_groups(scan: Scan) -> RowGroups:
    """The row groups of ``scan``'s files (``tables`` read, so their footers are known)."""
    units = RowGroups()
    for i, footer in enumerate(scan._footers):
        first, count = scan.offsets[i], footer.num_row_groups
        for g in range(count):
            size = footer.row_group(g).num_rows
            units.file.append(i)
            units.number.append(g if count > 1 else -1)
            units.first.append(first)
            units.unit_of.extend(array("i", [len(units.file) - 1]) * size)
            first += size
    return units


def _group_rows(scan: Scan, units: RowGroups, pool: ThreadPoolExecutor, rows: pa.Array,
                unit_of: pa.Array, columns: list[str], block_rows: int, min_run: int
                ) -> Callable[[], list[pa.Table]]:
    """Start reading one group's result rows (global numbers ``rows``, from row groups
    ``unit_of``); the function returned gives their ``columns`` in result order, as tables.

    Only row groups holding winners are read, in ``pool``. Winners that follow each other
    in a row group for ``min_run`` rows or more (a sorted file's, a compacted file's current
    versions) are slices of what was read; the others are taken out of it, then merged.
    """
    present = pc.unique(unit_of).sort().to_pylist()
    number = array("i", repeat(0, len(units.file)))
    for n, unit in enumerate(present):
        number[unit] = n
    part_of = from_array(number).take(unit_of)
    local = pc.subtract(rows, from_array(units.first).take(unit_of))  # row in its row group
    in_runs, runs = _long_runs(part_of, local, min_run)
    short = pc.invert(in_runs)
    short_part_of, short_local = part_of.filter(short), local.filter(short)
    places = pc.sort_indices(short_part_of)  # each part's short rows' places, ascending
    firsts = [0, *accumulate(_counts(short_part_of, len(present)))]
    sliced = {part for _, _, part in runs}

    def read(n: int) -> tuple[pa.Table | None, pa.Table]:
        """Part ``n``: what was read if runs are sliced from it; its short rows in order."""
        table = units.read(scan, present[n], columns)
        taken = table.take(short_local.take(places[firsts[n]:firsts[n + 1]]))
        return (table if n in sliced else None), taken

    reads = [pool.submit(read, n) for n in range(len(present))]
    return lambda: _merged(reads, runs, local, short_part_of, places, len(rows), block_rows)


def _merged(reads: list, runs: list[tuple[int, int, int]], local: pa.Array,
            short_part_of: pa.Array, places: pa.Array, size: int, block_rows: int
            ) -> list[pa.Table]:
    """A group's rows in result order (``_group_rows``), once its reads are done."""
    both = [read.result() for read in reads]
    kept, taken = [table for table, _ in both], [part for _, part in both]
    del both, reads[:]
    with_rows = [part for part in taken if part.num_rows]
    if len(with_rows) == 1:  # already in result order
        merged = with_rows[0]
    elif with_rows:
        merged = pa.concat_tables(list(_merge(taken, short_part_of, places, block_rows)))
    else:
        merged = None  # every row is in a run
    del taken, with_rows
    out, done, used = [], 0, 0  # result rows placed; short rows placed
    for start, length, n in runs:
        if start > done:
            out.append(merged.slice(used, start - done))
            used += start - done
        out.append(kept[n].slice(local[start].as_py(), length))
        done = start + length
    if done < size:
        out.append(merged.slice(used, size - done))
    return out


def _long_runs(part_of: pa.Array, local: pa.Array, min_run: int
               ) -> tuple[pa.Array, list[tuple[int, int, int]]]:
    """Which result rows are in a run of ``min_run`` or more that follow each other in one
    part (``part_of``, row ``local`` of it), and those runs as ``(start, length, part)``."""
    size = len(part_of)
    if size < min_run:
        return pa.nulls(size, pa.bool_()).fill_null(False), []
    same = pc.equal(part_of[1:], part_of[:-1])
    step = pc.equal(pc.subtract(local[1:], local[:-1]), 1)
    breaks = pc.invert(pc.and_(same, step)).cast(pa.int64())  # 1: the next row starts a run
    zero = pa.array([0], pa.int64())
    run_of = pc.cumulative_sum(pa.concat_arrays([zero, breaks]))
    starts = pa.concat_arrays([zero, pc.add(pc.indices_nonzero(breaks), 1).cast(pa.int64())])
    lengths = pc.subtract(pa.concat_arrays([starts[1:], pa.array([size], pa.int64())]), starts)
    is_long = pc.greater_equal(lengths, min_run)
    long_starts = starts.filter(is_long)
    runs = list(zip(long_starts.to_pylist(), lengths.filter(is_long).to_pylist(),
                    part_of.take(long_starts).to_pylist(), strict=True))
    return is_long.take(run_of), runs


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
