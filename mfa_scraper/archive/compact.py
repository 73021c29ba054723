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
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ArchiveError
from .lock import WriterLock
from .runs import iso_utc, new_run_id
from .saved import rebuild_index
from .schema import ARTICLES_FILE_SCHEMA, FETCHES_FILE_SCHEMA, PARTITION
from .store import (
    ARTICLES,
    COMPACT_LEVEL,
    COMPACT_PAGE_BYTES,
    FETCHES,
    _fsync,
    atomic_write,
    check_archive_dir,
    parquet_options,
    part_name,
    read_file,
    remove_temp_files,
    temp_path,
)

JOURNAL_DIR = ".compact"
COMPACTED_KEY = b"mfa_archive.compacted"  # in a merged file's metadata: nothing left to do
BATCH_ROWS = 50_000  # rows sorted and written together: bounded memory, large zstd pages
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
        marked = schema.with_metadata({COMPACTED_KEY: b"1"})
        with pq.ParquetWriter(staged, marked, **options) as writer:
            batch: list[pa.Table] = []
            for name in merge.inputs:
                batch.append(read_file(folder / name, schema, schema.names))
                if sum(part.num_rows for part in batch) >= BATCH_ROWS:
                    writer.write_table(_ordered(merge.table, batch))
                    batch = []
            if batch:
                writer.write_table(_ordered(merge.table, batch))
    except (ArchiveError, OSError, pa.ArrowException) as error:
        staged.unlink(missing_ok=True)
        if isinstance(error, ArchiveError):
            raise
        raise ArchiveError(f"could not write {staged}: {error}") from error
    _fsync(staged)
    written = pq.ParquetFile(staged).metadata.num_rows
    if written != merge.rows:
        staged.unlink()
        raise ArchiveError(f"merging {folder} wrote {written} rows instead of {merge.rows}")
    return staged


def _ordered(table: str, parts: list[pa.Table]) -> pa.Table:
    """``parts`` as one table; versions sorted by article_id and version (they compress
    better so), fetches left in the order they happened."""
    merged = pa.concat_tables(parts)
    if table != ARTICLES:
        return merged
    return merged.sort_by([("article_id", "ascending"), ("version", "ascending")])


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
    compaction wrote with the current columns (a crawl's single file is rewritten:
    compaction compresses harder; so is a file older than a column added since)."""
    files = sorted(folder.glob("*.parquet"))
    if not files or (len(files) == 1 and _settled(files[0], TABLES[table])):
        return None
    rows = 0
    for path in files:
        try:
            rows += pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException) as error:
            raise ArchiveError(f"corrupt or unreadable Parquet file {path}: {error}") from error
    site = folder.name.partition("=")[2]
    output = part_name(compaction_id, number)
    journal = f"{compaction_id}-{number:05d}.json"
    return Merge(table, site, [p.name for p in files], output, rows, journal)


def _settled(path: Path, schema: pa.Schema) -> bool:
    """True if a compaction wrote ``path`` and it has exactly the columns of ``schema``."""
    try:
        found = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        raise ArchiveError(f"corrupt or unreadable Parquet file {path}: {error}") from error
    return COMPACTED_KEY in (found.metadata or {}) and found.names == schema.names


def plan(root: Path, compaction_id: str) -> list[Merge]:
    """The merges to do: every partition of every table with two or more files, or one not
    yet compacted with the current columns, each file's footer read (ArchiveError naming
    the first unreadable one)."""
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
    the files. Rows are copied as they are, versions sorted by article_id and version within
    batches of ``BATCH_ROWS`` rows, fetches in file order; a merged file is named
    ``part-<compaction id>-<n>.parquet``. An unreadable file raises ArchiveError
    naming it, before anything is changed in its partition.
    """
    root = Path(path)
    if not root.is_dir():
        raise ArchiveError(f"no archive at {root}: the directory does not exist")
    check_archive_dir(root)
    started = datetime.now(UTC)
    report = CompactReport(new_run_id(started))
    lock = WriterLock(root)
    lock.acquire({"run_id": report.compaction_id, "command": "compact", "pid": os.getpid(),
                  "host": socket.gethostname(), "started_at": iso_utc(started)})
    try:
        report.recovered = recover(root)
        remove_temp_files(root)
        for merge in plan(root, report.compaction_id):
            _merge(root, merge)
            report.merges.append(merge)
        rebuild_index(root)  # from the files: also repairs an index verify found wrong
    finally:
        lock.release()
    return report
