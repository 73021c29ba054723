"""The archive on disk: layout, atomic file writes, and reading the Parquet tables."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import ArchiveError, ArchiveWriteError, DamagedFile
from .lock import LOCK_NAME
from .schema import ADDED_COLUMNS, PARTITION, conform, versioned

ARTICLES = "articles"
FETCHES = "fetches"
RUNS = "runs"
WARC = "warc"  # the WARC captures rows point at (mfa_scraper.captures.WARC_DIR)
LOGS = "logs"  # mfa-archive crawl's log of each run, logs/<run_id>.log
# Files are written under `.tmp/` at the archive root, then renamed into place: no reader ever
# lists a half-written file (Polars, scanning a directory, would even reject a hidden one).
TEMP_DIR = ".tmp"
TEMP_SUFFIX = ".tmp"
COMPRESSION = "zstd"
# zstd at COMPRESSION_LEVEL (a crawl's flushes) or COMPACT_LEVEL (compaction), every
# column; rows sorted by article_id and version (buffer.py, compact.py), dictionaries only
# where values repeat, statistics only on columns worth filtering on. The level is what
# counts, and the page size bounds what it costs: zstd sizes a fresh context to each page it
# compresses (a 1 MB page at 15: ~17 MB; 4 MB: ~40 MB), and pyarrow closes a page only
# between batches of write_batch_size values (default 1,024 bodies, several MB), so the
# batch is what keeps pages near PAGE_BYTES. Rewriting the 8 per-run articles files of a
# 5,004-article crawl (bytes against the same rows as gzip JSON Lines / peak while writing):
# zstd 3, default batch: 0.89 / +19 MB; 15, default batch: 0.67 / +63 MB; 15 in 32-value
# batches: 768 KB pages 0.675 / +27 MB, 512 KB 0.687 / +27 MB, 256 KB 0.715; 12 at 512 KB:
# 0.71; 19: 0.655 at 10x the CPU of 15 (0.18 ms a version). In whole crawls, 768 KB and 512
# KB pages: 0.688 and 0.70; peak RSS at 20,007 articles 286 and 281 MB (with the system
# memory pool, settings.ARROW_MEMORY_POOL; zstd 3: 272). Compaction: zstd 15, 8 MB pages,
# one file per site: 0.62.
COMPRESSION_LEVEL = 15
PAGE_BYTES = 768 << 10
BATCH_VALUES = 32
COMPACT_LEVEL = 15
COMPACT_PAGE_BYTES = 8 << 20
_DICTIONARY = {"language", "cms", "run_id", "created_raw", "updated_raw",
               "categories.list.element", "outcome", "status", "error",
               *(f"related_links.list.element.{name}" for name in ("url", "title")),
               "related_links.list.element.categories.list.element"}
_STATISTICS = {"article_id", "language", "cms", "created", "updated", "version", "first_seen",
               "run_id", "fetched_at", "outcome", "status"}
_DELTA = {"article_id", "url"}  # sorted URLs share long prefixes
_DELTA_LENGTH = {"title", "body_text", "body_html", "content_hash"}  # lengths apart: 2% smaller


def part_name(run_id: str, number: int) -> str:
    """File name of the ``number``-th file a run writes; sorts in writing order."""
    return f"part-{run_id}-{number:05d}.parquet"


def partition_dir(root: Path, table: str, site: str) -> Path:
    """Directory of one site's files of ``table``."""
    return root / table / f"{PARTITION}={site}"


def temp_path(root: Path, path: Path) -> Path:
    """The temporary name ``path`` (in the archive at ``root``) is written under first."""
    return root / TEMP_DIR / f"{path.name}{TEMP_SUFFIX}"


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a directory) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(root: Path, path: Path, write: Callable[[Path], None]) -> None:
    """Create ``path`` in the archive at ``root`` atomically: ``write`` a temporary file,
    fsync it, rename it to ``path``, fsync the directory.

    Readers see the old state or the whole new file, never a truncated one. Any failure
    removes the temporary file; an OSError or Arrow error becomes ArchiveWriteError.
    """
    tmp = temp_path(root, path)
    try:
        tmp.parent.mkdir(exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    except (OSError, pa.ArrowException) as error:
        tmp.unlink(missing_ok=True)
        raise ArchiveWriteError(f"could not write {path}: {error}") from error
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent)


def _leaves(path: str, arrow_type: pa.DataType) -> list[str]:
    """The Parquet column paths under ``path`` (lists and structs nest a level each)."""
    if pa.types.is_list(arrow_type):
        return _leaves(f"{path}.list.element", arrow_type.value_type)
    if pa.types.is_struct(arrow_type):
        return [leaf for child in arrow_type
                for leaf in _leaves(f"{path}.{child.name}", child.type)]
    return [path]


def parquet_options(schema: pa.Schema, level: int = COMPRESSION_LEVEL) -> dict:
    """The writer options of every archive file of ``schema``, at zstd ``level``."""
    leaves = {leaf for field in schema for leaf in _leaves(field.name, field.type)}
    return {"compression": COMPRESSION, "compression_level": level,
            "data_page_size": PAGE_BYTES, "write_batch_size": BATCH_VALUES,
            "write_page_checksum": True,  # a damaged page fails to read, never reads as other data
            "use_dictionary": sorted(leaves & _DICTIONARY),
            "write_statistics": sorted(leaves & _STATISTICS),
            "column_encoding": {
                **{name: "DELTA_BYTE_ARRAY" for name in sorted(leaves & _DELTA)},
                **{name: "DELTA_LENGTH_BYTE_ARRAY" for name in sorted(leaves & _DELTA_LENGTH)},
            }}


def write_parquet(root: Path, path: Path, table: pa.Table) -> None:
    """Write ``table`` to ``path`` atomically, zstd-compressed, with its own (explicit) schema
    and the current schema version in its metadata."""
    options = parquet_options(table.schema)
    table = table.replace_schema_metadata(versioned(table.schema.metadata))
    atomic_write(root, path, lambda tmp: pq.write_table(table, tmp, **options))


def remove_temp_files(root: Path) -> list[Path]:
    """Delete temporary files a killed writer left behind; only call while holding the lock."""
    leftovers = sorted((root / TEMP_DIR).glob(f"*{TEMP_SUFFIX}"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def check_archive_dir(root: Path) -> None:
    """Raise ArchiveError unless ``root`` is an archive or a directory with nothing visible."""
    if not root.is_dir():
        raise ArchiveError(f"{root} is not a directory")
    known = {ARTICLES, FETCHES, RUNS, LOCK_NAME, WARC, LOGS}
    visible = [p.name for p in root.iterdir() if not p.name.startswith((".", "_"))]
    if visible and not known & set(visible):
        raise ArchiveError(
            f"{root} is not an archive: it has none of {ARTICLES}/, {FETCHES}/, {RUNS}/ "
            f"but other content ({', '.join(sorted(visible)[:5])})"
        )


def parquet_files(root: Path, table: str) -> list[Path]:
    """The visible Parquet files of ``table``, in site then writing order."""
    return sorted((root / table).glob(f"{PARTITION}=*/*.parquet"))


def read_file(
    path: Path,
    schema: pa.Schema,
    columns: list[str],
    *,
    metadata: pq.FileMetaData | None = None,
    with_metadata: bool = False,
    row_groups: list[int] | None = None,
):
    """Read ``columns`` of one Parquet file with the types of ``schema``.

    ``metadata`` is the file's footer if already read; ``with_metadata`` returns it too, as
    ``(table, metadata)``. Columns are read by name: a column added to the schema since the
    file was written reads as nulls (``schema.conform``), a column of the file that
    ``schema`` lacks (a newer writer's) is not read. ``row_groups`` reads only these
    (ascending numbers). An unreadable file (truncated, not Parquet, missing another
    column) raises ArchiveError naming it.
    """
    try:
        with pq.ParquetFile(path, metadata=metadata, page_checksum_verification=True) as parquet:
            names = parquet.schema_arrow.names
            lacking = [n for n in schema.names
                       if n not in names and n not in ADDED_COLUMNS and n != PARTITION]
            if lacking:
                raise DamagedFile(path, foreign_message(path, lacking))
            present = [c for c in columns if c in names]
            if row_groups is None:
                table = parquet.read(columns=present, use_threads=False)
            else:
                table = parquet.read_row_groups(row_groups, columns=present, use_threads=False)
            footer = parquet.metadata
        table = conform(table, pa.schema([schema.field(c) for c in columns]))
    except (OSError, KeyError, pa.ArrowException) as error:
        raise DamagedFile(path, f"corrupt or unreadable Parquet file {path}: {error}") from error
    return (table, footer) if with_metadata else table


def foreign_message(path: Path | str, lacking: list[str]) -> str:
    """What is wrong with a Parquet file of a foreign schema at ``path``."""
    shown = ", ".join(lacking[:5]) + (", ..." if len(lacking) > 5 else "")
    return (f"foreign Parquet file {path}: not an archive file of this table, it lacks "
            f"{shown}")


def _corrupt_file_error(files: list[Path], schema: pa.Schema, error: Exception) -> ArchiveError:
    """A DamagedFile naming the first of ``files`` that cannot be read as ``schema`` (gone,
    damaged, or of a foreign schema)."""
    for path in files:
        try:
            read_file(path, schema, [name for name in schema.names if name != PARTITION])
        except DamagedFile as damaged:
            return damaged
    return ArchiveError(f"cannot read {files[0].parent.parent}: {error}")


def read_table(
    root: Path,
    table: str,
    schema: pa.Schema,
    columns: list[str] | None = None,
    where: pc.Expression | None = None,
    files: list[Path] | None = None,
) -> pa.Table:
    """Read ``columns`` of ``table`` (all of ``schema`` by default), the site column included.

    Every file is read as ``schema``, by column name: columns it lacks come back null,
    columns ``schema`` lacks (a newer writer's) are not read. An empty table has the right
    schema; an unreadable file raises DamagedFile naming it. ``files`` are the files to
    read (default: every file of ``table``).
    """
    import pyarrow.dataset as ds  # here: it imports pandas (+50 MB), which a crawl never needs

    columns = columns or schema.names
    files = parquet_files(root, table) if files is None else files
    if not files:
        return pa.schema([schema.field(name) for name in columns]).empty_table()
    checked = ds.ParquetFileFormat(default_fragment_scan_options=ds.ParquetFragmentScanOptions(
        page_checksum_verification=True))
    try:  # the dataset looks at each file: one may have gone (compacted) since listed
        dataset = ds.dataset(
            [str(path) for path in files],
            schema=schema,
            format=checked,
            partitioning=ds.partitioning(pa.schema([(PARTITION, pa.string())]), flavor="hive"),
            partition_base_dir=str(root / table),
        )
        required = [n for n in schema.names if n != PARTITION and n not in ADDED_COLUMNS]
        for fragment in dataset.get_fragments():  # a foreign file would read as nulls
            lacking = [n for n in required if n not in fragment.physical_schema.names]
            if lacking:
                raise DamagedFile(Path(fragment.path), foreign_message(fragment.path, lacking))
        return dataset.to_table(columns=columns, filter=where)
    except (OSError, pa.ArrowException) as error:
        raise _corrupt_file_error(files, schema, error) from error
