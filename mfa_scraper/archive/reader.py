"""Archive: read the versions, fetches and runs of an archive, with no lock and no writer; and
every operation over an archive (history, diff, changes, stats, verify, compact, export) as a
method, thin over its module."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mfa_scraper.urls import article_id

from .changes import ChangeFeed, changes_since
from .compact import CompactReport, visible_files
from .compact import compact as compact_archive
from .diff import VersionDiff, diff_versions
from .errors import ArchiveError, DamagedFilesWarning
from .export import export_articles
from .history import ArticleHistory, article_history, select_version
from .lookup import latest_rows
from .runs import read_runs
from .scan import read_latest
from .schema import ARTICLES_SCHEMA, FETCHES_SCHEMA, PARTITION, UTC_TIMESTAMP
from .select import as_instant, filter_versions
from .stats import LAST_RUNS, ArchiveStats, archive_stats
from .store import ARTICLES, FETCHES, check_archive_dir, read_table
from .verify import VerifyReport, verify_archive

RETRIES = 20  # reads started again because a file went away meanwhile (a compaction)
RETRY_PAUSE = 0.02  # seconds, times the attempt number


def _instant(when: datetime | str) -> datetime:
    """A timezone-aware datetime from a datetime or an ISO 8601 string with offset."""
    return as_instant(when, "as_of").astimezone(UTC)


def _with(columns: list[str] | None, keys: list[str]) -> list[str] | None:
    """``columns`` plus the sort ``keys`` they lack (None: every column)."""
    return None if columns is None else [*columns, *(k for k in keys if k not in columns)]


def _newest(versions: pa.Table) -> pa.Table:
    """One row per article_id, its highest version, sorted by article_id."""
    rows = latest_rows(versions["article_id"], versions["version"])
    return versions.take(rows).sort_by("article_id")


class Archive:
    """An archive directory: read it (safe while a writer is appending), and work on it.

    The readers (``versions``, ``version``, ``select``, ``latest``, ``as_of``, ``fetches``)
    return a ``pyarrow.Table`` with the documented schema, the ``site`` partition column
    included, also when the archive is empty (``version``: one row as a dict). Plain Parquet
    readers (pandas, DuckDB, Polars) read the same files without this class.

    The operations (``history``, ``diff``, ``changes``, ``stats``, ``verify``, ``compact``,
    ``export``) call the function of their module (``history.article_history``, ...) and
    return its result. Only ``compact`` writes to the archive (under the writer lock) and
    ``export`` to the file it is given.

    Files of every schema version are read by column name (``schema``'s rule): a column
    added after a file was written reads as null; a column this code does not know (a
    newer version wrote the file) is ignored, the known ones are read.

    Reading while ``compact`` runs sees the archive before or after each merge, never both
    (a merge's inputs are left out once its output is published, ``compact.visible_files``)
    and never an error: a file that went away while it was read (merged meanwhile) makes
    the read start again, from a fresh listing (up to ``RETRIES`` times).

    A file that cannot be read (damaged, or of a foreign schema) is an ArchiveError naming
    it (``errors.DamagedFile``); with ``skip_damaged`` it is left out instead, with one
    ``DamagedFilesWarning`` per read listing the files it left out (``skipped`` lists
    them all). ``mfa-archive verify --quarantine`` moves such files aside.
    """

    def __init__(self, path: str | os.PathLike[str], *, skip_damaged: bool = False):
        """Open the archive at ``path``; ArchiveError if it is missing or not an archive."""
        self.path = Path(path)
        if not self.path.exists():
            raise ArchiveError(f"no archive at {self.path}: the directory does not exist")
        check_archive_dir(self.path)
        self.skip_damaged = skip_damaged
        self.skipped: list[Path] = []  # the damaged files left out so far

    def _read(self, table: str, read: Callable[[list[Path]], Any]) -> Any:
        """``read`` of the files of ``table``: again from a fresh listing while a file it
        listed went away meanwhile; without the damaged ones with ``skip_damaged``."""
        attempt, skipped = 0, []
        while True:
            files = [p for p in visible_files(self.path, table) if p not in self.skipped]
            try:
                result = read(files)
                break
            except ArchiveError as error:
                path = getattr(error, "path", None)
                if not all(f.exists() for f in files) or (path and not Path(path).exists()):
                    attempt += 1
                    if attempt > RETRIES:
                        raise ArchiveError(f"{self.path / table} kept changing while read "
                                           f"({RETRIES} attempts): {error}") from error
                    time.sleep(RETRY_PAUSE * attempt)
                    continue
                if not self.skip_damaged or path is None or Path(path) not in files:
                    raise
                self.skipped.append(Path(path))
                skipped.append((Path(path), str(error)))
        if skipped:
            warnings.warn(DamagedFilesWarning(skipped), stacklevel=3)
        return result

    def versions(self, url_or_id: str | None = None, *, columns: list[str] | None = None
                 ) -> pa.Table:
        """Every archived version (of one article, given its URL or id), by article and version.

        ``columns`` reads only those (plus ``article_id`` and ``version``).
        """
        where = None if url_or_id is None else pc.field("article_id") == article_id(url_or_id)
        columns = _with(columns, ["article_id", "version"])
        table = self._read(ARTICLES, lambda files: read_table(
            self.path, ARTICLES, ARTICLES_SCHEMA, columns, where=where, files=files))
        return table.sort_by([("article_id", "ascending"), ("version", "ascending")])

    def version(self, url_or_id: str, version: int | None = None, *,
                as_of: datetime | str | None = None) -> dict[str, Any]:
        """One version of one article as a dict of every column: ``version``, or the one
        standing at ``as_of`` (timezone-aware datetime or ISO 8601 with offset), or the
        latest. ``history.NotFound`` (an ArchiveError) when there is no such article or
        version.
        """
        moment = None if as_of is None else _instant(as_of)
        return select_version(self.versions(url_or_id), url_or_id, version, moment)

    def select(self, *, all_versions: bool = False, **filters: Any) -> pa.Table:
        """The latest version of every article (every version with ``all_versions``) that
        passes ``filters``: ``sites``, ``languages``, ``since``, ``until``, ``category``,
        ``search`` (see ``select.filter_versions``), sorted by article and version.
        """
        table = self.versions() if all_versions else self.latest()
        return filter_versions(table, **filters)

    def latest(self, *, columns: list[str] | None = None) -> pa.Table:
        """The newest version of every article, one row per article_id, sorted by it.

        ``columns`` reads only those (plus ``article_id`` and ``version``): without the
        bodies it is several times quicker. Columns come in chunks: a compacted file's
        current versions are returned as read, without a copy (``combine_chunks()`` makes
        each column one array).
        """
        names = _with(columns, ["article_id", "version"]) or ARTICLES_SCHEMA.names
        unknown = [name for name in names if name not in ARTICLES_SCHEMA.names]
        if unknown:
            raise ValueError(f"not articles columns: {unknown}")
        schema = pa.schema([ARTICLES_SCHEMA.field(name) for name in names])
        return self._read(ARTICLES, lambda files: read_latest(files, schema))

    def as_of(self, when: datetime | str) -> pa.Table:
        """Each article as it stood at ``when``: its latest version first seen at or before it.

        ``when`` is a timezone-aware datetime or an ISO 8601 string with offset.
        """
        moment = pa.scalar(_instant(when), UTC_TIMESTAMP)
        where = pc.field("first_seen") <= moment
        return _newest(self._read(ARTICLES, lambda files: read_table(
            self.path, ARTICLES, ARTICLES_SCHEMA, where=where, files=files)))

    def fetches(self, url_or_id: str | None = None, *, columns: list[str] | None = None
                ) -> pa.Table:
        """The fetch log (of one article, given its URL or id), oldest fetch first.

        ``columns`` reads only those (plus ``fetched_at`` and ``article_id``).
        """
        where = None if url_or_id is None else pc.field("article_id") == article_id(url_or_id)
        columns = _with(columns, ["fetched_at", "article_id"])
        table = self._read(FETCHES, lambda files: read_table(
            self.path, FETCHES, FETCHES_SCHEMA, columns, where=where, files=files))
        return table.sort_by([("fetched_at", "ascending"), ("article_id", "ascending")])

    def runs(self) -> list[dict[str, Any]]:
        """The report of every run (``runs/<run_id>.json``), oldest first."""
        return read_runs(self.path)

    def sites(self) -> list[str]:
        """The sites that have article versions (their partitions), sorted."""
        return sorted({path.parent.name.removeprefix(f"{PARTITION}=")
                       for path in visible_files(self.path, ARTICLES)
                       if path not in self.skipped})

    def languages(self) -> list[str]:
        """The languages of the archived versions, sorted."""
        found = self.versions(columns=["language"])["language"].unique().to_pylist()
        return sorted(language for language in found if language)

    # -- operations, each thin over its module -----------------------------------------------

    def history(self, url: str) -> ArticleHistory:
        """Every version and fetch of the article at ``url`` (a URL or an article_id), in
        time order, silent edits and cosmetic bumps flagged. NotFound when the archive has
        neither a version nor a fetch of it. See ``history.article_history``."""
        return article_history(self, url)

    def diff(self, url: str, a: int | None = None, b: int | None = None) -> VersionDiff:
        """Version ``a`` against version ``b`` of the article at ``url``: by default the last
        two, ``a`` alone against the latest. NotFound for an unknown article or version, or
        an article of one version and none named. See ``diff.diff_versions``; ``diff.diff_lines``,
        ``diff.diff_rows`` and ``diffhtml.side_by_side_html`` render the result."""
        return diff_versions(self, url, a, b)

    def changes(self, since: str | datetime | None = None) -> ChangeFeed:
        """The articles new, changed or gone after ``since``: a run id (the runs after it), a
        timezone-aware datetime or ISO 8601 string with offset, or None (the latest run's
        changes); oldest change first. See ``changes.changes_since``; ``atom.atom_feed``
        renders the feed."""
        return changes_since(self, since)

    def stats(self, last_runs: int = LAST_RUNS) -> ArchiveStats:
        """Articles and versions per site, language and month, versions per article, and the
        ``last_runs`` latest runs with their health. See ``stats.archive_stats``."""
        return archive_stats(self, last_runs)

    def verify(self, *, quarantine: bool = False) -> VerifyReport:
        """Check every file, schema, version sequence, hash, fetch, capture, run report,
        compaction and the saved index; the report lists every problem found (``ok`` when
        none). ``quarantine`` moves the files readers cannot read to ``quarantine/``
        (under the writer lock). See ``verify.verify_archive``."""
        return verify_archive(self.path, quarantine=quarantine)

    def compact(self) -> CompactReport:
        """Merge each partition's files into one, under the writer lock (ArchiveLocked while
        another writer holds it), first finishing any interrupted merge. See
        ``compact.compact``."""
        return compact_archive(self.path)

    def export(self, out: str | os.PathLike[str], fmt: str | None = None, *,
               all_versions: bool = False, **filters: Any) -> int:
        """Write the latest version of each article (every version with ``all_versions``)
        that passes ``filters`` (those of ``select``) to the file ``out``, atomically, as
        ``fmt`` (jsonl, csv, parquet; default: from ``out``'s suffix); return the number of
        rows. See ``export.export_articles``."""
        return export_articles(self, out, fmt, all_versions=all_versions, **filters)
