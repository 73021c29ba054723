"""Compaction: merge each partition's files into one, under the writer lock, crash-safe.

Each partition with two or more files (or one not compacted yet) is merged in five steps,
each safe to be killed after:

1. ``stage``: stream the inputs into one file under ``.tmp/`` (readers never see it), fsync,
   check its row count is the inputs' sum;
2. ``write_journal``: record inputs and output in ``.compact/<id>.json`` (atomically);
3. ``publish``: rename the staged file into the partition (atomic);
4. ``remove_inputs``: delete the inputs, one by one;
5. ``finish``: delete the journal.

A kill before 3 leaves the inputs untouched (and at most a staged file and a journal, which
the next ``compact`` drops); a kill after 3 leaves the merged file and some inputs, i.e. rows
twice, which ``verify`` reports and the next ``compact`` resolves from the journal by
deleting the remaining inputs. No row is ever only in a file that is not visible.

A merged file has the current columns and schema version (``schema.SCHEMA_VERSION``): files
written before a column existed are rewritten with it null. A file with a column this code
does not know (written by a newer version) would lose it: compaction refuses, before any
merge, naming the file.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mfa_scraper.items import plural

from .errors import ArchiveError
from .lock import WriterLock
from .lookup import arange, from_array, highest_per_id
from .runs import iso_utc, new_run_id
from .saved import rebuild_index
from .scan import KEY_COLUMNS, RowGroups, Scan, articles_scan, row_groups
from .schema import (
    ARTICLES_FILE_SCHEMA,
    FETCHES_FILE_SCHEMA,
    PARTITION,
    SCHEMA_VERSION,
    schema_version,
    versioned,
)
from .store import (
    ARTICLES,
    COMPACT_LEVEL,
    COMPACT_PAGE_BYTES,
    FETCHES,
    _fsync,
    atomic_write,
    check_archive_dir,
    parquet_files,
    parquet_options,
    part_name,
    read_file,
    remove_temp_files,
    temp_path,
)
from .unfinished import check_no_unfinished_swap

JOURNAL_DIR = ".compact"
COMPACTED_KEY = b"mfa_archive.compacted"  # in a merged file's metadata: nothing left to do
LAYOUT = b"2"  # its value: current versions first (1: versions sorted in batches, rewritten)
BATCH_ROWS = 50_000  # rows sorted and written together: bounded memory, large zstd pages
CACHE_BYTES = 256 << 20  # row groups kept read for the next batch of a merge, at most
TABLES = {ARTICLES: ARTICLES_FILE_SCHEMA, FETCHES: FETCHES_FILE_SCHEMA}


@dataclass
class Merge:
    """One partition's merge: ``inputs`` (file names in ``table/site=<site>/``) into ``output``."""

    table: str
    site: str
    inputs: list[str]
    output: str
    rows: int
    journal: str = ""

    def folder(self, root: Path) -> Path:
        """The partition directory."""
        return root / self.table / f"{PARTITION}={self.site}"


@dataclass
class CompactReport:
    """What a compaction did: ``merges`` done now, ``recovered`` interrupted ones finished."""

    compaction_id: str
    merges: list[Merge] = field(default_factory=list)
    recovered: list[Merge] = field(default_factory=list)


def journal_dir(root: Path) -> Path:
    """Where compaction journals live."""
    return root / JOURNAL_DIR


def read_journals(root: Path) -> list[Merge]:
    """The merges whose journal is still there (interrupted, or in progress)."""
    merges = []
    for path in sorted(journal_dir(root).glob("*.json")):
        try:
            merge = Merge(**json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise ArchiveError(f"unreadable compaction journal {path}: {error}") from error
        merge.journal = path.name
        merges.append(merge)
    return merges


def visible_files(root: Path, table: str) -> list[Path]:
    """The files of ``table`` a reader should read: every visible one, less the inputs of a
    merge already published (its output holds their rows: between ``publish`` and
    ``finish``, or after a kill there). Lists the files, then the journals: a journal gone
    by then means its inputs are gone too, and reading them fails (the reader retries)."""
    files = parquet_files(root, table)
    listed = set(files)
    merged: set[Path] = set()
    for path in sorted(journal_dir(root).glob("*.json")):
        try:
            merge = Merge(**json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            continue  # finished meanwhile, or unreadable (verify reports it)
        folder = merge.folder(root)
        if merge.table == table and folder / merge.output in listed:
            merged.update(folder / name for name in merge.inputs if name != merge.output)
    return [path for path in files if path not in merged]


def half_done(root: Path, merge: Merge) -> bool:
    """True if ``merge`` was published but some inputs remain: their rows are there twice."""
    folder = merge.folder(root)
    return (folder / merge.output).exists() and any((folder / n).exists() for n in merge.inputs)


# -- the steps (module functions, so that tests can interrupt between them) -------------------


def stage(root: Path, merge: Merge, schema: pa.Schema) -> Path:
    """Write the inputs' rows, in order, into the staged file; check the row count."""
    staged, folder = temp_path(root, merge.folder(root) / merge.output), merge.folder(root)
    staged.parent.mkdir(exist_ok=True)
    try:
        options = {**parquet_options(schema, COMPACT_LEVEL), "data_page_size": COMPACT_PAGE_BYTES}
        marked = schema.with_metadata(versioned({COMPACTED_KEY: LAYOUT}))
        with pq.ParquetWriter(staged, marked, **options) as writer:
            if merge.table == ARTICLES:
                _write_versions(writer, [folder / name for name in merge.inputs])
            else:
                _write_fetches(writer, [folder / name for name in merge.inputs])
    except (ArchiveError, OSError, pa.ArrowException) as error:
        staged.unlink(missing_ok=True)
        if isinstance(error, ArchiveError):
            raise
        raise ArchiveError(f"could not write {staged}: {error}") from error
    _fsync(staged)
    written = pq.ParquetFile(staged).metadata.num_rows
    if written != merge.rows:
        staged.unlink()
        raise ArchiveError(f"merging {folder} wrote {plural(written, 'row')} instead of "
                           f"{merge.rows}")
    return staged


def _write_fetches(writer: pq.ParquetWriter, paths: list[Path]) -> None:
    """Fetch rows in the order they happened (file after file), ``BATCH_ROWS`` or so at a
    time."""
    batch: list[pa.Table] = []
    for path in paths:
        batch.append(read_file(path, FETCHES_FILE_SCHEMA, FETCHES_FILE_SCHEMA.names))
        if sum(part.num_rows for part in batch) >= BATCH_ROWS:
            writer.write_table(pa.concat_tables(batch))
            batch = []
    if batch:
        writer.write_table(pa.concat_tables(batch))


def _write_versions(writer: pq.ParquetWriter, paths: list[Path]) -> None:
    """Version rows: first each article's current one, sorted by article_id, then the older
    ones, sorted by article_id and version, in row groups of up to ``BATCH_ROWS`` rows.

    ``latest()`` then reads the current versions as they are stored and skips the older ones'
    row groups. Keys are read first; each batch then reads the row groups holding its rows,
    keeping for the next batch those it needs too (up to ``CACHE_BYTES``).
    """
    scan = articles_scan(paths)
    keys = pa.concat_tables(list(scan.tables(KEY_COLUMNS)))
    size = keys.num_rows
    keys = keys.append_column("row", arange(size))
    valid = keys.filter(pc.and_(pc.is_valid(keys["article_id"]), pc.is_valid(keys["version"])))
    current = highest_per_id(valid)["row"]
    older = pc.invert(pc.is_in(keys["row"], value_set=current))
    order = pc.sort_indices(keys.append_column("older", older), sort_keys=[
        ("older", "ascending"), ("article_id", "ascending"), ("version", "ascending")])
    units, cache = row_groups(scan), {}
    unit_of = from_array(units.unit_of).take(order)  # the row group of each row, in order
    batches = [(begin, min(begin + BATCH_ROWS, stop))
               for start, stop in ((0, len(current)), (len(current), size))
               for begin in range(start, stop, BATCH_ROWS)]
    needs = [set(pc.unique(unit_of[begin:end]).to_pylist()) for begin, end in batches]
    for k, (begin, end) in enumerate(batches):
        following = needs[k + 1] if k + 1 < len(batches) else set()
        writer.write_table(_gather(scan, units, order[begin:end], unit_of[begin:end], cache,
                                   following), row_group_size=BATCH_ROWS)


def _gather(scan: Scan, units: RowGroups, rows: pa.Array, unit_of: pa.Array,
            cache: dict[int, pa.Table], wanted: set[int]) -> pa.Table:
    """All columns of the rows numbered ``rows`` (in row groups ``unit_of``), in this order;
    ``cache`` (row group number: table) is used, then left with the ``wanted`` ones."""
    by_unit = pc.sort_indices(unit_of)  # the rows grouped by row group, stably
    grouped_units = unit_of.take(by_unit)
    grouped_rows = rows.take(by_unit)
    changes = pc.indices_nonzero(pc.not_equal(grouped_units[1:], grouped_units[:-1]))
    bounds = [0, *(i + 1 for i in changes.to_pylist()), len(rows)]
    parts = []
    for lo, hi in pairwise(bounds):
        unit = grouped_units[lo].as_py()
        if unit not in cache:
            cache[unit] = units.read(scan, unit, scan.schema.names)
        at = pc.subtract(grouped_rows[lo:hi], units.first[unit])
        parts.append(cache[unit].take(at))
    table = pa.concat_tables(parts).take(pc.sort_indices(by_unit))
    kept = 0
    for unit in list(cache):
        if unit in wanted and kept + cache[unit].nbytes <= CACHE_BYTES:
            kept += cache[unit].nbytes
        else:
            del cache[unit]
    return table


def write_journal(root: Path, merge: Merge) -> None:
    """Record the merge before anything visible changes."""
    journal_dir(root).mkdir(exist_ok=True)
    data = json.dumps({k: v for k, v in asdict(merge).items() if k != "journal"}, indent=2)
    atomic_write(root, journal_dir(root) / merge.journal, lambda tmp: tmp.write_text(data))


def publish(root: Path, merge: Merge) -> None:
    """Rename the staged file into the partition."""
    target = merge.folder(root) / merge.output
    os.replace(temp_path(root, target), target)
    _fsync(target.parent)


def remove_input(path: Path) -> None:
    """Delete one merged input file."""
    path.unlink(missing_ok=True)


def remove_inputs(root: Path, merge: Merge) -> None:
    """Delete every input of a published merge."""
    folder = merge.folder(root)
    for name in merge.inputs:
        if name != merge.output:
            remove_input(folder / name)
    _fsync(folder)


def finish(root: Path, merge: Merge) -> None:
    """Delete the journal: the merge is complete."""
    (journal_dir(root) / merge.journal).unlink(missing_ok=True)
    _fsync(journal_dir(root))


# -- planning, recovery, the whole run ---------------------------------------------------------


def _plan(root: Path, table: str, folder: Path, compaction_id: str, number: int) -> Merge | None:
    """The merge of one partition, or None when it has no file, or one file that a
    compaction wrote with the current columns and schema version (a crawl's single file is
    rewritten: compaction compresses harder; so is a file older than a column added since).
    ArchiveError for a file with columns this code does not know."""
    files = sorted(folder.glob("*.parquet"))
    if not files:
        return None
    rows, schemas = 0, []
    for path in files:
        try:
            with pq.ParquetFile(path) as parquet:
                rows += parquet.metadata.num_rows
                schemas.append(parquet.schema_arrow)
        except (OSError, pa.ArrowException) as error:
            raise ArchiveError(f"corrupt or unreadable Parquet file {path}: {error}") from error
        _check_known(path, schemas[-1], TABLES[table])
    if len(files) == 1 and _settled(schemas[0], TABLES[table]):
        return None
    site = folder.name.partition("=")[2]
    output = part_name(compaction_id, number)
    journal = f"{compaction_id}-{number:05d}.json"
    return Merge(table, site, [p.name for p in files], output, rows, journal)


def _check_known(path: Path, found: pa.Schema, schema: pa.Schema) -> None:
    """Raise ArchiveError if the file at ``path`` (of schema ``found``) has a schema version
    newer than this code's, or columns that ``schema`` lacks: merged, they would be lost."""
    try:
        version = schema_version(found.metadata)
    except ValueError as error:
        raise ArchiveError(f"cannot compact {path}: {error}") from error
    unknown = ", ".join(name for name in found.names if name not in schema.names)
    if version > SCHEMA_VERSION:
        columns = f", with columns {unknown}" if unknown else ""
        raise ArchiveError(f"cannot compact {path}: it has schema version {version}, newer "
                           f"than this code's {SCHEMA_VERSION} (a newer mfa-scraper wrote "
                           f"it{columns}), and merging would drop what this code does not "
                           "know; nothing was compacted: compact with the newer version")
    if unknown:
        raise ArchiveError(f"cannot compact {path}: it has columns this code does not know "
                           f"({unknown}), which merging would drop; nothing was compacted")


def _settled(found: pa.Schema, schema: pa.Schema) -> bool:
    """True if a compaction wrote a file of schema ``found`` in the current layout, with the
    current schema version and exactly the columns of ``schema``."""
    metadata = found.metadata or {}
    return (metadata.get(COMPACTED_KEY) == LAYOUT and found.names == schema.names
            and schema_version(metadata) == SCHEMA_VERSION)


def plan(root: Path, compaction_id: str) -> list[Merge]:
    """The merges to do: every partition of every table with two or more files, or one not
    yet compacted with the current columns, each file's footer read (ArchiveError naming
    the first unreadable one, or the first with columns this code does not know)."""
    merges: list[Merge] = []
    for table in TABLES:
        for folder in sorted((root / table).glob(f"{PARTITION}=*")):
            merge = _plan(root, table, folder, compaction_id, len(merges) + 1)
            if merge is not None:
                merges.append(merge)
    return merges


def recover(root: Path) -> list[Merge]:
    """Finish or undo every interrupted merge (call under the lock); return them."""
    merges = read_journals(root)
    for merge in merges:
        if (merge.folder(root) / merge.output).exists():
            remove_inputs(root, merge)
        else:
            temp_path(root, merge.folder(root) / merge.output).unlink(missing_ok=True)
        finish(root, merge)
    return merges


def _merge(root: Path, merge: Merge) -> None:
    """Run the five steps of one merge."""
    stage(root, merge, TABLES[merge.table])
    write_journal(root, merge)
    publish(root, merge)
    remove_inputs(root, merge)
    finish(root, merge)


def compact(path: str | os.PathLike[str]) -> CompactReport:
    """Merge the files of every partition of ``articles`` and ``fetches`` into one file each.

    Takes the writer lock (ArchiveLocked while a crawl runs), first finishes any compaction
    a kill interrupted, then merges, then rebuilds the saved index of latest versions from
    the files. Rows are copied as they are: versions each article's current one first, then
    the older ones (``_write_versions``), fetches in file order; a merged file is named
    ``part-<compaction id>-<n>.parquet`` and has the current columns and schema version
    (a column an older file lacks is null). An unreadable file raises ArchiveError
    naming it, before anything is changed in its partition; so does a file with columns
    this code does not know (a newer version's), before any merge.
    """
    root = Path(path)
    check_no_unfinished_swap(root)
    if not root.is_dir():
        raise ArchiveError(f"no archive at {root}: the directory does not exist")
    check_archive_dir(root)
    started = datetime.now(UTC)
    report = CompactReport(new_run_id(started))
    lock = WriterLock(root)
    try:
        lock.acquire({"run_id": report.compaction_id, "command": "compact",
                      "pid": os.getpid(), "host": socket.gethostname(),
                      "started_at": iso_utc(started)})
    except OSError as error:  # a read-only archive, say
        raise ArchiveError(f"cannot compact {root}: cannot take its writer lock "
                           f"{lock.path}: {error.strerror or error}") from error
    try:
        report.recovered = recover(root)
        remove_temp_files(root)
        for merge in plan(root, report.compaction_id):
            _merge(root, merge)
            report.merges.append(merge)
        rebuild_index(root)  # from the files: also repairs an index verify found wrong
    except OSError as error:  # each step leaves the archive readable: compact again
        where = f" {error.filename}" if error.filename else ""
        raise ArchiveError(f"cannot compact {root}:{where} {error.strerror or error}; every "
                           "row is still readable, run compact again once fixed") from error
    finally:
        lock.release()
    return report
