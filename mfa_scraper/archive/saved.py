"""The saved index of latest versions, `.index/latest.parquet`, checked against the files it covers.

One row per article: the ``article_id``, ``site``, ``version``, ``content_hash`` (as 32
bytes) and ``created`` of its latest version, sorted by ``article_id``. The file's metadata
lists the ``articles`` files it was computed from, with their sizes (and, as in every archive
file, the schema version of its writer: ``schema.SCHEMA_VERSION_KEY``). It is trusted only for
those files, and only while each is still there with the same size: files written since (by a
run that did not save the index, or was killed) are read and laid over it; a covered file gone
or changed (deleted by hand, or merged by a compaction killed before it saved the index) or an
unreadable index means a rebuild from every file. Page checksums catch a damaged index file.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mfa_scraper.items import plural

from .errors import ArchiveError
from .lookup import arange, highest_per_id, to_q
from .scan import articles_scan
from .schema import ARTICLES_SCHEMA, versioned
from .store import ARTICLES, COMPRESSION, atomic_write, parquet_files, read_file

INDEX_DIR = ".index"
INDEX_FILE = "latest.parquet"
FORMAT = 1
META_KEY = b"mfa_archive.index"
DIGEST = pa.binary(32)
INDEX_SCHEMA = pa.schema([
    *(ARTICLES_SCHEMA.field(name) for name in ("article_id", "site", "version")),
    pa.field("content_hash", DIGEST),
    ARTICLES_SCHEMA.field("created"),
])
_VALUES = ["content_hash", "created"]


class IndexProblem(ArchiveError):
    """The saved index cannot be used: unreadable, damaged or not an index."""


@dataclass
class SavedIndex:
    """The latest rows (``INDEX_SCHEMA``, sorted by article_id) of the ``covers`` files
    (``file_key`` -> size in bytes)."""

    table: pa.Table
    covers: dict[str, int] = field(default_factory=dict)


def index_path(root: Path) -> Path:
    """Where the saved index of the archive at ``root`` lives."""
    return root / INDEX_DIR / INDEX_FILE


def file_key(root: Path, path: Path) -> str:
    """How the index names an ``articles`` file: its path below ``articles/``."""
    return path.relative_to(root / ARTICLES).as_posix()


def current_files(root: Path) -> dict[str, Path]:
    """The visible ``articles`` files by ``file_key``, in site then writing order."""
    return {file_key(root, path): path for path in parquet_files(root, ARTICLES)}


def file_sizes(paths: dict[str, Path]) -> dict[str, int]:
    """The size of each file."""
    return {key: path.stat().st_size for key, path in paths.items()}


def digest_of(text: str | None) -> bytes | None:
    """A hex sha256 as its 32 bytes; None for anything else (the writer then sees a change)."""
    try:
        digest = bytes.fromhex(text)
    except (TypeError, ValueError):
        return None
    return digest if len(digest) == 32 else None


def digests(hashes: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Hex content hashes as ``DIGEST`` values (half the memory of the strings)."""
    return pa.array(map(digest_of, hashes.to_pylist()), DIGEST, size=len(hashes))


def empty_index() -> pa.Table:
    """An index without rows."""
    return INDEX_SCHEMA.empty_table()


def latest_of(files: list[Path]) -> pa.Table:
    """The latest version row of each article in ``files`` (sorted paths of ``articles``
    files), as an index table; exact, whatever the ids. ArchiveError names an unreadable file.
    """
    scan = articles_scan(files)
    parts = list(scan.tables(["article_id", "version"]))
    if not parts:
        return empty_index()
    keys = pa.concat_tables(parts).append_column("row", arange(scan.offsets[-1]))
    keys = keys.filter(pc.and_(pc.is_valid(keys["article_id"]), pc.is_valid(keys["version"])))
    winners = highest_per_id(keys)
    if not winners.num_rows:
        return empty_index()
    rows = winners["row"].combine_chunks()
    by_row = pc.sort_indices(rows)
    ascending = rows.take(by_row)
    wanted, found = to_q(ascending), []
    for i, path in enumerate(files):
        lo = bisect.bisect_left(wanted, scan.offsets[i])
        hi = bisect.bisect_left(wanted, scan.offsets[i + 1], lo)
        if lo < hi:
            values = read_file(path, scan.schema, _VALUES)
            values = values.take(pc.subtract(ascending[lo:hi], scan.offsets[i]))
            site = path.parent.name.partition("=")[2]
            found.append(values.append_column("site", pa.repeat(pa.scalar(site), hi - lo)))
    values = pa.concat_tables(found).combine_chunks().take(pc.sort_indices(by_row))
    return pa.table(
        {
            "article_id": winners["article_id"],
            "site": values["site"],
            "version": winners["version"],
            "content_hash": digests(values["content_hash"]),
            "created": values["created"],
        },
        schema=INDEX_SCHEMA,
    )


def merge(base: pa.Table, newer: pa.Table) -> pa.Table:
    """One index of both tables: per article the row of the higher version."""
    if not newer.num_rows:
        return base
    return highest_per_id(pa.concat_tables([base, newer])).combine_chunks()


def read_index(root: Path) -> SavedIndex | None:
    """The saved index, None when there is none; IndexProblem when it cannot be trusted
    as a file (unreadable, checksum, metadata, not sorted by unique article_id)."""
    path = index_path(root)
    if not path.exists():
        return None
    try:
        with pq.ParquetFile(path, page_checksum_verification=True, pre_buffer=False) as parquet:
            meta = json.loads(parquet.schema_arrow.metadata[META_KEY])
            # column by column: reading all at once holds about three times the table
            columns = {f.name: parquet.read(columns=[f.name], use_threads=False)[f.name]
                       .cast(f.type).combine_chunks() for f in INDEX_SCHEMA}
        table = pa.table(columns, schema=INDEX_SCHEMA)
        covers = {str(key): int(size) for key, size in meta["files"].items()}
        if meta["format"] != FORMAT or meta["articles"] != table.num_rows:
            raise ValueError(f"format {meta['format']}, {plural(meta['articles'], 'article')} "
                             f"listed, {plural(table.num_rows, 'row')}")
    except (OSError, KeyError, TypeError, ValueError, AttributeError, pa.ArrowException) as error:
        raise IndexProblem(f"unusable index {path}: {error}") from error
    ids = table["article_id"]
    ascending = len(ids) < 2 or pc.all(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py()
    if ids.null_count or table["version"].null_count or ascending is False:
        raise IndexProblem(f"unusable index {path}: article ids are not unique and sorted")
    return SavedIndex(table, covers)


def stale_reason(saved: SavedIndex, files: dict[str, Path]) -> str | None:
    """Why ``saved`` no longer describes the files it covers, or None while it does."""
    for key, size in saved.covers.items():
        path = files.get(key)
        if path is None:
            return f"the index covers {key}, which is gone"
        if path.stat().st_size != size:
            return f"the index covers {key}, which has changed"
    return None


def usable_index(root: Path, files: dict[str, Path]) -> tuple[SavedIndex | None, str | None]:
    """The saved index and None, or None and why it cannot be used for ``files``."""
    try:
        saved = read_index(root)
    except IndexProblem as problem:
        return None, str(problem)
    if saved is None:
        return None, "no saved index"
    why = stale_reason(saved, files)
    return (None, why) if why else (saved, None)


def write_index(root: Path, index: SavedIndex) -> None:
    """Save ``index`` atomically, with page checksums."""
    meta = {"format": FORMAT, "articles": index.table.num_rows, "files": index.covers}
    table = index.table.cast(INDEX_SCHEMA).replace_schema_metadata(
        versioned({META_KEY: json.dumps(meta, sort_keys=True).encode()}))
    # Ids sorted share prefixes (delta encoding); hashes are unique (no dictionary).
    options = {"compression": COMPRESSION, "write_page_checksum": True,
               "use_dictionary": ["site"], "column_encoding": {"article_id": "DELTA_BYTE_ARRAY"}}
    atomic_write(root, index_path(root), lambda tmp: pq.write_table(table, tmp, **options))


def rebuild_index(root: Path, files: dict[str, Path] | None = None) -> SavedIndex:
    """The index of every ``articles`` file (or of ``files``), computed from the files and
    saved; call under the writer lock."""
    files = current_files(root) if files is None else files
    index = SavedIndex(latest_of(list(files.values())), file_sizes(files))
    write_index(root, index)
    return index


def catch_up(root: Path, saved: SavedIndex) -> SavedIndex:
    """``saved`` brought up to every current file (those it lacks are read), and saved."""
    files = current_files(root)
    newer = [path for key, path in files.items() if key not in saved.covers]
    index = SavedIndex(merge(saved.table, latest_of(newer)), file_sizes(files))
    write_index(root, index)
    return index
