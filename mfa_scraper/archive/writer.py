"""ArchiveWriter: decides new / changed / unchanged and appends versions and fetches."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mfa_scraper.items import CAPTURE_FIELDS, Article, Capture
from mfa_scraper.urls import article_id, site_of

from .buffer import RowBuffer
from .errors import ArchiveError
from .hashing import content_hash
from .index import ArticleIndex, KnownArticle
from .lock import WriterLock
from .outcomes import CHANGED, LOGGED_OUTCOMES, NEW, NOT_MODIFIED, UNCHANGED
from .runs import Health, Run, iso_utc, new_run_id, run_path, write_run
from .schema import (
    ARTICLES_FILE_SCHEMA,
    FETCHES_FILE_SCHEMA,
    PARSER_VERSION,
    article_row,
    check_row,
    fetch_row,
    require_aware,
)
from .store import ARTICLES, FETCHES, RUNS, check_archive_dir, remove_temp_files
from .unfinished import check_no_unfinished_swap

Clock = Callable[[], datetime]
_FILE_SCHEMAS = {ARTICLES: ARTICLES_FILE_SCHEMA, FETCHES: FETCHES_FILE_SCHEMA}


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the default clock)."""
    return datetime.now(UTC)


def _check_article(article: Article) -> None:
    """Refuse what is not an Article, or whose site is not the host of its URL."""
    if not isinstance(article, Article):
        raise TypeError(f"record() takes an items.Article, got {type(article).__name__}")
    if article.site != site_of(article.url):
        raise ValueError(f"article site {article.site!r} is not the host of {article.url}")


def provenance(capture: Capture | None, parser_version: str | None) -> dict[str, Any]:
    """The provenance columns of a row: where its capture is kept, which parser made it."""
    found = dict.fromkeys(CAPTURE_FIELDS)
    if capture is not None:
        found.update({name: getattr(capture, name) for name in CAPTURE_FIELDS})
    return {**found, PARSER_VERSION: parser_version}


def decide(known: KnownArticle | None, digest: str) -> tuple[str, int]:
    """Outcome and version of a fetched article whose content hashes to ``digest``.

    Compared with the latest version only, so a revert to older text is a new version.
    """
    if known is None:
        return NEW, 1
    if known.content_hash != digest:
        return CHANGED, known.version + 1
    return UNCHANGED, known.version


class ArchiveWriter:
    """The one writer of an archive: records fetched articles as versions and fetch rows.

    Use as a context manager, or call ``open()`` then ``close()``::

        with ArchiveWriter("output", arguments={"sites": ["urm.lt"]}) as writer:
            outcome = writer.record(article, fetched_at=when, status=200, etag=etag)
            writer.log_fetch(url, outcome="gone", status=404)

    Rows are buffered and written every ``flush_every`` rows, every ``flush_seconds``
    seconds and on close: one new file per table and site, each written atomically.
    ``now`` is the clock (returning timezone-aware datetimes) for run times and default
    fetch times. ``run_id`` defaults to ``new_run_id()``; ``arguments`` go into the report.
    ``parser_version`` is recorded on every row (``pages.version.PARSER_VERSION`` in a crawl).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        run_id: str | None = None,
        arguments: dict[str, Any] | None = None,
        flush_every: int = 5000,
        flush_seconds: float | None = 600.0,
        now: Clock = utc_now,
        parser_version: str | None = None,
    ):
        """Configure a writer for the archive at ``path``; nothing is touched until ``open()``."""
        if flush_every < 1:
            raise ValueError(f"flush_every must be at least 1, got {flush_every}")
        self.path = Path(path)
        self.run_id = run_id
        self.arguments = dict(arguments or {})
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self._now = now
        self.parser_version = parser_version
        self._lock = WriterLock(self.path)
        self._index: ArticleIndex | None = None
        self._buffer: RowBuffer | None = None
        self._run: Run | None = None
        self._last_flush = time.monotonic()

    # -- opening and closing ---------------------------------------------------------------

    def open(self) -> ArchiveWriter:
        """Create the archive if needed, take the lock, clean up, load the index.

        Raises ArchiveLocked (naming the holder) when another writer has the archive, and
        ArchiveError when the directory is not an archive or a file in it is unreadable, or
        when there is no archive but the leftovers of an unfinished swap beside it.
        """
        if self._run is not None:
            raise ArchiveError(f"writer for {self.path} was already opened")
        check_no_unfinished_swap(self.path)
        if not self.path.exists():
            self.path.mkdir(parents=True)
        check_archive_dir(self.path)
        started = self._clock()
        self.run_id = self.run_id or new_run_id(started)
        holder = {"run_id": self.run_id, "started_at": iso_utc(started)}
        self._lock.acquire({**holder, "pid": os.getpid(), "host": socket.gethostname()})
        try:
            self._prepare(started)
        except BaseException:
            self._lock.release()
            raise
        return self

    def _prepare(self, started: datetime) -> None:
        """Under the lock: layout, leftover temporary files, index, the 'running' report."""
        for folder in (ARTICLES, FETCHES, RUNS):
            (self.path / folder).mkdir(exist_ok=True)
        if run_path(self.path, self.run_id).exists():
            raise ArchiveError(f"run id {self.run_id} is already used in {self.path}")
        removed = remove_temp_files(self.path)
        index = ArticleIndex.load(self.path)
        writer = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "lock_taken_over_from": self._lock.previous_holder,
            "temp_files_removed": len(removed),
            "index": index.how,
        }
        run = Run(self.run_id, started, self.arguments, writer=writer)
        write_run(self.path, run.as_dict())
        self._index, self._run = index, run
        self._buffer = RowBuffer(self.path, self.run_id, _FILE_SCHEMAS)

    def close(self, health: Health | None = None, *, stopped: bool = False) -> dict[str, Any]:
        """Flush, write the final run report and release the lock; return the report.

        ``health`` is the caller's verdict; by default ``default_health`` of the report.
        ``stopped``: the run ended before its work was done (a signal, a time limit); its
        status says ``stopped``, not ``finished``.
        If the last flush fails, its error is raised after the run is reported failed (if
        the disk still allows); the lock is released in every case.
        """
        run = self._run
        if run is None or run.status != "running":
            return self.report()
        try:
            try:
                self.flush()
            except ArchiveError as error:
                run.error = run.error or f"{type(error).__name__}: {error}"
                run.stats.discount(self._buffer.unwritten())
                self._write_final(run, health, stopped, quietly=True)
                raise
            self._save_index(run)
            self._write_final(run, health, stopped, quietly=False)
        finally:
            self._lock.release()
        return run.as_dict()

    def _save_index(self, run: Run) -> None:
        """Save the index of latest versions when enough rows lie outside it; a failure
        is reported in the run, not raised (the next writer reads the newer files)."""
        if not self._index.save_due(sum(run.stats.versions.values())):
            return
        try:
            self._index.save()
        except ArchiveError as error:
            run.writer["index_error"] = f"{type(error).__name__}: {error}"

    def _write_final(self, run: Run, health: Health | None, stopped: bool, *,
                     quietly: bool) -> None:
        """Finish ``run`` and write its report; ``quietly`` ignores a failing disk."""
        run.finish(self._clock(), health, stopped=stopped)
        run.files_written = self._buffer.files_written
        try:
            write_run(self.path, run.as_dict())
        except ArchiveError:
            if not quietly:
                raise

    def __enter__(self) -> ArchiveWriter:
        """Open the writer."""
        return self.open()

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: Any) -> None:
        """Close the writer; an exception in the block marks the run failed."""
        if exc is not None and self._run is not None:
            self._run.error = f"{type(exc).__name__}: {exc}"
        self.close()

    # -- recording -------------------------------------------------------------------------

    def record(
        self,
        article: Article,
        *,
        fetched_at: datetime | None = None,
        status: int | None = 200,
        etag: str | None = None,
        last_modified: str | None = None,
        capture: Capture | None = None,
        parser_version: str | None = None,
    ) -> str:
        """Record a fetched and parsed article; return its outcome: new, changed or unchanged.

        A version row is written when the content hash differs from the latest version
        (new: version 1; changed: latest + 1), with ``first_seen`` = ``fetched_at``
        (default: now). A fetch row is written in every case. ``etag`` and
        ``last_modified`` are the response's validators, kept for conditional requests.
        A value that does not fit the schema raises ValueError and nothing is recorded.
        ``capture`` locates the raw exchange (WARC record) on both rows; ``parser_version``
        overrides the writer's for these rows.
        """
        index = self._require_open()
        _check_article(article)
        key, when, digest = (
            article_id(article.url),
            self._fetch_time(fetched_at),
            content_hash(article),
        )
        outcome, version = decide(index.get(key, with_fetches=False), digest)
        found = {"article_id": key, "content_hash": digest, "version": version}
        validators = {"etag": etag, "last_modified": last_modified}
        origin = provenance(capture, parser_version or self.parser_version)
        rows = [self._fetch(article.url, when, outcome, status=status, **found, **validators,
                            **origin)]
        if outcome != UNCHANGED:
            row = article_row(article, **found, first_seen=when, run_id=self.run_id, **origin)
            rows.append((ARTICLES, row))
        self._add(article.site, outcome, rows)
        known = KnownArticle(key, version, digest, article.created, when, etag, last_modified)
        index.put(known, url=article.url)
        self._maybe_flush()
        return outcome

    def log_fetch(
        self,
        url: str,
        *,
        outcome: str,
        status: int | None = None,
        error: str | None = None,
        fetched_at: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        capture: Capture | None = None,
        parser_version: str | None = None,
    ) -> None:
        """Log an article fetch that produced no parsed article.

        ``outcome`` is one of not_modified, gone, forbidden, rate_limited, challenge, error,
        unparsed; ``error`` says why (an exception, the parser's reason). A not_modified fetch
        creates no version: it logs the version that still stands, refreshes the article's
        last fetch time, and keeps the known validators unless new ones are given (a 304
        confirms the validators the request sent). ``capture`` and ``parser_version`` as
        for ``record``.
        """
        index = self._require_open()
        if outcome not in LOGGED_OUTCOMES:
            raise ValueError(f"log_fetch outcome must be one of {LOGGED_OUTCOMES}, got {outcome!r}")
        known = index.get(article_id(url)) if outcome == NOT_MODIFIED else None
        when = self._fetch_time(fetched_at)
        found = {}
        if known is not None:
            etag, last_modified = etag or known.etag, last_modified or known.last_modified
            known = replace(known, last_fetched=when, etag=etag, last_modified=last_modified)
            found = {"content_hash": known.content_hash, "version": known.version}
        validators = {"etag": etag, "last_modified": last_modified}
        origin = provenance(capture, parser_version or self.parser_version)
        row = self._fetch(url, when, outcome, status=status, error=error, **found, **validators,
                          **origin)
        self._add(site_of(url), outcome, [row])
        if known is not None:
            index.put(known)
        self._maybe_flush()

    def count_listing_page(self, url: str, *, ok: bool = True) -> None:
        """Count a listing page fetched (``ok``) or failed, for the run report and health."""
        self._require_open()
        self._run.stats.listing[site_of(url)]["ok" if ok else "failed"] += 1

    def _fetch(self, url: str, when: datetime, outcome: str, **values: Any) -> tuple[str, dict]:
        """A ``fetches`` row of this run for ``url``, tagged with its table."""
        row = fetch_row(run_id=self.run_id, fetched_at=when, url=url, outcome=outcome, **values)
        row["article_id"] = article_id(url)
        return FETCHES, row

    def note(self, name: str, value: Any) -> None:
        """Add a caller's section (JSON-serialisable) to the run report, e.g. crawl counters.

        Names of the report's own sections are refused, so nothing is overwritten.
        """
        run = self._run
        if run is None:
            raise ArchiveError(f"writer for {self.path} is not open")
        if name in Run(self.run_id or "", run.started_at).as_dict():
            raise ValueError(f"{name!r} is a section of the run report itself")
        run.notes[name] = value

    def _add(self, site: str, outcome: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        """Check ``rows`` (table, row) against their schemas, then buffer and count them."""
        for table, row in rows:
            check_row(row, _FILE_SCHEMAS[table])
        for table, row in rows:
            self._buffer.add(table, site, row)
            if table == ARTICLES:
                self._run.stats.versions[site] += 1
        self._run.stats.fetches[site][outcome] += 1

    # -- questions from the spider ---------------------------------------------------------

    def known(self, url_or_id: str) -> KnownArticle | None:
        """What the archive knows about an article (a URL or an article_id), or None.

        None means no version is archived (the article was never parsed successfully).
        """
        return self._require_open().get(article_id(url_or_id))

    def known_ids(self, site: str) -> list[str]:
        """The ids of the articles with an archived version on ``site`` (``urls.site_of``),
        sorted. Reads that site's ids: for an occasional "revisit all", not per request."""
        return sorted(self._require_open().urls(site))

    def known_urls(self, site: str) -> list[str]:
        """The latest URL (as fetched, after redirects) of each article of ``site`` with an
        archived version, in article id order: what to request to revisit them all."""
        found = self._require_open().urls(site)
        return [found[key] for key in sorted(found)]

    # -- flushing and reporting ------------------------------------------------------------

    def _maybe_flush(self) -> None:
        """Flush when enough rows or enough time have gathered."""
        elapsed = time.monotonic() - self._last_flush
        if self._buffer.pending >= self.flush_every or (
            self.flush_seconds is not None and elapsed >= self.flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows now (one new file per table and site), then the report.

        On a write error (disk full, ...) ArchiveWriteError is raised: no partial file is
        visible, files already written stay, and the rows not yet written stay buffered
        for the next flush.
        """
        self._require_open()
        self._last_flush = time.monotonic()
        self._buffer.flush()
        self._run.files_written = self._buffer.files_written
        write_run(self.path, self._run.as_dict())

    def report(self) -> dict[str, Any]:
        """The run report as written to ``runs/<run_id>.json`` (counts so far while running)."""
        return {} if self._run is None else self._run.as_dict()

    # -- helpers ---------------------------------------------------------------------------

    def _require_open(self) -> ArticleIndex:
        """The index, or ArchiveError when the writer is not open."""
        if self._run is None or self._run.status != "running" or self._index is None:
            raise ArchiveError(f"writer for {self.path} is not open")
        return self._index

    def _clock(self) -> datetime:
        """The injected clock's time, checked to be timezone-aware, in UTC."""
        return require_aware(self._now(), "now()").astimezone(UTC)

    def _fetch_time(self, value: datetime | None) -> datetime:
        """``value`` (timezone-aware) in UTC, or the clock's time."""
        if value is None:
            return self._clock()
        return require_aware(value, "fetched_at").astimezone(UTC)
